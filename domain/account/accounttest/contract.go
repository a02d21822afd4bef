// Package accounttest is the contract every account.Provider must pass: one suite, run
// against the local identity provider (on each DynamoDB backend) and against the Cognito
// adapter (on cognito-local), so the two cannot drift apart.
package accounttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Tokens is what the suite needs from the caller besides the provider.
type Tokens struct {
	// Verify verifies a token of the given use ("id" or "access") as the API would (see
	// JWKSVerifier) and returns its claims.
	Verify func(token, use string) (Claims, error)
	// Code returns the confirmation code the provider delivered to email at sign-up: the
	// local provider's log hook, or cognito-local's data file. An empty code is passed to
	// ConfirmSignUp as is.
	Code func(ctx context.Context, email string) (string, error)
	// Disabled reports whether the provider holds the user (sub) as disabled, read behind
	// its back (the account store, or AdminGetUser).
	Disabled func(ctx context.Context, sub string) (bool, error)
	// DisableNotEnforced, when set, says why the stand-in does not refuse a disabled
	// user's sign-in and refresh (cognito-local ignores Enabled; Cognito refuses them), so
	// the suite checks the provider's state instead of the refusal.
	DisableNotEnforced string
}

// Password is a password that satisfies Cognito's default policy.
const Password = "Corr3ct-Horse!"

// Email returns a fresh, unique address with some upper-case letters (providers must
// treat emails case-insensitively), so suites can share one provider between cases.
func Email(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s.%s@Example.COM", prefix, hex.EncodeToString(b))
}

// RunProviderContract runs the contract. newProvider may return the same provider for
// every case (the cases use unique emails) or a fresh one.
func RunProviderContract(t *testing.T, newProvider func(t *testing.T) (account.Provider, Tokens)) {
	ctx := context.Background()

	t.Run("SignUpConfirmSignIn", func(t *testing.T) {
		p, tok := newProvider(t)
		email := Email("signup")
		sub, err := p.SignUp(ctx, email, Password, "Ada Lovelace")
		require.NoError(t, err)
		require.NotEmpty(t, sub)

		_, err = p.SignIn(ctx, email, Password)
		requireErr(t, err, apperr.Unauthorized, account.MsgNotConfirmed)

		code, err := tok.Code(ctx, email)
		require.NoError(t, err)
		requireCode(t, apperr.BadRequest, p.ConfirmSignUp(ctx, email, wrongCode(code)), "a wrong code")
		_, err = p.SignIn(ctx, email, Password)
		requireErr(t, err, apperr.Unauthorized, account.MsgNotConfirmed)

		require.NoError(t, p.ConfirmSignUp(ctx, email, code))
		requireCode(t, apperr.BadRequest, p.ConfirmSignUp(ctx, email, code), "confirming twice")

		s, err := p.SignIn(ctx, strings.ToUpper(email), Password)
		require.NoError(t, err, "sign-in must ignore the email's letter case")
		require.NotEmpty(t, s.IDToken)
		require.NotEmpty(t, s.AccessToken)
		require.NotEmpty(t, s.RefreshToken)
		require.Positive(t, s.ExpiresIn)
		require.LessOrEqual(t, s.ExpiresIn, 24*3600)

		id := verify(t, tok, s.IDToken, "id")
		require.Equal(t, sub, id["sub"])
		require.Equal(t, strings.ToLower(email), id["email"])
		for _, c := range []string{"aud", "auth_time", "cognito:username", "email_verified", "event_id", "exp", "iat", "iss", "jti"} {
			require.Contains(t, id, c)
		}
		require.IsType(t, true, id["email_verified"])
		require.NotContains(t, id, "cognito:groups", "Cognito omits the claim when the user has no groups")

		access := verify(t, tok, s.AccessToken, "access")
		require.Equal(t, sub, access["sub"])
		require.Equal(t, id["cognito:username"], access["username"])
		require.Equal(t, "aws.cognito.signin.user.admin", access["scope"])
		for _, c := range []string{"auth_time", "client_id", "event_id", "exp", "iat", "iss", "jti"} {
			require.Contains(t, access, c)
		}
		require.NotContains(t, access, "aud", "Cognito access tokens have no aud")
		require.NotContains(t, access, "cognito:groups")
	})

	t.Run("DuplicateEmailIsConflict", func(t *testing.T) {
		p, _ := newProvider(t)
		email := Email("dup")
		_, err := p.SignUp(ctx, email, Password, "First")
		require.NoError(t, err)
		_, err = p.SignUp(ctx, email, Password, "Second")
		requireErr(t, err, apperr.Conflict, account.MsgEmailExists)
		_, err = p.SignUp(ctx, strings.ToLower(email), "Other-Passw0rd!", "Third")
		requireErr(t, err, apperr.Conflict, account.MsgEmailExists)
		_, err = p.SignUp(ctx, strings.ToUpper(email), Password, "Fourth")
		requireErr(t, err, apperr.Conflict, account.MsgEmailExists)
	})

	t.Run("UnknownUserAndWrongPasswordAreIdentical", func(t *testing.T) {
		p, tok := newProvider(t)
		email := Email("creds")
		SignUpConfirmed(t, p, tok, email, "Creds")
		_, wrong := p.SignIn(ctx, email, "Wrong-Passw0rd!")
		_, unknown := p.SignIn(ctx, Email("nobody"), Password)
		requireErr(t, wrong, apperr.Unauthorized, account.MsgIncorrectCredentials)
		requireErr(t, unknown, apperr.Unauthorized, account.MsgIncorrectCredentials)
		require.Equal(t, wrong.Error(), unknown.Error(), "the two failures must not differ in any way")

		// An unconfirmed user's status is not revealed without the right password.
		pending := Email("pending")
		_, err := p.SignUp(ctx, pending, Password, "Pending")
		require.NoError(t, err)
		_, err = p.SignIn(ctx, pending, "Wrong-Passw0rd!")
		requireErr(t, err, apperr.Unauthorized, account.MsgIncorrectCredentials)
	})

	t.Run("ConfirmUnknownUserIsBadRequest", func(t *testing.T) {
		p, _ := newProvider(t)
		requireCode(t, apperr.BadRequest, p.ConfirmSignUp(ctx, Email("ghost"), "123456"), "an unknown email")
	})

	t.Run("RefreshIssuesNewTokens", func(t *testing.T) {
		p, tok := newProvider(t)
		email := Email("refresh")
		sub := SignUpConfirmed(t, p, tok, email, "Refresh")
		s, err := p.SignIn(ctx, email, Password)
		require.NoError(t, err)
		r, err := p.Refresh(ctx, s.RefreshToken)
		require.NoError(t, err)
		require.NotEqual(t, s.IDToken, r.IDToken)
		require.NotEqual(t, s.AccessToken, r.AccessToken)
		require.NotEmpty(t, r.RefreshToken, "the session keeps a refresh token")
		require.Positive(t, r.ExpiresIn)
		require.Equal(t, sub, verify(t, tok, r.IDToken, "id")["sub"])
		require.Equal(t, sub, verify(t, tok, r.AccessToken, "access")["sub"])
		// The refresh token keeps working.
		_, err = p.Refresh(ctx, r.RefreshToken)
		require.NoError(t, err)
	})

	t.Run("BogusRefreshTokenIsUnauthorized", func(t *testing.T) {
		p, tok := newProvider(t)
		for _, bogus := range []string{"not-a-refresh-token", strings.Repeat("A", 64), uuid.NewString()} {
			_, err := p.Refresh(ctx, bogus)
			requireCode(t, apperr.Unauthorized, err, "refresh token "+bogus)
		}
		// An access token is not a refresh token.
		email := Email("notrefresh")
		SignUpConfirmed(t, p, tok, email, "Not Refresh")
		s, err := p.SignIn(ctx, email, Password)
		require.NoError(t, err)
		_, err = p.Refresh(ctx, s.AccessToken)
		requireCode(t, apperr.Unauthorized, err, "an access token used as a refresh token")
	})

	t.Run("GroupsAppearInNewTokens", func(t *testing.T) {
		p, tok := newProvider(t)
		email := Email("groups")
		sub := SignUpConfirmed(t, p, tok, email, "Groups")

		require.NoError(t, p.AddUserToGroup(ctx, sub, account.GroupAdmin), "by sub")
		require.NoError(t, p.AddUserToGroup(ctx, sub, account.GroupAdmin), "adding a member again is a no-op")
		require.NoError(t, p.AddUserToGroup(ctx, strings.ToUpper(email), account.GroupRestaurantOwner), "by email, any case")

		s, err := p.SignIn(ctx, email, Password)
		require.NoError(t, err)
		want := []any{account.GroupAdmin, account.GroupRestaurantOwner}
		require.ElementsMatch(t, want, verify(t, tok, s.IDToken, "id")["cognito:groups"])
		require.ElementsMatch(t, want, verify(t, tok, s.AccessToken, "access")["cognito:groups"])

		require.NoError(t, p.RemoveUserFromGroup(ctx, strings.ToLower(email), account.GroupAdmin), "by email")
		r, err := p.Refresh(ctx, s.RefreshToken)
		require.NoError(t, err)
		require.Equal(t, []any{account.GroupRestaurantOwner}, verify(t, tok, r.IDToken, "id")["cognito:groups"],
			"a refresh reflects the current groups")

		require.NoError(t, p.RemoveUserFromGroup(ctx, sub, account.GroupRestaurantOwner), "by sub")
		require.NoError(t, p.RemoveUserFromGroup(ctx, sub, account.GroupRestaurantOwner), "removing a non-member is a no-op")
		s, err = p.SignIn(ctx, email, Password)
		require.NoError(t, err)
		require.NotContains(t, verify(t, tok, s.IDToken, "id"), "cognito:groups")
		require.NotContains(t, verify(t, tok, s.AccessToken, "access"), "cognito:groups")
	})

	t.Run("DisabledUserCannotSignInOrRefresh", func(t *testing.T) {
		p, tok := newProvider(t)
		email := Email("disabled")
		sub := SignUpConfirmed(t, p, tok, email, "Disabled")
		require.NoError(t, p.AddUserToGroup(ctx, sub, account.GroupAdmin))
		groups, err := p.Groups(ctx, sub)
		require.NoError(t, err)
		require.Equal(t, []string{account.GroupAdmin}, groups)
		s, err := p.SignIn(ctx, email, Password)
		require.NoError(t, err)

		require.NoError(t, p.DisableUser(ctx, sub))
		require.NoError(t, p.DisableUser(ctx, strings.ToUpper(email)), "disabling again (by email) is a no-op")
		disabled, err := tok.Disabled(ctx, sub)
		require.NoError(t, err)
		require.True(t, disabled, "the provider must hold the user as disabled")
		if tok.DisableNotEnforced != "" {
			t.Logf("sign-in and refresh refusal not checked: %s", tok.DisableNotEnforced)
		} else {
			_, err = p.SignIn(ctx, email, Password)
			requireErr(t, err, apperr.Unauthorized, account.MsgUserDisabled)
			_, err = p.Refresh(ctx, s.RefreshToken)
			requireCode(t, apperr.Unauthorized, err, "refreshing a disabled user's session")
			_, err = p.SignIn(ctx, email, "Wrong-Passw0rd!")
			requireErr(t, err, apperr.Unauthorized, account.MsgIncorrectCredentials)
		}
		_, err = p.SignUp(ctx, email, Password, "Again")
		requireErr(t, err, apperr.Conflict, account.MsgEmailExists)

		for _, user := range []string{uuid.NewString(), strings.ToLower(Email("ghost"))} {
			requireErr(t, p.DisableUser(ctx, user), apperr.NotFound, account.MsgUserNotFound)
		}
		_, err = p.Groups(ctx, uuid.NewString())
		requireErr(t, err, apperr.NotFound, account.MsgUserNotFound)
	})

	t.Run("GroupOpsOnUnknownUserOrGroupAreNotFound", func(t *testing.T) {
		p, tok := newProvider(t)
		for _, user := range []string{uuid.NewString(), strings.ToLower(Email("ghost"))} {
			requireErr(t, p.AddUserToGroup(ctx, user, account.GroupAdmin), apperr.NotFound, account.MsgUserNotFound)
			requireErr(t, p.RemoveUserFromGroup(ctx, user, account.GroupAdmin), apperr.NotFound, account.MsgUserNotFound)
		}
		sub := SignUpConfirmed(t, p, tok, Email("nogroup"), "No Group")
		requireErr(t, p.AddUserToGroup(ctx, sub, "NoSuchGroup"), apperr.NotFound, account.MsgGroupNotFound)
		requireErr(t, p.RemoveUserFromGroup(ctx, sub, "NoSuchGroup"), apperr.NotFound, account.MsgGroupNotFound)
	})
}

// SignUpConfirmed signs a user up with Password and confirms it, returning its sub.
func SignUpConfirmed(t *testing.T, p account.Provider, tok Tokens, email, name string) string {
	t.Helper()
	ctx := context.Background()
	sub, err := p.SignUp(ctx, email, Password, name)
	require.NoError(t, err)
	code, err := tok.Code(ctx, email)
	require.NoError(t, err)
	require.NoError(t, p.ConfirmSignUp(ctx, email, code))
	return sub
}

func verify(t *testing.T, tok Tokens, token, use string) Claims {
	t.Helper()
	c, err := tok.Verify(token, use)
	require.NoError(t, err)
	return c
}

func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func requireCode(t *testing.T, want apperr.Code, err error, what string) {
	t.Helper()
	require.Error(t, err, what)
	require.Equal(t, want, apperr.CodeOf(err), "%s: %v", what, err)
}

func requireErr(t *testing.T, err error, code apperr.Code, msg string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, apperr.CodeOf(err), "%v", err)
	require.Equal(t, msg, apperr.MessageOf(err), "%v", err)
}
