package resolvers

import (
	"context"
	"time"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// flightStream is onCreateFlight/onUpdateFlight/onDeleteFlight: every flight event of
// kind whose re-read flight matches filter (a deleted flight: its last state).
func (r *subscriptionResolver) flightStream(ctx context.Context, kind event.Kind, f *flight.Filter) (<-chan *flight.Flight, error) {
	if f != nil {
		if err := f.Validate("filter"); err != nil {
			return nil, err
		}
	}
	return stream(ctx, r.events, []event.Kind{kind}, nil,
		func(ctx context.Context, e event.Event) (*flight.Flight, error) {
			var fl *flight.Flight
			var err error
			if e.Kind == event.FlightDeleted {
				fl, err = gone[flight.Flight](e)
			} else {
				fl, err = sharedRead(ctx, r.events, e, "flight", func(ctx context.Context) (*flight.Flight, error) { return r.flights.Get(ctx, e.ID) })
			}
			if err != nil || fl == nil || (f != nil && !f.Match(fl)) {
				return nil, err
			}
			return fl, nil
		}, nil), nil
}

// bookingStream is the booking subscriptions. A customer hears only their own bookings
// (customer, when given, must be theirs; id must be one of theirs: otherwise an
// Unauthorized error, the same for a missing booking and another's, so ids cannot be
// probed); an Admin hears everyone's, or customer's. Each event is re-read with the
// caller's rights (booking.Service.Get, as getBooking) and matched against filter.
func (r *subscriptionResolver) bookingStream(ctx context.Context, field string, kinds []event.Kind,
	f *booking.Filter, customer, id *string,
) (<-chan *booking.Booking, error) {
	c := caller(ctx)
	if c.ID == "" {
		return nil, notAuthorized(field)
	}
	who := c.ID
	if customer != nil && *customer != "" && *customer != c.ID {
		if !c.Admin {
			return nil, notAuthorized(field)
		}
		who = *customer
	} else if c.Admin && (customer == nil || *customer == "") {
		who = "" // an Admin without customer hears every customer
	}
	if id != nil {
		if _, err := r.bookings.Get(ctx, c, *id); apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.BadRequest) {
			return nil, notAuthorized(field)
		} else if err != nil {
			return nil, err
		}
	}
	if f != nil {
		if err := f.Validate("filter"); err != nil {
			return nil, err
		}
	}
	return stream(ctx, r.events, kinds,
		func(e event.Event) bool {
			return (who == "" || e.Owner == who) && (id == nil || e.ID == *id)
		},
		func(ctx context.Context, e event.Event) (*booking.Booking, error) {
			b, err := sharedRead(ctx, r.events, e, "booking", func(ctx context.Context) (*booking.Booking, error) {
				return r.bookings.Get(ctx, booking.Caller{Admin: true}, e.ID)
			})
			if err != nil || !c.Sees(b) || (f != nil && !f.Match(b)) {
				return nil, err
			}
			return b, nil
		},
		func(b *booking.Booking) (string, int64) { return b.ID, b.Version }), nil
}

// entryStream is the waitlist entry subscriptions: each event's entry read once (as the
// system) and shown to this subscriber only if they may read it (waitlist.Caller.Sees,
// Entry's rule: its customer, the list's owner, an Admin) and its waitlist still exists.
func (r *subscriptionResolver) entryStream(ctx context.Context, c waitlist.Caller, match func(event.Event) bool) <-chan *waitlist.Entry {
	return stream(ctx, r.events, []event.Kind{event.WaitlistEntryChanged}, match,
		func(ctx context.Context, e event.Event) (*waitlist.Entry, error) {
			en, err := sharedRead(ctx, r.events, e, "entry", func(ctx context.Context) (*waitlist.Entry, error) {
				return r.waitlists.Entry(ctx, waitlist.Caller{ID: systemReader, Admin: true}, e.ID)
			})
			if err != nil || !c.Sees(en) {
				return nil, err
			}
			return en, nil
		}, entryVersion)
}

// systemReader is the caller id of the shared reads subscriptions make as the system.
const systemReader = "skygraph-subscriptions"

// sharedRead reads an event's object once per event and process (event.Event.Shared),
// detached from the first subscriber's cancellation and bounded on its own: every
// subscriber then authorizes that one object for itself. A read that fails for another
// reason than the object being gone or not the reader's is logged through hub, once.
func sharedRead[T any](ctx context.Context, hub *event.Hub, e event.Event, key string, read func(context.Context) (*T, error)) (*T, error) {
	v, err := e.Shared(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedReadTimeout)
		defer cancel()
		obj, err := read(ctx)
		if err != nil && !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Unauthorized) {
			hub.ReadFailed(ctx, e, err)
		}
		return obj, err
	})
	if err != nil {
		return nil, err
	}
	obj, _ := v.(*T)
	if obj == nil {
		return nil, apperr.New(apperr.NotFound, "gone")
	}
	return obj, nil
}

// sharedReadTimeout bounds one shared re-read of an event's object.
const sharedReadTimeout = 10 * time.Second

func entryVersion(e *waitlist.Entry) (string, int64) { return e.ID, e.Version }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
