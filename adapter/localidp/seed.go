package localidp

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
)

// DemoAccount is one of the accounts Seed creates.
type DemoAccount struct {
	Email, Password, Name string
	// Groups the account is in; none for a plain customer.
	Groups []string
}

// DemoAccounts are the seeded accounts: a customer, an admin and a restaurant owner, with
// the passwords the README lists.
var DemoAccounts = []DemoAccount{
	{Email: "demo@example.com", Password: "Demo1234!", Name: "Demo Customer"},
	{Email: "admin@example.com", Password: "Admin1234!", Name: "Demo Admin", Groups: []string{account.GroupAdmin}},
	{Email: "owner@example.com", Password: "Owner1234!", Name: "Demo Restaurant Owner", Groups: []string{account.GroupRestaurantOwner}},
}

// demoNamespace derives the demo accounts' subs.
var demoNamespace = uuid.MustParse("5b7c7f5e-2f0e-4a55-9d38-0f3e6c1b9a21")

// DemoSub is the sub Seed gives a demo account: derived from the email (UUIDv5), so demo
// data that belongs to the demo customer can name its owner before the account exists,
// and a re-seeded store keeps the same ids.
func DemoSub(email string) string {
	return uuid.NewSHA1(demoNamespace, []byte(account.NormalizeEmail(email))).String()
}

// Seed creates DemoAccounts, confirmed and in their groups. It is idempotent and safe to
// run concurrently (two instances starting at once): an account whose email exists is
// left as it is, so a password or groups changed since are not reset.
func (p *Provider) Seed(ctx context.Context) error {
	for _, d := range DemoAccounts {
		email := account.NormalizeEmail(d.Email)
		_, err := p.store.UserByEmail(ctx, email)
		if err == nil {
			continue
		}
		if !apperr.Is(err, apperr.NotFound) {
			return fmt.Errorf("seed %s: %w", email, err)
		}
		hash, err := p.hashPassword(d.Password)
		if err != nil {
			return fmt.Errorf("seed %s: %w", email, err)
		}
		now := p.now().UTC()
		err = p.store.CreateUser(ctx, &User{
			Sub: DemoSub(email), Email: email, Name: d.Name, PasswordHash: hash, Confirmed: true,
			Groups: d.Groups, CreatedAt: now, UpdatedAt: now,
		})
		if err != nil && !apperr.Is(err, apperr.Conflict) {
			return fmt.Errorf("seed %s: %w", email, err)
		}
	}
	return nil
}
