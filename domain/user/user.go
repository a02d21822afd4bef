// Package user is customer profiles: the User type's data, kept apart from the identity
// provider's accounts (package account), with a unique email and an optional unique,
// changeable, case-insensitive username.
//
// Uniqueness is the repository's job, with guard items written in the same transaction as
// the profile (an email guard and a username guard, both keyed by the lower-cased value),
// so that of two concurrent claims exactly one wins and a freed username can be claimed
// again. The package knows nothing of GraphQL or DynamoDB.
package user

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/skygraph/skygraph/internal/apperr"
)

// User is a customer profile. ID is the identity provider's sub, which every owner field
// of the API already stores.
type User struct {
	ID string
	// Email is the sign-in email, lower-cased; it never changes through this package. It
	// is "" only for a profile created lazily from an access token, which carries no email.
	Email string
	// Username is optional ("" = none); stored as typed, unique without regard to case.
	Username  string
	Name      string
	Address   string
	Phone     string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts the profile's writes; every write is conditional on it.
	Version int64
}

// Limits.
const (
	MinUsernameLength = 3
	MaxUsernameLength = 32
	MaxNameLength     = 100
	MaxAddressLength  = 500
	MaxPhoneLength    = 32
	MaxEmailLength    = 254
	maxIDLength       = 128
)

var (
	usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	idRE       = regexp.MustCompile(`^[A-Za-z0-9_:-]+$`)
)

// UsernameKey is the form a username is unique in: lower-cased.
func UsernameKey(username string) string { return strings.ToLower(username) }

// ValidateID checks a user id (a sub) before it goes near a storage key.
func ValidateID(field, id string) error {
	if id == "" || len(id) > maxIDLength || !idRE.MatchString(id) {
		return apperr.New(apperr.BadRequest, "%s: not a user id", field)
	}
	return nil
}

// Normalize validates u and trims its texts; it reports every invalid field at once.
func (u *User) Normalize() error {
	var bad []string
	if ValidateID("id", u.ID) != nil {
		bad = append(bad, "id: not a user id")
	}
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Email != "" && (len(u.Email) > MaxEmailLength || !strings.Contains(u.Email, "@")) {
		bad = append(bad, "email: must be an email address")
	}
	u.Username = strings.TrimSpace(u.Username)
	if u.Username != "" && (len(u.Username) < MinUsernameLength || len(u.Username) > MaxUsernameLength || !usernameRE.MatchString(u.Username)) {
		bad = append(bad, "username: 3-32 characters of A-Z, a-z, 0-9, _, . and -, starting with a letter or digit")
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"name", &u.Name, MaxNameLength}, {"address", &u.Address, MaxAddressLength}, {"phone", &u.Phone, MaxPhoneLength}} {
		*f.v = strings.TrimSpace(*f.v)
		if len(*f.v) > f.max {
			bad = append(bad, f.name+": too long")
		}
	}
	if len(bad) > 0 {
		return apperr.New(apperr.BadRequest, "%s", strings.Join(bad, "; "))
	}
	return nil
}

// Page is one page of users.
type Page struct {
	Items     []*User
	NextToken string
}

// Repository stores profiles and their guards. Implementations must honour these
// contracts, which the suite in package usertest checks against every implementation:
//
//   - Create stores u with its email guard (when u.Email is set) and its username guard
//     (when u.Username is set), in one atomic write. When the profile exists it writes nothing and returns
//     Conflict with ErrExists in the chain; when the email or the username (regardless of
//     case) is taken, Conflict naming which. Of concurrent Creates claiming one email or
//     username exactly one succeeds.
//   - Get returns the profile (strongly consistent), NotFound when there is none; GetMany
//     returns those that exist, keyed by id.
//   - Update writes next over prev if the stored Version is prev.Version (Conflict
//     otherwise) and stores Version + 1. A changed username moves its guard in the same
//     atomic write: the new one must be free (Conflict), the old one is freed.
//   - Delete replaces the profile (if still at prev.Version; if there is none yet, when
//     prev.Version is 0) by a tombstone and removes every guard it holds, in one atomic
//     write; a freed email or username can be claimed again. From then on Get of the id is
//     ErrDeleted (NotFound), Create of the id is Conflict with ErrExists, Update and a
//     second Delete are Conflict or NotFound, and GetMany and List leave the id out.
//   - List returns pages of at most Limit profiles in id order that match the filter (nil:
//     all), with a NextToken that resumes exactly after the last one; a NextToken of
//     another query (or another filter) is a BadRequest.
type Repository interface {
	Create(ctx context.Context, u *User) error
	Get(ctx context.Context, id string) (*User, error)
	GetMany(ctx context.Context, ids []string) (map[string]*User, error)
	Update(ctx context.Context, prev, next *User) error
	Delete(ctx context.Context, prev *User) error
	List(ctx context.Context, f *Filter, limit int, nextToken string) (Page, error)
}

// ErrExists is in the chain of Create's Conflict when the profile itself exists (not a
// guard), so that an idempotent "ensure" can tell the two apart.
var ErrExists = apperr.New(apperr.Conflict, "the user already has a profile")

// ErrDeleted is Get's NotFound for a user an Admin deleted: the tombstone tells it from a
// user who has no profile yet, so a still-valid token cannot recreate the profile lazily.
var ErrDeleted = apperr.New(apperr.NotFound, "the user was deleted")
