package account

import (
	"context"
	"strings"
	"unicode"

	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Service is the account use cases behind the GraphQL operations signUp, confirmSignUp,
// signIn, refreshSession, addUserToGroup and removeUserFromGroup. It validates and
// normalises input before a provider sees it, so both providers apply one policy (the
// local provider would otherwise accept what Cognito rejects, and cognito-local checks
// no password policy at all).
type Service struct {
	p      Provider
	events event.Publisher
}

// NewService returns a Service over the identity provider p.
func NewService(p Provider) *Service { return &Service{p: p, events: event.Discard{}} }

// SetEvents makes the service announce group removals to p, so that live subscriptions
// that relied on the group end (the token still lists it until it expires); call it
// before the service is used.
func (s *Service) SetEvents(p event.Publisher) { s.events = p }

// SignUp registers a user with Cognito's default password policy and returns the new
// user's sub. The user must confirm the sign-up before signing in.
func (s *Service) SignUp(ctx context.Context, email, password, name string) (string, error) {
	email, name = NormalizeEmail(email), NormalizeName(name)
	if err := ValidateEmail(email); err != nil {
		return "", err
	}
	if err := ValidatePassword(password); err != nil {
		return "", err
	}
	if err := ValidateName(name); err != nil {
		return "", err
	}
	return s.p.SignUp(ctx, email, password, name)
}

// ConfirmSignUp confirms a sign-up with the code the provider delivered. The local
// provider accepts an empty code; Cognito requires one.
func (s *Service) ConfirmSignUp(ctx context.Context, email, code string) error {
	email, code = NormalizeEmail(email), strings.TrimSpace(code)
	if err := ValidateEmail(email); err != nil {
		return err
	}
	if len(code) > MaxCodeLength || strings.IndexFunc(code, unicode.IsSpace) >= 0 {
		return apperr.New(apperr.BadRequest, "code: must be the code you received, without spaces")
	}
	return s.p.ConfirmSignUp(ctx, email, code)
}

// SignIn authenticates with email and password. The password policy is not applied here:
// it may have changed since the user signed up, and a sign-in must not reveal it. Input
// that no account can have fails exactly like a wrong password.
func (s *Service) SignIn(ctx context.Context, email, password string) (Session, error) {
	email = NormalizeEmail(email)
	if email == "" {
		return Session{}, apperr.New(apperr.BadRequest, "email: required")
	}
	if password == "" {
		return Session{}, apperr.New(apperr.BadRequest, "password: required")
	}
	if len(email) > MaxEmailLength || len(password) > 4*MaxPasswordLength {
		return Session{}, ErrIncorrectCredentials()
	}
	return s.p.SignIn(ctx, email, password)
}

// RefreshSession exchanges a refresh token for new ID and access tokens.
func (s *Service) RefreshSession(ctx context.Context, refreshToken string) (Session, error) {
	refreshToken = strings.TrimSpace(refreshToken)
	if refreshToken == "" {
		return Session{}, apperr.New(apperr.BadRequest, "refreshToken: required")
	}
	if len(refreshToken) > MaxRefreshTokenLength {
		return Session{}, ErrInvalidRefreshToken()
	}
	return s.p.Refresh(ctx, refreshToken)
}

// AddUserToGroup adds a user (sub or email) to a group. isAdmin says whether the caller is
// in the Admin group: the schema's directive already restricts the operation to admins,
// and the service checks again so that no other path (a new resolver, a background job)
// can grant a group by mistake.
func (s *Service) AddUserToGroup(ctx context.Context, isAdmin bool, user, group string) error {
	user, group, err := s.groupOp(isAdmin, "addUserToGroup", user, group)
	if err != nil {
		return err
	}
	return s.p.AddUserToGroup(ctx, user, group)
}

// RemoveUserFromGroup removes a user (sub or email) from a group; see AddUserToGroup for
// isAdmin.
func (s *Service) RemoveUserFromGroup(ctx context.Context, isAdmin bool, user, group string) error {
	user, group, err := s.groupOp(isAdmin, "removeUserFromGroup", user, group)
	if err != nil {
		return err
	}
	if err := s.p.RemoveUserFromGroup(ctx, user, group); err != nil {
		return err
	}
	s.events.Publish(ctx, event.Event{Kind: event.GroupRemoved, ID: user, Parent: group})
	return nil
}

// groupOp authorises first (a denied caller learns nothing from validation messages),
// then validates.
func (s *Service) groupOp(isAdmin bool, op, user, group string) (string, string, error) {
	if !isAdmin {
		return "", "", apperr.New(apperr.Unauthorized, "Not Authorized to access %s on type Mutation", op)
	}
	user, group = NormalizeUser(user), strings.TrimSpace(group)
	if err := ValidateUser(user); err != nil {
		return "", "", err
	}
	if err := ValidateGroup(group); err != nil {
		return "", "", err
	}
	return user, group, nil
}
