package user

import (
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

var tree = filter.Tree[*Filter, *User]{
	Groups: func(f *Filter) ([]*Filter, []*Filter, *Filter) { return f.And, f.Or, f.Not },
	Fields: func(f *Filter, path string) error {
		for _, s := range f.fields(&User{}) {
			if s.c == nil {
				continue // no condition: no path string to build
			}
			if err := s.c.Validate(filter.Field(path, s.name)); err != nil {
				return err
			}
		}
		return nil
	},
	Match: func(f *Filter, u *User) bool {
		for _, s := range f.fields(u) {
			if !s.c.Match(&s.v) {
				return false
			}
		}
		return true
	},
}

// Validate checks every operator's arguments and bounds the tree's size.
func (f *Filter) Validate(path string) error { return tree.Validate(f, path) }

// Match reports whether u satisfies f. A nil filter matches everything. f must have
// passed Validate.
func (f *Filter) Match(u *User) bool { return tree.Matches(f, u) }
