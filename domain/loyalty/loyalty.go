// Package loyalty is the frequent-flyer programme: one point per whole currency unit of a
// confirmed booking's ticket price, tiers, and a ledger with one entry per booking.
//
// Points are written only by the booking saga, in the same DynamoDB transaction that
// confirms a booking (an entry keyed by the booking id, conditional on not existing, and
// the customer's running total), and revoked in the transaction that cancels it. So a
// retried confirmation can never award points twice, and the total always equals the sum
// of the active entries. This package owns the types, the tier rules and the reads.
package loyalty

import (
	"context"
	"time"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Level is a loyalty tier. The values are lower case, as the sample's Loyalty API returns
// them (and as its frontend compares them).
type Level string

// The tiers and their thresholds: bronze < 50 000 ≤ silver < 100 000 ≤ gold.
const (
	Bronze Level = "bronze"
	Silver Level = "silver"
	Gold   Level = "gold"

	SilverPoints = 50_000
	GoldPoints   = 100_000
)

// Loyalty is a customer's standing.
type Loyalty struct {
	Customer string
	// Points is the sum of the customer's active ledger entries.
	Points int64
	Level  Level
	// RemainingPoints is the gap to the next tier; 0 for gold.
	RemainingPoints int64
}

// Summarize computes the tier and the points to the next tier, as the sample defines them.
func Summarize(customer string, points int64) Loyalty {
	l := Loyalty{Customer: customer, Points: points}
	switch {
	case points >= GoldPoints:
		l.Level, l.RemainingPoints = Gold, 0
	case points >= SilverPoints:
		l.Level, l.RemainingPoints = Silver, GoldPoints-points
	default:
		l.Level, l.RemainingPoints = Bronze, SilverPoints-points
	}
	return l
}

// EntryStatus says whether a ledger entry counts.
type EntryStatus string

// Ledger entry statuses (the sample's flags, upper case as its rewrite has them).
const (
	// Active entries count towards the total.
	Active EntryStatus = "ACTIVE"
	// Revoked entries belong to a cancelled booking; they stay in the history.
	Revoked EntryStatus = "REVOKED"
)

// Entry is one booking's points. There is at most one per booking.
type Entry struct {
	Customer  string
	BookingID string
	Points    int64
	Status    EntryStatus
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Page is one page of ledger entries, newest first. NextToken is empty on the last page.
type Page struct {
	Items     []*Entry
	NextToken string
}

// Paging limits of the history.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Repository reads loyalty data. Implementations must honour these contracts (checked by
// the booking contract suite, which also writes the entries):
//
//   - Total returns the customer's running total; 0 (not NotFound) for a customer with no
//     entries. It is strongly consistent: a confirmation that returned is counted.
//   - History returns the customer's entries, newest booking first, at most limit per page,
//     with a NextToken resuming exactly after the last entry; a NextToken made for another
//     customer is a BadRequest.
type Repository interface {
	Total(ctx context.Context, customer string) (int64, error)
	History(ctx context.Context, customer string, limit int, nextToken string) (Page, error)
}

// Service answers getLoyalty.
type Service struct{ repo Repository }

// NewService returns a Service over repo.
func NewService(repo Repository) *Service { return &Service{repo: repo} }

// Caller is who asks: the signed-in user's id (Cognito sub) and whether they are an Admin.
type Caller struct {
	ID    string
	Admin bool
}

// Customer resolves whose loyalty a caller asks for: their own when customer is empty,
// another customer's only for an Admin (the sample's resolver rule).
func Customer(c Caller, customer string) (string, error) {
	if c.ID == "" {
		return "", apperr.New(apperr.Unauthorized, "sign in to see loyalty points")
	}
	if customer == "" || customer == c.ID {
		return c.ID, nil
	}
	if !c.Admin {
		return "", apperr.New(apperr.Unauthorized, "Not Authorized to access the loyalty of another customer")
	}
	if len(customer) > 128 {
		return "", apperr.New(apperr.BadRequest, "customer: at most 128 characters")
	}
	return customer, nil
}

// Get returns the loyalty of customer (the caller's own when empty).
func (s *Service) Get(ctx context.Context, c Caller, customer string) (Loyalty, error) {
	customer, err := Customer(c, customer)
	if err != nil {
		return Loyalty{}, err
	}
	points, err := s.repo.Total(ctx, customer)
	if err != nil {
		return Loyalty{}, err
	}
	return Summarize(customer, points), nil
}

// History returns a page of the customer's ledger. The caller must already have been
// allowed to see the customer's loyalty (Get, or Customer).
func (s *Service) History(ctx context.Context, customer string, limit *int, nextToken *string) (Page, error) {
	n, err := filter.Limit(limit, DefaultLimit, MaxLimit)
	if err != nil {
		return Page{}, err
	}
	tok := ""
	if nextToken != nil {
		tok = *nextToken
	}
	return s.repo.History(ctx, customer, n, tok)
}
