package dynamo

import "github.com/skygraph/skygraph/adapter/localidp"

// AccountStore is localidp.UserStore on the single table: the local identity provider's
// users, their email guards and refresh tokens (key formats in keys.go, accountKeys). Its
// methods live in one file per access pattern (account_create.go, account_get.go, …).
type AccountStore struct{ s *Store }

var _ localidp.UserStore = (*AccountStore)(nil)

// Accounts returns the local identity provider's user store.
func (s *Store) Accounts() *AccountStore { return &AccountStore{s: s} }
