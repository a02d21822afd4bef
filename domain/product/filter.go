package product

import (
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

var tree = filter.Tree[*Filter, *Product]{
	Groups: func(f *Filter) ([]*Filter, []*Filter, *Filter) { return f.And, f.Or, f.Not },
	Fields: func(f *Filter, path string) error {
		strs, ints := f.fields(&Product{})
		for _, s := range strs {
			if s.c == nil {
				continue // no condition: no path string to build
			}
			if err := s.c.Validate(filter.Field(path, s.name)); err != nil {
				return err
			}
		}
		for _, i := range ints {
			if i.c == nil {
				continue // no condition: no path string to build
			}
			if err := i.c.Validate(filter.Field(path, i.name)); err != nil {
				return err
			}
		}
		return nil
	},
	Match: func(f *Filter, p *Product) bool {
		strs, ints := f.fields(p)
		for _, s := range strs {
			if !s.c.Match(&s.v) {
				return false
			}
		}
		for _, i := range ints {
			if !i.c.Match(&i.v) {
				return false
			}
		}
		return true
	},
}

// Validate checks every operator's arguments and bounds the tree's size.
func (f *Filter) Validate(path string) error { return tree.Validate(f, path) }

// Match reports whether p satisfies f. A nil filter matches everything. f must have
// passed Validate.
func (f *Filter) Match(p *Product) bool { return tree.Matches(f, p) }
