package localidp

import (
	"context"
	"time"
)

// User is an account of the local identity provider, as its UserStore keeps it.
type User struct {
	// Sub is the user's immutable id (a UUID), also its cognito:username: with email as
	// the pool's username attribute, Cognito uses the sub as the internal username.
	Sub string
	// Email is lower-cased; it is unique across users.
	Email string
	Name  string
	// PasswordHash is a bcrypt hash (see hashPassword). The password itself is never stored.
	PasswordHash string
	// Confirmed is false until ConfirmSignUp; only confirmed users may sign in.
	Confirmed bool
	// Code is the pending confirmation code and CodeExpiresAt its expiry; both are cleared
	// on confirmation.
	Code          string
	CodeExpiresAt time.Time
	// Groups are the user's groups (cognito:groups), in no particular order.
	Groups []string
	// Disabled is set by DisableUser (deleteUser) and never cleared: a disabled user
	// cannot sign in or refresh a session.
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RefreshToken is an issued refresh token. Only a hash of the token is stored, so a copy
// of the store cannot be used to mint sessions.
type RefreshToken struct {
	// Hash is the hex SHA-256 of the token.
	Hash string
	// Sub is the user the token was issued to.
	Sub string
	// AuthTime is when the user authenticated with a password; refreshed tokens keep it
	// as their auth_time, as Cognito does.
	AuthTime time.Time
	// ExpiresAt is when the token stops working; stores may delete it afterwards (TTL).
	ExpiresAt time.Time
}

// UserStore persists the local provider's users and refresh tokens. Implementations
// (dynamo.AccountStore) must honour these contracts, which the provider relies on and the
// account contract suite exercises through it:
//
//   - CreateUser stores u and reserves its email in one atomic step: if the email (or the
//     sub) is taken it returns Conflict and writes nothing, so concurrent sign-ups with one
//     email create exactly one user. u.Email is already lower-cased.
//   - UserByEmail and UserBySub return NotFound when there is no such user. Reads are
//     strongly consistent: a user is readable as soon as CreateUser returns.
//   - ConfirmUser marks an unconfirmed user confirmed and clears its code; NotFound if
//     the user does not exist, Conflict if it is already confirmed.
//   - AddUserGroup and RemoveUserGroup change one group atomically (never a read-modify-
//     write of the whole list, so concurrent changes are not lost); they are idempotent and
//     return NotFound when the user does not exist.
//   - DisableUser marks the user disabled (idempotent); NotFound when there is no user.
//   - PutRefreshToken stores a token; RefreshToken returns it by hash, or NotFound. A
//     token past ExpiresAt may still be returned (TTL deletion is lazy): callers check.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	UserByEmail(ctx context.Context, email string) (*User, error)
	UserBySub(ctx context.Context, sub string) (*User, error)
	ConfirmUser(ctx context.Context, sub string, now time.Time) error
	AddUserGroup(ctx context.Context, sub, group string, now time.Time) error
	RemoveUserGroup(ctx context.Context, sub, group string, now time.Time) error
	DisableUser(ctx context.Context, sub string, now time.Time) error
	PutRefreshToken(ctx context.Context, t RefreshToken) error
	RefreshToken(ctx context.Context, hash string) (*RefreshToken, error)
}
