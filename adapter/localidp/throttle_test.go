package localidp_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/domain/account/accounttest"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/clientip"
)

// TestLockout: Cognito's back-off. After 5 failed sign-ins an email is locked for 1 s,
// then 2 s, 4 s … (even the right password answers "Password attempts exceeded"); an
// unknown email locks the same way (a lockout reveals nothing); a peer address is locked
// after 21 failures whatever the emails; a right password ends an email's back-off.
func TestLockout(t *testing.T) {
	ctx := clientip.With(context.Background(), "192.0.2.1:1234")
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	p, tok := newProvider(t, embedded(t), func(c *localidp.Config) { c.Now = clock })
	email := accounttest.Email("locked")
	accounttest.SignUpConfirmed(t, p, tok, email, "Locked")

	msg := func(err error) string { return apperr.MessageOf(err) }
	for i := range 5 {
		_, err := p.SignIn(ctx, email, "Wrong-Passw0rd!")
		require.Equal(t, "Incorrect username or password.", msg(err), "attempt %d", i+1)
	}
	_, err := p.SignIn(ctx, email, accounttest.Password)
	require.NoError(t, err, "five failures are free, and a success resets them")
	for range 6 {
		_, err = p.SignIn(ctx, email, "Wrong-Passw0rd!")
	}
	require.Equal(t, "Incorrect username or password.", msg(err), "the sixth failure is checked, then locks")
	_, err = p.SignIn(ctx, email, accounttest.Password)
	require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err))
	require.Equal(t, localidp.MsgAttemptsExceeded, msg(err))
	advance(time.Second)
	_, err = p.SignIn(ctx, email, "Wrong-Passw0rd!")
	require.Equal(t, "Incorrect username or password.", msg(err))
	advance(1999 * time.Millisecond)
	_, err = p.SignIn(ctx, email, accounttest.Password)
	require.Equal(t, localidp.MsgAttemptsExceeded, msg(err), "the second lock lasts 2 s")
	advance(time.Millisecond)
	_, err = p.SignIn(ctx, email, accounttest.Password)
	require.NoError(t, err)

	ghost := accounttest.Email("ghost")
	for range 6 {
		_, _ = p.SignIn(ctx, ghost, "Wrong-Passw0rd!")
	}
	_, err = p.SignIn(ctx, ghost, "Wrong-Passw0rd!")
	require.Equal(t, localidp.MsgAttemptsExceeded, msg(err), "unknown emails lock too")

	// Confirmation codes: the same back-off per email.
	pending := accounttest.Email("pending")
	_, err = p.SignUp(ctx, pending, accounttest.Password, "Pending")
	require.NoError(t, err)
	for range 6 {
		_ = p.ConfirmSignUp(ctx, pending, "000000")
	}
	require.Equal(t, localidp.MsgAttemptsExceeded, msg(p.ConfirmSignUp(ctx, pending, "000000")))

	// One address, many emails: 20 failures are free, the 21st locks the address.
	other := clientip.With(context.Background(), "192.0.2.2:1")
	for i := range 21 {
		_, err = p.SignIn(other, accounttest.Email(fmt.Sprint("spray", i)), "Wrong-Passw0rd!")
		require.Equal(t, "Incorrect username or password.", msg(err), "attempt %d", i+1)
	}
	_, err = p.SignIn(other, email, accounttest.Password)
	require.Equal(t, localidp.MsgAttemptsExceeded, msg(err), "the address is locked: %v", err)
	_, err = p.SignIn(clientip.With(context.Background(), "192.0.2.3:1"), email, accounttest.Password)
	require.NoError(t, err, "another address is not")
}
