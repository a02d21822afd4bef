// Package booking is seat bookings and the saga that makes them: reserve a seat, capture
// the payment, confirm and award loyalty points, or compensate (refund, cancel, release
// the seat) when a step fails.
//
// The saga runs inside the request (processBooking answers with the final booking, well
// under AppSync's 30 s limit), and every step persists its outcome, so a process that
// dies at any point leaves a booking that the recovery sweep (Service.Recover) completes
// or compensates. The package knows nothing of GraphQL or DynamoDB: it defines the
// Repository it needs (package dynamo implements it) and the Payments port it calls
// (payment.Service).
package booking

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
	"github.com/skygraph/skygraph/internal/opt"
)

// Status is the booking status clients see (the sample's BookingStatus enum).
type Status string

// The statuses. Only these are ever stored or returned (the sample's API returned a
// transient PENDING that was not in its own enum).
const (
	// Unconfirmed: a seat is held and the payment is being captured.
	Unconfirmed Status = "UNCONFIRMED"
	// Confirmed: paid, bookingReference set, loyalty points awarded.
	Confirmed Status = "CONFIRMED"
	// Cancelled: refunded (if anything was captured), seat released, points revoked.
	Cancelled Status = "CANCELLED"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool { return s == Unconfirmed || s == Confirmed || s == Cancelled }

// UnmarshalGQL lets gqlgen bind the BookingStatus enum to this type.
func (s *Status) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok || !Status(str).Valid() {
		return apperr.New(apperr.BadRequest, "invalid BookingStatus value %v", v)
	}
	*s = Status(str)
	return nil
}

// MarshalGQL writes the enum value.
func (s Status) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// Stage is where the saga is, persisted on the booking so that any process (a retry, the
// recovery sweep) can carry on from it.
//
//	RESERVED ──capture, confirm──▶ DONE (CONFIRMED)
//	RESERVED ──capture refused───▶ CANCELLING ──refund, cancel──▶ DONE (CANCELLED)
//	DONE (CONFIRMED) ──cancelBooking──▶ CANCELLING ──refund, cancel, revoke──▶ DONE (CANCELLED)
//
// CANCELLING is a one-way door: once it is written, confirmation is impossible (Confirm is
// conditional on the version that was RESERVED), so a refund can never race a confirmation.
//
// The stages are the shared saga machinery's (saga.Stage).
type Stage = saga.Stage

// The stages.
const (
	StageReserved   = saga.Reserved
	StageCancelling = saga.Cancelling
	StageDone       = saga.Done
)

// Booking is one seat on one flight for one customer.
type Booking struct {
	ID string
	// Customer is the owner's user id (Cognito sub). It always comes from the token.
	Customer string
	// FlightID is the outbound flight (the sample's bookingOutboundFlightId).
	FlightID string
	// PaymentToken is the charge id from authorizePayment. (Customer, PaymentToken) is
	// unique: it is the idempotency key of processBooking.
	PaymentToken string
	Status       Status
	Stage        Stage
	CheckedIn    bool
	// BookingReference is the 6-character reference, set on confirmation.
	BookingReference string
	// Amount (minor units) and Currency are the price captured for the seat, fixed at
	// reservation: ticketPrice × 100 in the flight's currency.
	Amount   int64
	Currency string
	// Points are the loyalty points the booking earns on confirmation (ticketPrice).
	Points int64
	// PendingSince is when the current saga (booking or cancellation) started; zero once
	// the booking is DONE. The recovery sweep takes bookings pending for too long.
	PendingSince time.Time
	// FailureCode and FailureMessage (client-safe) say why a booking was cancelled by the
	// saga; a cancellation asked for by the customer or an Admin has FailureCode "".
	FailureCode    apperr.Code
	FailureMessage string
	// Departure is the flight's departure date (flight.DateLayout), copied at reservation
	// so that cancellation and check-in rules need no flight read.
	Departure string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts the booking's writes (1 when reserved). Every write is conditional on
	// the version it read, so two processes can never both move a booking on.
	Version int64
}

// Reference is bookingReference as the API shows it: null until the booking is confirmed
// (an unset attribute in DynamoDB). A plain method, so the executor resolves it inline
// rather than in a goroutine per booking of a page.
func (b *Booking) Reference() *string { return opt.String(b.BookingReference) }

// FailureReason is failureReason as the API shows it: null unless the booking failed.
func (b *Booking) FailureReason() *string { return opt.String(b.FailureMessage) }

// Owner-facing limits and formats.
const (
	// DefaultLimit and MaxLimit bound a page of bookings (Amplify's default is 100).
	DefaultLimit = 100
	MaxLimit     = 1000
	// ReferenceLength is the length of a bookingReference (the sample's token_urlsafe(4)).
	ReferenceLength = 6
)

// Compiled on first use, not at package init: counted repetitions and Unicode classes make
// these costly to compile, and init runs on every start (a Lambda cold start included).
var idRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`) })

// ValidateID checks a booking or flight id before it goes near a storage key.
func ValidateID(field, id string) error {
	if !idRE().MatchString(id) {
		return apperr.New(apperr.BadRequest, "%s: must be 1-64 characters of A-Z, a-z, 0-9, _ and -", field)
	}
	return nil
}

// Page is one page of bookings. NextToken is empty on the last page.
type Page struct {
	Items     []*Booking
	NextToken string
}

// CustomerQuery is getBookingByStatus (and a customer's listBookings): one customer's
// bookings, ordered by status then id (ids are time-ordered UUIDv7, so by creation time).
type CustomerQuery struct {
	Customer string
	// Status narrows by status with a sort-key operator; nil means every status.
	Status     *filter.KeyStringInput
	Descending bool
	Filter     *Filter
	Limit      int
	NextToken  string
}

// ListQuery is an Admin's listBookings: every booking, oldest first.
type ListQuery struct {
	Filter    *Filter
	Limit     int
	NextToken string
}

// Pending is a booking whose saga has not finished, as the recovery sweep sees it.
type Pending struct {
	BookingID string
	Since     time.Time
}

// Repository stores bookings, their idempotency guards, the saga's pending markers and the
// loyalty ledger. Implementations must honour these contracts, which the suite in package
// bookingtest checks against every implementation:
//
//   - Reserve, in one atomic write: takes a seat of b.FlightID (seatCapacity − 1, only if it
//     is > 0), stores b (Status UNCONFIRMED, Stage RESERVED, Version 1), stores the guard
//     (b.Customer, b.PaymentToken) → b.ID, and a pending marker (b.ID, b.PendingSince).
//     If the guard already exists it writes nothing and returns the id of the booking that
//     holds it (and a nil error), whether or not seats are left. Otherwise, with no seat
//     left it returns SoldOut, and with no such flight NotFound, writing nothing.
//   - Get returns the booking, strongly consistent; NotFound when there is none.
//   - ByPaymentToken returns the id of the booking holding the guard (customer, token);
//     NotFound when there is none.
//   - Confirm moves prev (UNCONFIRMED, RESERVED) to CONFIRMED/DONE with the reference, and
//     in the same atomic write stores the loyalty entry (prev.ID, prev.Points, ACTIVE; it
//     must not exist), adds prev.Points to the customer's total and deletes the pending
//     marker. It returns the stored booking.
//   - MarkCancelling moves prev (RESERVED, or CONFIRMED and DONE) to Stage CANCELLING with
//     the failure code and message, stores PendingSince = at and a pending marker, and
//     returns the stored booking.
//   - Cancel moves prev (CANCELLING) to CANCELLED/DONE and, in the same atomic write,
//     releases its seat (seatCapacity + 1, but never above totalSeats: when the flight is
//     full or gone the booking is cancelled without it), revokes its loyalty entry when
//     prev.Status is CONFIRMED (ACTIVE → REVOKED, total − Points), and deletes the pending
//     marker. It returns the stored booking.
//   - CheckIn sets CheckedIn on prev (CONFIRMED, DONE) and returns the stored booking.
//   - Every write of an existing booking (Confirm, MarkCancelling, Cancel, CheckIn) is
//     conditional on the stored Version being prev.Version and stores Version + 1; when it
//     is not, it writes nothing and returns Conflict. A concurrent transaction that
//     outlasts the implementation's retries is also a Conflict.
//   - ByCustomer and List return pages of at most Limit bookings that match Filter, full
//     unless the data is exhausted, with a NextToken that resumes exactly after the last
//     one; a NextToken made for another query is a BadRequest. ByCustomer orders by status
//     then id (reversed when Descending) and applies Status like a DynamoDB sort-key
//     condition on the status; List orders by id.
//   - Pending returns pending markers, at most limit, in any order (the sweep filters
//     them by Since). DeletePending removes a marker (no error when it is gone).
//   - Unavailable and Internal errors leave the outcome of a write unknown; every other
//     error means nothing was written.
type Repository interface {
	Reserve(ctx context.Context, b *Booking) (existingID string, err error)
	Get(ctx context.Context, id string) (*Booking, error)
	ByPaymentToken(ctx context.Context, customer, paymentToken string) (string, error)
	Confirm(ctx context.Context, prev *Booking, reference string, at time.Time) (*Booking, error)
	MarkCancelling(ctx context.Context, prev *Booking, code apperr.Code, message string, at time.Time) (*Booking, error)
	Cancel(ctx context.Context, prev *Booking, at time.Time) (*Booking, error)
	CheckIn(ctx context.Context, prev *Booking, at time.Time) (*Booking, error)
	ByCustomer(ctx context.Context, q CustomerQuery) (Page, error)
	List(ctx context.Context, q ListQuery) (Page, error)
	Pending(ctx context.Context, limit int) ([]Pending, error)
	DeletePending(ctx context.Context, bookingID string) error
}
