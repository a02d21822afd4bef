// Package account is sign-up, sign-in and group membership: the use cases behind the
// GraphQL account operations, over an identity-provider port (Provider) with two adapters,
// Amazon Cognito (package cognito) and the local identity provider (package localidp).
//
// The package knows nothing of GraphQL, AWS or how tokens are verified: it validates and
// normalises input, enforces the admin-only rule of the group operations, and leaves
// credentials and tokens to the provider.
package account

import (
	"context"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Session is what a successful sign-in or refresh returns: Cognito's AuthenticationResult.
type Session struct {
	// IDToken and AccessToken are RS256 JWTs with Cognito's claims.
	IDToken     string
	AccessToken string
	// RefreshToken obtains new ID and access tokens (Provider.Refresh). A refresh returns
	// the token it was given, since Cognito does not rotate refresh tokens.
	RefreshToken string
	// ExpiresIn is the lifetime of the ID and access tokens in seconds.
	ExpiresIn int
}

// Provider is an identity provider (a Cognito user pool, or the local provider). Every
// implementation must honour this contract, which the suite in package accounttest checks
// against each of them:
//
//   - Emails are case-insensitive: a provider compares and stores them lower-cased, so
//     "A@x.io" and "a@x.io" are one account. The user pool signs users in by email.
//   - SignUp creates an unconfirmed user and returns its sub (a stable, opaque id). An
//     email that already has an account is a Conflict ("An account with the given email
//     already exists."), and nothing is written; two concurrent sign-ups with one email
//     create exactly one user. A password the provider rejects is a BadRequest that says why.
//   - ConfirmSignUp confirms a user with the code the provider delivered at sign-up. A
//     wrong or expired code, an unknown email or an already confirmed user is a BadRequest
//     (the same one for a wrong code and an unknown email). The local provider also accepts
//     an empty code (it has no mailbox); Cognito does not (BadRequest).
//   - SignIn returns a Session for a confirmed user's email and password. An unknown email
//     and a wrong password are the SAME error, ErrIncorrectCredentials (Unauthorized,
//     "Incorrect username or password."), with nothing that tells them apart, so sign-in
//     cannot be used to learn which emails exist. A correct password of an unconfirmed user
//     is ErrNotConfirmed (Unauthorized, "User is not confirmed.").
//   - Refresh exchanges a refresh token from SignIn for new ID and access tokens that
//     reflect the user's current groups. An unknown, malformed, revoked or expired refresh
//     token is Unauthorized.
//   - AddUserToGroup and RemoveUserFromGroup address the user by sub or by email. They are
//     idempotent (adding a member or removing a non-member succeeds). An unknown user or an
//     unknown group is a NotFound. Tokens issued afterwards carry the change in
//     cognito:groups; tokens already issued keep their claims until they expire.
//   - DisableUser (by sub or email) disables a user for good: from then on SignIn and
//     Refresh of that user are Unauthorized (ErrUserDisabled for a correct password; the
//     refresh token stops working), and the user cannot sign up again with the email. It is
//     idempotent; an unknown user is ErrUserNotFound. Tokens already issued stay valid JWTs
//     until they expire (neither provider can recall them), so the API itself refuses a
//     deleted user's profile (see package user).
//   - Groups (by sub: cognito-local resolves no email alias here) lists the user's groups,
//     in no particular order; an unknown user is ErrUserNotFound.
//   - Throttling or an unreachable provider is Unavailable; anything unexpected is Internal,
//     with the provider's own text kept as the cause for logs and never in the message.
type Provider interface {
	SignUp(ctx context.Context, email, password, name string) (sub string, err error)
	ConfirmSignUp(ctx context.Context, email, code string) error
	SignIn(ctx context.Context, email, password string) (Session, error)
	Refresh(ctx context.Context, refreshToken string) (Session, error)
	AddUserToGroup(ctx context.Context, user, group string) error
	RemoveUserFromGroup(ctx context.Context, user, group string) error
	DisableUser(ctx context.Context, user string) error
	Groups(ctx context.Context, user string) ([]string, error)
}

// Client-visible messages shared by every provider, worded as Cognito words them so a
// frontend written against Cognito shows the same text.
const (
	MsgIncorrectCredentials = "Incorrect username or password."
	MsgNotConfirmed         = "User is not confirmed."
	MsgEmailExists          = "An account with the given email already exists."
	MsgCodeMismatch         = "Invalid verification code provided, please try again."
	MsgCodeExpired          = "Invalid code provided, please request a code again."
	MsgUserNotFound         = "User does not exist."
	MsgGroupNotFound        = "Group not found."
	MsgInvalidRefreshToken  = "Invalid Refresh Token"
	MsgAttemptsExceeded     = "Password attempts exceeded"
	MsgUserDisabled         = "User is disabled."
)

// ErrIncorrectCredentials is the one error for an unknown email and a wrong password. It
// carries no cause on purpose: two failures that must look identical cannot differ even in
// logs that might be shown to someone.
func ErrIncorrectCredentials() error {
	return apperr.New(apperr.Unauthorized, MsgIncorrectCredentials)
}

// ErrAttemptsExceeded is a sign-in (or confirmation) refused without a check because the
// email or the caller's address is locked out after repeated failures (Cognito's
// NotAuthorizedException with this message). It is the same for known and unknown emails.
func ErrAttemptsExceeded() error { return apperr.New(apperr.Unauthorized, MsgAttemptsExceeded) }

// ErrNotConfirmed is a correct sign-in of a user who has not confirmed the sign-up yet.
func ErrNotConfirmed() error { return apperr.New(apperr.Unauthorized, MsgNotConfirmed) }

// ErrEmailExists is a sign-up with an email that already has an account.
func ErrEmailExists() error { return apperr.New(apperr.Conflict, MsgEmailExists) }

// ErrCodeMismatch is a wrong confirmation code, or a confirmation for an unknown email
// (the same error, so confirmation does not reveal which emails exist).
func ErrCodeMismatch() error { return apperr.New(apperr.BadRequest, MsgCodeMismatch) }

// ErrCodeExpired is a confirmation code that is no longer valid (expired, or the user is
// already confirmed).
func ErrCodeExpired() error { return apperr.New(apperr.BadRequest, MsgCodeExpired) }

// ErrUserNotFound is a group operation on a user that does not exist.
func ErrUserNotFound() error { return apperr.New(apperr.NotFound, MsgUserNotFound) }

// ErrGroupNotFound is a group operation on a group the user pool does not have.
func ErrGroupNotFound() error { return apperr.New(apperr.NotFound, MsgGroupNotFound) }

// ErrInvalidRefreshToken is an unknown, malformed, revoked or expired refresh token.
func ErrInvalidRefreshToken() error {
	return apperr.New(apperr.Unauthorized, MsgInvalidRefreshToken)
}

// ErrUserDisabled is a sign-in with the correct password of a user an Admin deleted
// (Cognito's NotAuthorizedException "User is disabled.").
func ErrUserDisabled() error { return apperr.New(apperr.Unauthorized, MsgUserDisabled) }
