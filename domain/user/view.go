package user

import "github.com/skygraph/skygraph/internal/opt"

// The API shows a profile's unset optional fields as null. These accessors do that on the
// model itself, so the executor reads them inline rather than running a resolver, in a
// goroutine of its own, for each such field of every user on a listUsers page.

// EmailOrNil is the sign-in email, nil when the profile has none (seeded data).
func (u *User) EmailOrNil() *string { return opt.String(u.Email) }

// UsernameOrNil is the username, nil when the user chose none.
func (u *User) UsernameOrNil() *string { return opt.String(u.Username) }
