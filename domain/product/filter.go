package product

import (
	"fmt"

	"github.com/skygraph/skygraph/internal/filter"
)

// Filter is ModelProductFilterInput: conditions on fields, AND-ed, plus and/or/not groups,
// evaluated with package filter's Amplify operators.
type Filter struct {
	ID          *filter.StringInput
	Sku         *filter.StringInput
	Name        *filter.StringInput
	Description *filter.StringInput
	Price       *filter.IntInput
	Currency    *filter.StringInput
	Stock       *filter.IntInput
	And         []*Filter
	Or          []*Filter
	Not         *Filter
}

type stringField struct {
	name string
	c    *filter.StringInput
	v    string
}

type intField struct {
	name string
	c    *filter.IntInput
	v    int
}

func (f *Filter) fields(p *Product) ([]stringField, []intField) {
	return []stringField{
			{"id", f.ID, p.ID}, {"sku", f.Sku, p.SKU}, {"name", f.Name, p.Name},
			{"description", f.Description, p.Description}, {"currency", f.Currency, p.Currency},
		}, []intField{
			{"price", f.Price, p.Price}, {"stock", f.Stock, p.Stock},
		}
}

// Validate checks every operator's arguments and bounds the tree's size.
func (f *Filter) Validate(path string) error {
	var b filter.Budget
	return f.validate(path, 0, &b)
}

func (f *Filter) validate(path string, depth int, b *filter.Budget) error {
	if f == nil {
		return nil
	}
	if err := b.Enter(depth); err != nil {
		return err
	}
	strs, ints := f.fields(&Product{})
	for _, s := range strs {
		if err := s.c.Validate(filter.Field(path, s.name)); err != nil {
			return err
		}
	}
	for _, i := range ints {
		if err := i.c.Validate(filter.Field(path, i.name)); err != nil {
			return err
		}
	}
	for i, g := range f.And {
		if err := g.validate(fmt.Sprintf("%s.and[%d]", path, i), depth+1, b); err != nil {
			return err
		}
	}
	for i, g := range f.Or {
		if err := g.validate(fmt.Sprintf("%s.or[%d]", path, i), depth+1, b); err != nil {
			return err
		}
	}
	return f.Not.validate(path+".not", depth+1, b)
}

// Match reports whether p satisfies f. A nil filter matches everything. f must have
// passed Validate.
func (f *Filter) Match(p *Product) bool {
	if f == nil {
		return true
	}
	strs, ints := f.fields(p)
	for _, s := range strs {
		v := s.v
		if !s.c.Match(&v) {
			return false
		}
	}
	for _, i := range ints {
		v := i.v
		if !i.c.Match(&v) {
			return false
		}
	}
	for _, g := range f.And {
		if g != nil && !g.Match(p) {
			return false
		}
	}
	if len(f.Or) > 0 {
		hit := false
		for _, g := range f.Or {
			if g != nil && g.Match(p) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return f.Not == nil || !f.Not.Match(p)
}
