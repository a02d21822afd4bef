package resolvers

import (
	"context"

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
				fl, err = r.flights.Get(ctx, e.ID)
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
			b, err := r.bookings.Get(ctx, c, e.ID)
			if err != nil || (f != nil && !f.Match(b)) {
				return nil, err
			}
			return b, nil
		},
		func(b *booking.Booking) (string, int64) { return b.ID, b.Version }), nil
}

func entryVersion(e *waitlist.Entry) (string, int64) { return e.ID, e.Version }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
