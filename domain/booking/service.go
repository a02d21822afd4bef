package booking

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Flights is what the saga needs of the catalog (flight.Service).
type Flights interface {
	Get(ctx context.Context, id string) (*flight.Flight, error)
}

// Payments is the payment port the saga drives (payment.Service). Its contract, including
// what an Unavailable or Internal outcome means, is payment.Provider's.
type Payments interface {
	Get(ctx context.Context, customer, chargeID string) (payment.Charge, error)
	Capture(ctx context.Context, customer string, in payment.CaptureInput) (payment.Charge, error)
	CaptureOwned(ctx context.Context, owned payment.Charge, in payment.CaptureInput) (payment.Charge, error)
	Refund(ctx context.Context, customer, chargeID, idempotencyKey string) (payment.Charge, error)
}

// Step names a saga step, for the fault-injection hook and for logs (saga.Step).
type Step = saga.Step

// The steps, in the order the saga runs them.
const (
	StepReserve Step = "reserve"
	StepCapture Step = "capture"
	StepConfirm Step = "confirm"
	// StepMarkCancelling is the write that starts compensation.
	StepMarkCancelling Step = "mark-cancelling"
	StepRefund         Step = "refund"
	StepCancel         Step = "cancel"
)

// Phase says whether a hook runs before a step or after it succeeded (saga.Phase).
type Phase = saga.Phase

// The phases.
const (
	Before = saga.Before
	After  = saga.After
)

// ErrKilled stops the saga on the spot when a Hook returns it, as if the process had died
// (saga.ErrKilled): nothing further is done or undone, and the caller gets an Unavailable
// error. The recovery sweep must then finish the job.
var ErrKilled = saga.ErrKilled

// Hook is called before each saga step and after it succeeded. Returning ErrKilled
// simulates a crash at that point; any other error is treated as that step's failure
// (before) or as a failure right after it (after). Tests use it; production leaves it nil.
type Hook func(ctx context.Context, b *Booking, step Step, phase Phase) error

// Config tunes a Service. Zero values take the defaults.
type Config struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewID makes booking ids (default UUIDv7, time-ordered, so listings sort by age).
	NewID func() string
	// NewReference makes booking references (default 6 URL-safe random characters).
	NewReference func() string
	// Hook injects faults (tests only).
	Hook Hook
	// RecoverAfter is how long a saga may be pending before the recovery sweep takes it
	// over (default 1 minute, twice AppSync's request limit: a live request has finished
	// or died by then). Taking over a live saga is safe, only wasteful: every step is
	// idempotent and every write conditional.
	RecoverAfter time.Duration
	// GiveUpAfter is how long the saga keeps retrying a capture whose outcome stays
	// unknown (the processor does not answer) before it compensates instead: the hold is
	// released (or, had the capture happened after all, refunded) and the booking
	// cancelled, so a seat is never held forever (default 1 hour).
	GiveUpAfter time.Duration
	// Retries bounds the in-request retries of a step whose outcome is unknown (default 3).
	Retries int
	// Backoff is the first retry delay, doubled each time (default 50 ms).
	Backoff time.Duration
	// Timeout bounds one request's run of the saga (default SagaTimeout). Load tests on a
	// slow machine set a longer one of their own, so a starved CPU cannot turn into a
	// wrong answer.
	Timeout time.Duration
	// Events is told of every stored change of a booking, and of the loyalty and seat
	// changes that come with it (default event.Discard).
	Events event.Publisher
}

// Service is the booking use cases: processBooking (the saga), reads with ownership,
// checkIn, cancelBooking and the recovery sweep.
type Service struct {
	repo     Repository
	flights  Flights
	payments Payments
	cfg      Config
	runs     saga.Runs // sagas in flight (see Wait)
}

// NewService returns a Service.
func NewService(repo Repository, flights Flights, payments Payments, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	if cfg.NewReference == nil {
		cfg.NewReference = newReference
	}
	if cfg.RecoverAfter <= 0 {
		cfg.RecoverAfter = time.Minute
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = time.Hour
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 50 * time.Millisecond
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = SagaTimeout
	}
	if cfg.Events == nil {
		cfg.Events = event.Discard{}
	}
	repo = publishing{Repository: repo, events: cfg.Events}
	return &Service{repo: repo, flights: flights, payments: payments, cfg: cfg}
}

// newReference is the sample's secrets.token_urlsafe(4): 4 random bytes, 6 characters.
func newReference() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Caller is who asks: the signed-in user's id (Cognito sub) and whether they are an Admin.
type Caller struct {
	ID    string
	Admin bool
}

// owns reports whether c may see b: its customer, or an Admin.
func (c Caller) owns(b *Booking) bool { return c.Admin || (c.ID != "" && c.ID == b.Customer) }

// Sees reports whether c may see b, the rule Get applies: subscriptions read a changed
// booking once per event and apply it for each subscriber.
func (c Caller) Sees(b *Booking) bool { return c.owns(b) }

// Get returns a booking the caller may see. Another customer's booking is NotFound, the
// same as a missing one, so booking ids cannot be probed.
func (s *Service) Get(ctx context.Context, c Caller, id string) (*Booking, error) {
	if err := ValidateID("id", id); err != nil {
		return nil, err
	}
	b, err := s.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.owns(b) {
		return nil, notFound(id)
	}
	return b, nil
}

func notFound(id string) error { return apperr.New(apperr.NotFound, "booking %s not found", id) }

// NormalizeLimit applies the default and bounds of a page size.
func NormalizeLimit(limit *int) (int, error) { return filter.Limit(limit, DefaultLimit, MaxLimit) }

// ByCustomer is getBookingByStatus: customer defaults to the caller; another customer's
// bookings only for an Admin.
func (s *Service) ByCustomer(ctx context.Context, c Caller, customer *string, status *filter.KeyStringInput,
	sort *filter.SortDirection, f *Filter, limit *int, nextToken *string,
) (Page, error) {
	who := c.ID
	if customer != nil && *customer != "" {
		who = *customer
	}
	if who == "" {
		return Page{}, apperr.New(apperr.Unauthorized, "sign in to see bookings")
	}
	if who != c.ID && !c.Admin {
		return Page{}, apperr.New(apperr.Unauthorized, "Not Authorized to access the bookings of another customer")
	}
	if _, err := StatusRange(status); err != nil {
		return Page{}, err
	}
	if err := f.Validate("filter"); err != nil {
		return Page{}, err
	}
	n, err := NormalizeLimit(limit)
	if err != nil {
		return Page{}, err
	}
	return s.repo.ByCustomer(ctx, CustomerQuery{
		Customer: who, Status: status, Descending: sort.Descending(), Filter: f, Limit: n, NextToken: deref(nextToken),
	})
}

// List is listBookings: every booking for an Admin, the caller's own otherwise.
func (s *Service) List(ctx context.Context, c Caller, f *Filter, limit *int, nextToken *string) (Page, error) {
	if !c.Admin {
		return s.ByCustomer(ctx, c, nil, nil, nil, f, limit, nextToken)
	}
	if err := f.Validate("filter"); err != nil {
		return Page{}, err
	}
	n, err := NormalizeLimit(limit)
	if err != nil {
		return Page{}, err
	}
	return s.repo.List(ctx, ListQuery{Filter: f, Limit: n, NextToken: deref(nextToken)})
}

// CheckIn checks the caller into a confirmed booking before its flight departs. Checking
// in twice is harmless.
func (s *Service) CheckIn(ctx context.Context, c Caller, id string) (*Booking, error) {
	for attempt := 0; ; attempt++ {
		b, err := s.Get(ctx, c, id)
		if err != nil {
			return nil, err
		}
		switch {
		case b.Status != Confirmed || b.Stage != StageDone:
			return nil, apperr.New(apperr.BadRequest, "only a confirmed booking can be checked in (booking %s is %s)", id, b.Status)
		case b.CheckedIn:
			return b, nil
		case s.departed(b):
			return nil, apperr.New(apperr.BadRequest, "the flight of booking %s has departed", id)
		}
		out, err := s.repo.CheckIn(ctx, b, s.cfg.Now())
		if apperr.Is(err, apperr.Conflict) && attempt < s.cfg.Retries {
			continue
		}
		return out, err
	}
}

// departed reports whether the booking's flight has left.
func (s *Service) departed(b *Booking) bool {
	dep, err := time.Parse(flight.DateLayout, b.Departure)
	return err == nil && !s.cfg.Now().Before(dep)
}

// Cancel is cancelBooking: the customer before departure, or an Admin at any time.
// The payment is refunded (or its hold released), the booking CANCELLED, the seat
// released and any points revoked, in the saga's compensation order. Cancelling a
// cancelled booking returns it unchanged.
func (s *Service) Cancel(ctx context.Context, c Caller, id string) (*Booking, error) {
	ctx, cancel := s.detach(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		b, err := s.Get(ctx, c, id)
		if err != nil {
			return nil, err
		}
		switch {
		case b.Status == Cancelled:
			return b, nil
		case b.Stage == StageCancelling:
			return s.compensate(ctx, b)
		case !c.Admin && s.departed(b):
			return nil, apperr.New(apperr.BadRequest, "the flight of booking %s has departed; ask an Admin", id)
		}
		if err := s.hook(ctx, b, StepMarkCancelling, Before); err != nil {
			return nil, err
		}
		marked, err := s.repo.MarkCancelling(ctx, b, "", "", s.cfg.Now())
		if apperr.Is(err, apperr.Conflict) && attempt < s.cfg.Retries {
			continue // the saga or another cancel moved it: decide again on what is stored
		}
		if err != nil {
			return nil, err
		}
		if err := s.hook(ctx, marked, StepMarkCancelling, After); err != nil {
			return nil, err
		}
		return s.compensate(ctx, marked)
	}
}

// hook runs the fault-injection hook, turning ErrKilled into the error a client of a
// dead process would see.
func (s *Service) hook(ctx context.Context, b *Booking, step Step, phase Phase) error {
	if s.cfg.Hook == nil {
		return nil
	}
	err := s.cfg.Hook(ctx, b, step, phase)
	if errors.Is(err, ErrKilled) {
		return apperr.Wrap(err, apperr.Unavailable, "the booking could not be completed now; it will be completed or cancelled shortly")
	}
	return err
}

func killed(err error) bool { return saga.Killed(err) }

// retrier is the saga's retry rule for steps whose outcome is unknown.
func (s *Service) retrier() saga.Retrier {
	return saga.Retrier{Retries: s.cfg.Retries, Backoff: s.cfg.Backoff}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// formatTime is how times appear to filters (and clients): RFC 3339 UTC, milliseconds.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
