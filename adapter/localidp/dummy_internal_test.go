package localidp

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/skygraph/skygraph/domain/account"
)

// noUsers is a UserStore that knows nobody.
type noUsers struct{ UserStore }

func (noUsers) UserByEmail(context.Context, string) (*User, error) { return nil, nil }

// TestDummyHashIsMadeOnFirstUse: New does no bcrypt work (at the default cost, the
// unknown-email hash was a fifth of a second of every start, Lambda's cold start
// included); the first sign-in with an unknown email makes it, once, and still compares
// against it, so the answer costs one bcrypt comparison as for a known email.
func TestDummyHashIsMadeOnFirstUse(t *testing.T) {
	p, err := New(noUsers{}, Config{Issuer: "http://localhost:8080/local", ClientID: "c", BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	require.Nil(t, p.dummyHash, "New must not hash")

	_, err = p.SignIn(context.Background(), "nobody@example.com", "Secret123!")
	require.Error(t, err)
	require.Equal(t, account.ErrIncorrectCredentials().Error(), err.Error())
	first := p.dummyHash
	require.NotNil(t, first, "an unknown email is compared against the dummy hash")
	cost, err := bcrypt.Cost(first)
	require.NoError(t, err)
	require.Equal(t, bcrypt.MinCost, cost)

	_, _ = p.SignIn(context.Background(), "other@example.com", "Secret123!")
	require.Equal(t, first, p.dummyHash, "made once")
}
