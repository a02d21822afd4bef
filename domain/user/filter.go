package user

import (
	"fmt"

	"github.com/skygraph/skygraph/internal/filter"
)

// Filter is ModelUserFilterInput (listUsers): conditions on the profile's text fields,
// AND-ed, plus and/or/not groups, with package filter's Amplify operators.
type Filter struct {
	ID       *filter.StringInput
	Email    *filter.StringInput
	Username *filter.StringInput
	Name     *filter.StringInput
	Address  *filter.StringInput
	Phone    *filter.StringInput
	And      []*Filter
	Or       []*Filter
	Not      *Filter
}

type field struct {
	name string
	c    *filter.StringInput
	v    string
}

func (f *Filter) fields(u *User) []field {
	return []field{
		{"id", f.ID, u.ID}, {"email", f.Email, u.Email}, {"username", f.Username, u.Username},
		{"name", f.Name, u.Name}, {"address", f.Address, u.Address}, {"phone", f.Phone, u.Phone},
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
	for _, s := range f.fields(&User{}) {
		if err := s.c.Validate(filter.Field(path, s.name)); err != nil {
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

// Match reports whether u satisfies f. A nil filter matches everything. f must have
// passed Validate.
func (f *Filter) Match(u *User) bool {
	if f == nil {
		return true
	}
	for _, s := range f.fields(u) {
		v := s.v
		if !s.c.Match(&v) {
			return false
		}
	}
	for _, g := range f.And {
		if g != nil && !g.Match(u) {
			return false
		}
	}
	if len(f.Or) > 0 {
		hit := false
		for _, g := range f.Or {
			if g != nil && g.Match(u) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return f.Not == nil || !f.Not.Match(u)
}
