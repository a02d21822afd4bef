package user

import (
	"context"
	"errors"
	"time"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Paging limits of listUsers.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Caller is who asks: the signed-in user's sub, the email and name their token carries
// (for a profile created lazily), and whether they are an Admin.
type Caller struct {
	ID    string
	Email string
	Admin bool
}

// UpdateInput is updateUser's input: nil fields are left unchanged; "" clears a field
// (and frees a username). id, email and groups are never changed here.
type UpdateInput struct {
	Name     *string
	Username *string
	Address  *string
	Phone    *string
}

// Service is the profile use cases: creation at sign-up and on first use, reads with
// ownership, the owner's edits and the Admin's listing.
type Service struct {
	repo Repository
	now  func() time.Time
}

// NewService returns a Service (now may be nil: the wall clock).
func NewService(repo Repository, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{repo: repo, now: now}
}

// Register creates the profile of a user the identity provider has just signed up (or
// confirmed: Cognito's PostConfirmation). A profile that exists already is success, so
// every path that creates profiles may run for one user, in any order, any number of times.
func (s *Service) Register(ctx context.Context, sub, email, name string) (*User, error) {
	now := s.now().UTC()
	u := &User{ID: sub, Email: email, Name: name, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := u.Normalize(); err != nil {
		return nil, err
	}
	err := s.repo.Create(ctx, u)
	if errors.Is(err, ErrExists) {
		return s.repo.Get(ctx, sub)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Me is the caller's profile, created on first use when the user came from outside the
// API (Hosted UI, console) and has none yet.
func (s *Service) Me(ctx context.Context, c Caller) (*User, error) {
	if c.ID == "" {
		return nil, apperr.New(apperr.Unauthorized, "sign in to see your profile")
	}
	u, err := s.repo.Get(ctx, c.ID)
	if errors.Is(err, ErrDeleted) {
		// A deleted user's token may still be valid for a while: it gets nothing back.
		return nil, apperr.New(apperr.Unauthorized, "this account was deleted")
	}
	if apperr.Is(err, apperr.NotFound) {
		u, err = s.Register(ctx, c.ID, c.Email, "")
		if errors.Is(err, ErrDeleted) {
			return nil, apperr.New(apperr.Unauthorized, "this account was deleted")
		}
	}
	return u, err
}

// Get is getUser: the caller's own profile or, for an Admin, anyone's. Another user's
// profile is NotFound for everyone else, so ids cannot be probed.
func (s *Service) Get(ctx context.Context, c Caller, id string) (*User, error) {
	if err := ValidateID("id", id); err != nil {
		return nil, err
	}
	if id == c.ID {
		return s.Me(ctx, c)
	}
	if !c.Admin {
		return nil, apperr.New(apperr.NotFound, "user %s not found", id)
	}
	return s.repo.Get(ctx, id)
}

// GetMany returns the profiles that exist among ids (the UserByID loader's batch read).
func (s *Service) GetMany(ctx context.Context, ids []string) (map[string]*User, error) {
	return s.repo.GetMany(ctx, ids)
}

// List is listUsers (Admin), filtered by f (nil: every profile).
func (s *Service) List(ctx context.Context, c Caller, f *Filter, limit *int, nextToken *string) (Page, error) {
	if !c.Admin {
		return Page{}, apperr.New(apperr.Unauthorized, "only Admin lists users")
	}
	if err := f.Validate("filter"); err != nil {
		return Page{}, err
	}
	n, err := filter.Limit(limit, DefaultLimit, MaxLimit)
	if err != nil {
		return Page{}, err
	}
	tok := ""
	if nextToken != nil {
		tok = *nextToken
	}
	return s.repo.List(ctx, f, n, tok)
}

// Delete is deleteUser (Admin): disable (the identity provider's half: the account
// service's DisableUser) runs first, so the user can no longer sign in or refresh even if
// the profile write fails (a retry finishes it: disabling is idempotent); then the profile
// becomes a tombstone and its guards go, in one transaction. It returns the profile as it
// was, or nil for a user who never had one. An unknown or already deleted user is
// NotFound; an Admin cannot delete their own account (someone must be left to undo).
func (s *Service) Delete(ctx context.Context, c Caller, id string, disable func(ctx context.Context, sub string) error) (*User, error) {
	if !c.Admin {
		return nil, apperr.New(apperr.Unauthorized, "Not Authorized to access deleteUser on type Mutation")
	}
	if err := ValidateID("id", id); err != nil {
		return nil, err
	}
	if id == c.ID {
		return nil, apperr.New(apperr.BadRequest, "id: an Admin cannot delete their own account")
	}
	prev, err := s.repo.Get(ctx, id)
	switch {
	case errors.Is(err, ErrDeleted):
		return nil, apperr.New(apperr.NotFound, "user %s not found", id)
	case apperr.Is(err, apperr.NotFound):
		prev = &User{ID: id} // no profile (yet): the tombstone still stops a lazy one
	case err != nil:
		return nil, err
	}
	if err := disable(ctx, id); err != nil {
		// A profile without an account (seeded data) is still deleted; no account and no
		// profile is an unknown user.
		if !apperr.Is(err, apperr.NotFound) || prev.Version == 0 {
			return nil, err
		}
	}
	if err := s.repo.Delete(ctx, prev); err != nil {
		return nil, err
	}
	if prev.Version == 0 {
		return nil, nil
	}
	return prev, nil
}

// Update is updateUser: the caller edits their own name, username, address and phone. A
// username taken by someone else (regardless of case) is a Conflict; of concurrent claims
// exactly one wins. A concurrent edit of the same profile is retried on the fresh copy.
func (s *Service) Update(ctx context.Context, c Caller, in UpdateInput) (*User, error) {
	for attempt := 0; ; attempt++ {
		prev, err := s.Me(ctx, c)
		if err != nil {
			return nil, err
		}
		next := *prev
		for _, f := range []struct {
			dst *string
			v   *string
		}{{&next.Name, in.Name}, {&next.Username, in.Username}, {&next.Address, in.Address}, {&next.Phone, in.Phone}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if err := next.Normalize(); err != nil {
			return nil, err
		}
		next.Version, next.UpdatedAt = prev.Version+1, s.now().UTC()
		err = s.repo.Update(ctx, prev, &next)
		if apperr.Is(err, apperr.Conflict) && attempt < 3 {
			if cur, gerr := s.repo.Get(ctx, c.ID); gerr == nil && cur.Version != prev.Version {
				continue // our own profile moved on (another edit): apply ours to it
			}
		}
		if err != nil {
			return nil, err
		}
		return &next, nil
	}
}
