package account_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
)

// recorder is a Provider that records what the Service passes on.
type recorder struct {
	calls []string
	args  [][]string
}

func (r *recorder) rec(name string, args ...string) {
	r.calls = append(r.calls, name)
	r.args = append(r.args, args)
}

func (r *recorder) SignUp(_ context.Context, email, password, name string) (string, error) {
	r.rec("SignUp", email, password, name)
	return "sub", nil
}

func (r *recorder) ConfirmSignUp(_ context.Context, email, code string) error {
	r.rec("ConfirmSignUp", email, code)
	return nil
}

func (r *recorder) SignIn(_ context.Context, email, password string) (account.Session, error) {
	r.rec("SignIn", email, password)
	return account.Session{IDToken: "id"}, nil
}

func (r *recorder) Refresh(_ context.Context, token string) (account.Session, error) {
	r.rec("Refresh", token)
	return account.Session{IDToken: "id"}, nil
}

func (r *recorder) AddUserToGroup(_ context.Context, user, group string) error {
	r.rec("AddUserToGroup", user, group)
	return nil
}

func (r *recorder) RemoveUserFromGroup(_ context.Context, user, group string) error {
	r.rec("RemoveUserFromGroup", user, group)
	return nil
}

func (r *recorder) DisableUser(_ context.Context, user string) error {
	r.rec("DisableUser", user)
	return nil
}

func (r *recorder) Groups(_ context.Context, user string) ([]string, error) {
	r.rec("Groups", user)
	return nil, nil
}

const good = "Passw0rd!"

func TestSignUpNormalisesAndValidates(t *testing.T) {
	ctx := context.Background()
	r := &recorder{}
	s := account.NewService(r)
	sub, err := s.SignUp(ctx, "  Ada.Lovelace+skygraph@Example.COM ", good, "  Ada Lovelace ")
	require.NoError(t, err)
	require.Equal(t, "sub", sub)
	require.Equal(t, []string{"ada.lovelace+skygraph@example.com", good, "Ada Lovelace"}, r.args[0])

	for _, tc := range []struct {
		name, email, password, display, msg string
	}{
		{"no email", "", good, "A", "email: required"},
		{"no at", "ada.example.com", good, "A", "email: must be a valid email address"},
		{"display name", "Ada <ada@example.com>", good, "A", "email: must be a valid email address"},
		{"no dot", "ada@localhost", good, "A", "email: must be a valid email address"},
		{"two ats", "a@b@example.com", good, "A", "email: must be a valid email address"},
		{"space", "a b@example.com", good, "A", "email: must be a valid email address"},
		{"too long", strings.Repeat("a", 250) + "@example.com", good, "A", "email: must be a valid email address"},
		{"short", "a@example.com", "Pa0!", "A", "Password did not conform with policy: Password not long enough"},
		{"no upper", "a@example.com", "passw0rd!", "A", "Password did not conform with policy: Password must have uppercase characters"},
		{"no lower", "a@example.com", "PASSW0RD!", "A", "Password did not conform with policy: Password must have lowercase characters"},
		{"no digit", "a@example.com", "Password!", "A", "Password did not conform with policy: Password must have numeric characters"},
		{"no symbol", "a@example.com", "Passw0rdd", "A", "Password did not conform with policy: Password must have symbol characters"},
		{"leading space", "a@example.com", " Passw0rd!", "A", "Password did not conform with policy: Password must not begin or end with a space"},
		{"too long password", "a@example.com", strings.Repeat("Aa1!", 65), "A", "Password did not conform with policy: Password is too long"},
		{"no name", "a@example.com", good, "   ", "name: required"},
		{"long name", "a@example.com", good, strings.Repeat("n", 101), "name: must be 1 to 100 characters"},
		{"control in name", "a@example.com", good, "A\x00B", "name: must not contain control characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			_, err := account.NewService(r).SignUp(ctx, tc.email, tc.password, tc.display)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%v", err)
			require.Equal(t, tc.msg, apperr.MessageOf(err))
			require.Empty(t, r.calls, "invalid input never reaches the provider")
		})
	}
	// Boundaries that pass: a space inside the password counts as a symbol; 100-rune names.
	for _, pw := range []string{"Pass w0rd", "Ünïcödé1!", strings.Repeat("Aa1!", 64)} {
		_, err := s.SignUp(ctx, "b@example.com", pw, strings.Repeat("é", 100))
		require.NoError(t, err, pw)
	}
}

func TestConfirmSignInRefresh(t *testing.T) {
	ctx := context.Background()
	r := &recorder{}
	s := account.NewService(r)
	require.NoError(t, s.ConfirmSignUp(ctx, " A@Example.com", " 123456 "))
	require.Equal(t, []string{"a@example.com", "123456"}, r.args[0])
	require.NoError(t, s.ConfirmSignUp(ctx, "a@example.com", ""), "the local provider confirms without a code")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(s.ConfirmSignUp(ctx, "a@example.com", "12 34")))
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(s.ConfirmSignUp(ctx, "nope", "1")))

	_, err := s.SignIn(ctx, " A@Example.com ", "any password at all")
	require.NoError(t, err, "the password policy is not applied at sign-in")
	require.Equal(t, []string{"a@example.com", "any password at all"}, r.args[len(r.args)-1])
	_, err = s.SignIn(ctx, "", "x")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	_, err = s.SignIn(ctx, "a@example.com", "")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	n := len(r.calls)
	_, err = s.SignIn(ctx, strings.Repeat("a", 300)+"@example.com", "x")
	require.Equal(t, account.MsgIncorrectCredentials, apperr.MessageOf(err), "impossible input fails like a wrong password")
	require.Len(t, r.calls, n)

	_, err = s.RefreshSession(ctx, " token ")
	require.NoError(t, err)
	require.Equal(t, []string{"token"}, r.args[len(r.args)-1])
	_, err = s.RefreshSession(ctx, "")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	_, err = s.RefreshSession(ctx, strings.Repeat("x", account.MaxRefreshTokenLength+1))
	require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err))
}

func TestGroupOpsNeedAnAdmin(t *testing.T) {
	ctx := context.Background()
	r := &recorder{}
	s := account.NewService(r)
	for _, op := range []func(bool, string, string) error{
		func(admin bool, u, g string) error { return s.AddUserToGroup(ctx, admin, u, g) },
		func(admin bool, u, g string) error { return s.RemoveUserFromGroup(ctx, admin, u, g) },
	} {
		err := op(false, "not even valid", "")
		require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err), "a non-admin is denied before validation")
		require.Empty(t, r.calls)

		require.NoError(t, op(true, " Owner@Example.com ", account.GroupRestaurantOwner))
		require.Equal(t, []string{"owner@example.com", "RestaurantOwner"}, r.args[len(r.args)-1])
		require.NoError(t, op(true, "0f8fad5b-d9cb-469f-a165-70867728950e", " Admin "))
		require.Equal(t, []string{"0f8fad5b-d9cb-469f-a165-70867728950e", "Admin"}, r.args[len(r.args)-1])

		for _, bad := range [][2]string{{"", "Admin"}, {"a b", "Admin"}, {"x@y", "Admin"}, {"sub", ""}, {"sub", "Two Words"}, {"sub", strings.Repeat("g", 129)}} {
			err := op(true, bad[0], bad[1])
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%q: %v", bad, err)
		}
		r.calls, r.args = nil, nil
	}
}

func TestErrorsAreStable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code apperr.Code
	}{
		{account.ErrIncorrectCredentials(), apperr.Unauthorized},
		{account.ErrNotConfirmed(), apperr.Unauthorized},
		{account.ErrEmailExists(), apperr.Conflict},
		{account.ErrCodeMismatch(), apperr.BadRequest},
		{account.ErrCodeExpired(), apperr.BadRequest},
		{account.ErrUserNotFound(), apperr.NotFound},
		{account.ErrGroupNotFound(), apperr.NotFound},
		{account.ErrInvalidRefreshToken(), apperr.Unauthorized},
	} {
		require.Equal(t, tc.code, apperr.CodeOf(tc.err))
	}
}
