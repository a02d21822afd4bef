package flight

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Page is one page of a paginated read. NextToken is empty on the last page.
type Page struct {
	Items     []*Flight
	NextToken string
}

// Paging limits. DefaultLimit matches Amplify's generated resolvers.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// ListQuery asks for all flights in departure order (listFlights).
type ListQuery struct {
	Filter    *Filter
	Limit     int
	NextToken string
}

// ScheduleQuery is a flight search on one departure airport (getFlightBySchedule).
type ScheduleQuery struct {
	DepartureAirportCode string
	// Key narrows the arrival airport and departure date; nil means every flight
	// leaving DepartureAirportCode.
	Key        *ScheduleCondition
	Descending bool
	Filter     *Filter
	Limit      int
	NextToken  string
}

// Repository stores flights. Implementations must honour these contracts, which the
// contract suite in package flighttest checks:
//
//   - Get returns NotFound when no flight has the id.
//   - GetMany returns the flights that exist, keyed by id; missing ids are absent from the
//     map, not errors. Duplicate ids are allowed.
//   - Create returns Conflict when the id is taken, and writes nothing then.
//   - Update writes next over prev when the stored Version still equals prev.Version and
//     stores Version+1; otherwise it returns Conflict and writes nothing. It never loses a
//     concurrent seat change: when next keeps prev's seats-left relation (SeatCapacity
//     shifted by the TotalSeats change) it applies the shift atomically to the stored
//     SeatCapacity and returns BadRequest if that would drop below zero.
//   - Delete removes the flight if its Version still equals prev.Version and no seat is
//     sold (SeatCapacity = TotalSeats), atomically with concurrent bookings; else Conflict
//     (NotFound if it is gone). A booking never loses its flight.
//   - List and Search return pages of at most Limit items that match Filter, in
//     departure order (Search: by arrival code then departure date, reversed when
//     Descending), full unless the data is exhausted, and a NextToken that resumes
//     exactly after the last item returned. A NextToken made for a different query is a
//     BadRequest.
type Repository interface {
	Get(ctx context.Context, id string) (*Flight, error)
	GetMany(ctx context.Context, ids []string) (map[string]*Flight, error)
	Create(ctx context.Context, f *Flight) error
	Update(ctx context.Context, prev, next *Flight) error
	Delete(ctx context.Context, prev *Flight) error
	List(ctx context.Context, q ListQuery) (Page, error)
	Search(ctx context.Context, q ScheduleQuery) (Page, error)
}

// CreateInput is Amplify's CreateFlightInput.
type CreateInput struct {
	ID                   *string
	DepartureDate        string
	DepartureAirportCode string
	DepartureAirportName string
	DepartureCity        string
	DepartureLocale      string
	ArrivalDate          string
	ArrivalAirportCode   string
	ArrivalAirportName   string
	ArrivalCity          string
	ArrivalLocale        string
	TicketPrice          int
	TicketCurrency       string
	FlightNumber         int
	SeatAllocation       *int
	SeatCapacity         int
	// TotalSeats defaults to SeatCapacity.
	TotalSeats *int
}

// UpdateInput is Amplify's UpdateFlightInput: nil fields are left unchanged.
type UpdateInput struct {
	ID                   string
	DepartureDate        *string
	DepartureAirportCode *string
	DepartureAirportName *string
	DepartureCity        *string
	DepartureLocale      *string
	ArrivalDate          *string
	ArrivalAirportCode   *string
	ArrivalAirportName   *string
	ArrivalCity          *string
	ArrivalLocale        *string
	TicketPrice          *int
	TicketCurrency       *string
	FlightNumber         *int
	SeatAllocation       *int
	SeatCapacity         *int
	TotalSeats           *int
}

// Service is the flight catalog's use cases. Authorization (who may write) is decided by
// the caller's directives; the service enforces validity and consistency.
type Service struct {
	repo   Repository
	now    func() time.Time
	newID  func() string
	events event.Publisher
}

// NewService returns a Service over repo. now and newID may be nil (wall clock, UUIDv4);
// tests inject them.
func NewService(repo Repository, now func() time.Time, newID func() string) *Service {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = uuid.NewString
	}
	return &Service{repo: repo, now: now, newID: newID, events: event.Discard{}}
}

// SetEvents makes the service announce every created, updated and deleted flight to p
// (subscriptions); call it before the service is used. A deleted flight travels with
// its last state, since nobody can re-read it.
func (s *Service) SetEvents(p event.Publisher) { s.events = p }

func (s *Service) publish(ctx context.Context, kind event.Kind, f *Flight) {
	e := event.Event{Kind: kind, ID: f.ID}
	if kind == event.FlightDeleted {
		e.Gone, _ = json.Marshal(f)
	}
	s.events.Publish(ctx, e)
}

// Get returns one flight, or NotFound.
func (s *Service) Get(ctx context.Context, id string) (*Flight, error) {
	if id == "" {
		return nil, apperr.New(apperr.BadRequest, "id: required")
	}
	return s.repo.Get(ctx, id)
}

// GetMany returns the flights that exist among ids, keyed by id. It is the batch function
// behind the per-request FlightByID loader.
func (s *Service) GetMany(ctx context.Context, ids []string) (map[string]*Flight, error) {
	return s.repo.GetMany(ctx, ids)
}

// NormalizeLimit applies the default and rejects limits outside 1..MaxLimit, so a client
// learns its mistake instead of getting a silently different page size.
func NormalizeLimit(limit *int) (int, error) { return filter.Limit(limit, DefaultLimit, MaxLimit) }

// List returns a page of all flights in departure order.
func (s *Service) List(ctx context.Context, f *Filter, limit *int, nextToken *string) (Page, error) {
	q := ListQuery{Filter: f, NextToken: deref(nextToken)}
	var err error
	if q.Limit, err = NormalizeLimit(limit); err != nil {
		return Page{}, err
	}
	if err := f.Validate("filter"); err != nil {
		return Page{}, err
	}
	return s.repo.List(ctx, q)
}

// Search runs a getFlightBySchedule query.
func (s *Service) Search(ctx context.Context, departure *string, key *ScheduleCondition,
	dir *filter.SortDirection, f *Filter, limit *int, nextToken *string,
) (Page, error) {
	q := ScheduleQuery{Key: key, Descending: dir.Descending(), Filter: f, NextToken: deref(nextToken)}
	if departure == nil || !airportCodeRE.MatchString(*departure) {
		return Page{}, apperr.New(apperr.BadRequest, "departureAirportCode: required, a three-letter upper-case IATA code")
	}
	q.DepartureAirportCode = *departure
	var err error
	if q.Limit, err = NormalizeLimit(limit); err != nil {
		return Page{}, err
	}
	if key != nil {
		if _, _, err := key.Op(); err != nil {
			return Page{}, err
		}
	}
	if err := f.Validate("filter"); err != nil {
		return Page{}, err
	}
	return s.repo.Search(ctx, q)
}

// Create validates in, stores a new flight and returns it. A condition is checked
// against the (absent) existing item like Amplify does: a create with a condition
// always fails because the condition refers to attributes of an item that does not exist.
func (s *Service) Create(ctx context.Context, in CreateInput, cond *Filter) (*Flight, error) {
	if cond != nil {
		return nil, apperr.New(apperr.Conflict, "the conditional request failed")
	}
	now := s.now().UTC()
	f := &Flight{
		ID:                   s.newID(),
		DepartureDate:        in.DepartureDate,
		DepartureAirportCode: in.DepartureAirportCode,
		DepartureAirportName: in.DepartureAirportName,
		DepartureCity:        in.DepartureCity,
		DepartureLocale:      in.DepartureLocale,
		ArrivalDate:          in.ArrivalDate,
		ArrivalAirportCode:   in.ArrivalAirportCode,
		ArrivalAirportName:   in.ArrivalAirportName,
		ArrivalCity:          in.ArrivalCity,
		ArrivalLocale:        in.ArrivalLocale,
		TicketPrice:          in.TicketPrice,
		TicketCurrency:       in.TicketCurrency,
		FlightNumber:         in.FlightNumber,
		SeatAllocation:       in.SeatAllocation,
		SeatCapacity:         in.SeatCapacity,
		TotalSeats:           in.SeatCapacity,
		CreatedAt:            now,
		UpdatedAt:            now,
		Version:              1,
	}
	if in.ID != nil {
		f.ID = *in.ID
	}
	if in.TotalSeats != nil {
		f.TotalSeats = *in.TotalSeats
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	if err := s.repo.Create(ctx, f); err != nil {
		return nil, err
	}
	s.publish(ctx, event.FlightCreated, f)
	return f, nil
}

// maxAttempts bounds the optimistic-concurrency retries of Update and Delete.
const maxAttempts = 4

// Update applies in to the stored flight if cond (when given) holds for it, and returns
// the updated flight. A totalSeats change without seatCapacity keeps the seats already
// sold: seatCapacity moves by the same amount, atomically with concurrent bookings, and
// the update is refused if fewer seats would remain than are sold.
func (s *Service) Update(ctx context.Context, in UpdateInput, cond *Filter) (*Flight, error) {
	if err := cond.Validate("condition"); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		prev, err := s.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if !cond.Match(prev) {
			return nil, apperr.New(apperr.Conflict, "the conditional request failed")
		}
		next := in.apply(prev)
		if next.SeatCapacity < 0 && in.SeatCapacity == nil {
			return nil, apperr.New(apperr.BadRequest,
				"totalSeats: %d seats are sold, so totalSeats cannot go below that", prev.TotalSeats-prev.SeatCapacity)
		}
		next.UpdatedAt = s.now().UTC()
		if err := next.Normalize(); err != nil {
			return nil, err
		}
		err = s.repo.Update(ctx, prev, next)
		if apperr.Is(err, apperr.Conflict) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		next.Version = prev.Version + 1
		s.publish(ctx, event.FlightUpdated, next)
		return next, nil
	}
}

func (in UpdateInput) apply(prev *Flight) *Flight {
	n := *prev
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setInt := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&n.DepartureDate, in.DepartureDate)
	set(&n.DepartureAirportCode, in.DepartureAirportCode)
	set(&n.DepartureAirportName, in.DepartureAirportName)
	set(&n.DepartureCity, in.DepartureCity)
	set(&n.DepartureLocale, in.DepartureLocale)
	set(&n.ArrivalDate, in.ArrivalDate)
	set(&n.ArrivalAirportCode, in.ArrivalAirportCode)
	set(&n.ArrivalAirportName, in.ArrivalAirportName)
	set(&n.ArrivalCity, in.ArrivalCity)
	set(&n.ArrivalLocale, in.ArrivalLocale)
	setInt(&n.TicketPrice, in.TicketPrice)
	set(&n.TicketCurrency, in.TicketCurrency)
	setInt(&n.FlightNumber, in.FlightNumber)
	if in.SeatAllocation != nil {
		v := *in.SeatAllocation
		n.SeatAllocation = &v
	}
	if in.TotalSeats != nil {
		n.TotalSeats = *in.TotalSeats
		if in.SeatCapacity == nil {
			// Keep the sold seats sold; the repository re-applies this shift atomically.
			n.SeatCapacity = prev.SeatCapacity + (n.TotalSeats - prev.TotalSeats)
		}
	}
	setInt(&n.SeatCapacity, in.SeatCapacity)
	return &n
}

// SeatsShift reports whether next keeps prev's sold seats (SeatCapacity moved by exactly
// the TotalSeats change, or neither changed) and the shift to apply to SeatCapacity.
// Repositories use it to apply the change atomically instead of writing a stale count.
func SeatsShift(prev, next *Flight) (delta int, relative bool) {
	d := next.TotalSeats - prev.TotalSeats
	if next.SeatCapacity == prev.SeatCapacity+d {
		return d, true
	}
	return 0, false
}

// Delete removes a flight if cond (when given) holds, and returns what was deleted.
func (s *Service) Delete(ctx context.Context, id string, cond *Filter) (*Flight, error) {
	if err := cond.Validate("condition"); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		prev, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if !cond.Match(prev) {
			return nil, apperr.New(apperr.Conflict, "the conditional request failed")
		}
		err = s.repo.Delete(ctx, prev)
		if apperr.Is(err, apperr.Conflict) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.publish(ctx, event.FlightDeleted, prev)
		return prev, nil
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
