package localidp

import (
	"context"
	"crypto/subtle"
	"slices"

	"github.com/google/uuid"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/clientip"
)

var _ account.Provider = (*Provider)(nil)

// SignUp creates an unconfirmed user and hands its confirmation code to
// Config.OnConfirmationCode. Like Cognito, it applies the default password policy and
// checks the attributes itself, whoever the caller is.
func (p *Provider) SignUp(ctx context.Context, email, password, name string) (string, error) {
	email, name = account.NormalizeEmail(email), account.NormalizeName(name)
	if err := account.ValidateEmail(email); err != nil {
		return "", err
	}
	if err := account.ValidatePassword(password); err != nil {
		return "", err
	}
	if err := account.ValidateName(name); err != nil {
		return "", err
	}
	hash, err := p.hashPassword(password)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "internal error")
	}
	now := p.now().UTC()
	u := &User{
		Sub: uuid.NewString(), Email: email, Name: name, PasswordHash: hash,
		Code: newCode(), CodeExpiresAt: now.Add(p.codeTTL), CreatedAt: now, UpdatedAt: now,
	}
	if err := p.store.CreateUser(ctx, u); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return "", account.ErrEmailExists()
		}
		return "", err
	}
	p.onCode(email, u.Code)
	return u.Sub, nil
}

// ConfirmSignUp confirms a user. An empty code confirms without one (there is no mailbox
// in local development); a non-empty code must be the one delivered and not expired.
//
// An unknown email, an already confirmed user and a wrong code get one answer (code
// mismatch), so confirmation tells nothing about which accounts exist; only the right,
// expired code says so. Wrong codes count towards the same lockout as wrong passwords.
func (p *Provider) ConfirmSignUp(ctx context.Context, email, code string) error {
	email = account.NormalizeEmail(email)
	key, peer := "confirm:"+email, clientip.From(ctx)
	if p.accounts.locked(key) || p.peers.locked(peer) {
		return errAttemptsExceeded()
	}
	mismatch := func() error {
		p.accounts.fail(key)
		p.peers.fail(peer)
		return account.ErrCodeMismatch()
	}
	u, err := p.store.UserByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) {
		return mismatch()
	}
	if err != nil {
		return err
	}
	if u.Confirmed {
		return mismatch()
	}
	if code != "" {
		if subtle.ConstantTimeCompare([]byte(code), []byte(u.Code)) != 1 {
			return mismatch()
		}
		if !p.now().Before(u.CodeExpiresAt) {
			return account.ErrCodeExpired()
		}
	}
	switch err := p.store.ConfirmUser(ctx, u.Sub, p.now().UTC()); {
	case apperr.Is(err, apperr.Conflict), apperr.Is(err, apperr.NotFound):
		return mismatch()
	default:
		p.accounts.succeed(key)
		return err
	}
}

// SignIn checks the password and issues a session. An unknown email costs the same
// bcrypt comparison as a known one and fails with the same error, so neither the answer
// nor its timing tells whether an account exists. The confirmation state is revealed only
// to someone who knows the password, as in Cognito.
//
// Failed attempts lock the email (known or not, so a lockout reveals nothing either) and
// the peer address out with Cognito's back-off: past the limit every attempt answers
// "Password attempts exceeded" without checking the password, until the lock expires.
func (p *Provider) SignIn(ctx context.Context, email, password string) (account.Session, error) {
	email = account.NormalizeEmail(email)
	peer := clientip.From(ctx)
	if p.accounts.locked(email) || p.peers.locked(peer) {
		return account.Session{}, errAttemptsExceeded()
	}
	incorrect := func() (account.Session, error) {
		p.accounts.fail(email)
		p.peers.fail(peer)
		return account.Session{}, account.ErrIncorrectCredentials()
	}
	u, err := p.store.UserByEmail(ctx, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return account.Session{}, err
	}
	if u == nil {
		passwordMatches(p.dummy(), password)
		return incorrect()
	}
	if !passwordMatches([]byte(u.PasswordHash), password) {
		return incorrect()
	}
	p.accounts.succeed(email)
	if u.Disabled {
		return account.Session{}, account.ErrUserDisabled()
	}
	if !u.Confirmed {
		return account.Session{}, account.ErrNotConfirmed()
	}
	authTime := p.now().UTC()
	token, hash := newRefreshToken()
	if err := p.store.PutRefreshToken(ctx, RefreshToken{
		Hash: hash, Sub: u.Sub, AuthTime: authTime, ExpiresAt: authTime.Add(p.refreshTTL),
	}); err != nil {
		return account.Session{}, err
	}
	return p.session(u, authTime, token)
}

// Refresh issues new ID and access tokens for a refresh token, with the user's current
// groups. The refresh token itself is returned unchanged (Cognito does not rotate it).
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (account.Session, error) {
	if refreshToken == "" || len(refreshToken) > account.MaxRefreshTokenLength {
		return account.Session{}, account.ErrInvalidRefreshToken()
	}
	rt, err := p.store.RefreshToken(ctx, hashRefreshToken(refreshToken))
	if apperr.Is(err, apperr.NotFound) {
		return account.Session{}, account.ErrInvalidRefreshToken()
	}
	if err != nil {
		return account.Session{}, err
	}
	if !p.now().Before(rt.ExpiresAt) {
		return account.Session{}, account.ErrInvalidRefreshToken()
	}
	u, err := p.store.UserBySub(ctx, rt.Sub)
	if apperr.Is(err, apperr.NotFound) {
		return account.Session{}, account.ErrInvalidRefreshToken()
	}
	if err != nil {
		return account.Session{}, err
	}
	if u.Disabled {
		return account.Session{}, account.ErrInvalidRefreshToken()
	}
	return p.session(u, rt.AuthTime, refreshToken)
}

// AddUserToGroup adds a user (sub or email) to one of Config.Groups.
func (p *Provider) AddUserToGroup(ctx context.Context, user, group string) error {
	sub, err := p.groupTarget(ctx, user, group)
	if err != nil {
		return err
	}
	return userNotFound(p.store.AddUserGroup(ctx, sub, group, p.now().UTC()))
}

// RemoveUserFromGroup removes a user (sub or email) from one of Config.Groups.
func (p *Provider) RemoveUserFromGroup(ctx context.Context, user, group string) error {
	sub, err := p.groupTarget(ctx, user, group)
	if err != nil {
		return err
	}
	return userNotFound(p.store.RemoveUserGroup(ctx, sub, group, p.now().UTC()))
}

// DisableUser disables a user (sub or email) for good: sign-in and refresh are refused
// from then on. Idempotent.
func (p *Provider) DisableUser(ctx context.Context, user string) error {
	sub, err := p.resolveUser(ctx, user)
	if err != nil {
		return err
	}
	return userNotFound(p.store.DisableUser(ctx, sub, p.now().UTC()))
}

// Groups lists a user's (sub or email) groups.
func (p *Provider) Groups(ctx context.Context, user string) ([]string, error) {
	sub, err := p.resolveUser(ctx, user)
	if err != nil {
		return nil, err
	}
	u, err := p.store.UserBySub(ctx, sub)
	if err != nil {
		return nil, userNotFound(err)
	}
	return append([]string{}, u.Groups...), nil
}

// groupTarget checks the group (first, as Cognito does) and resolves the user to a sub.
func (p *Provider) groupTarget(ctx context.Context, user, group string) (string, error) {
	if !slices.Contains(p.cfg.Groups, group) {
		return "", account.ErrGroupNotFound()
	}
	return p.resolveUser(ctx, user)
}

// resolveUser turns a sub or an email into a sub (an email must have an account).
func (p *Provider) resolveUser(ctx context.Context, user string) (string, error) {
	user = account.NormalizeUser(user)
	if user == "" {
		return "", account.ErrUserNotFound()
	}
	if !account.IsEmail(user) {
		return user, nil
	}
	u, err := p.store.UserByEmail(ctx, user)
	if err != nil {
		return "", userNotFound(err)
	}
	return u.Sub, nil
}

func userNotFound(err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return account.ErrUserNotFound()
	}
	return err
}
