package booking

import (
	"context"
	"time"

	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/internal/apperr"
)

// publishing wraps the Repository so that every stored change of a booking raises its
// event, whichever path made it (processBooking, checkIn, cancelBooking, the recovery
// sweep): subscriptions cannot miss a change because one path forgot to announce it.
// Confirming awards points and cancelling revokes them, so those also raise
// LoyaltyChanged; reserving and releasing a seat change the flight's seatCapacity.
type publishing struct {
	Repository
	events event.Publisher
}

func (p publishing) changed(ctx context.Context, kind event.Kind, b *Booking, loyalty, seats bool) {
	p.events.Publish(ctx, event.Event{Kind: kind, ID: b.ID, Owner: b.Customer})
	if loyalty {
		p.events.Publish(ctx, event.Event{Kind: event.LoyaltyChanged, ID: b.Customer, Owner: b.Customer})
	}
	if seats && b.FlightID != "" {
		p.events.Publish(ctx, event.Event{Kind: event.FlightUpdated, ID: b.FlightID})
	}
}

func (p publishing) Reserve(ctx context.Context, b *Booking) (string, error) {
	existing, err := p.Repository.Reserve(ctx, b)
	if err == nil && existing == "" {
		p.changed(ctx, event.BookingCreated, b, false, true)
	}
	return existing, err
}

func (p publishing) Confirm(ctx context.Context, prev *Booking, reference string, at time.Time) (*Booking, error) {
	out, err := p.Repository.Confirm(ctx, prev, reference, at)
	if err == nil && out != nil {
		p.changed(ctx, event.BookingUpdated, out, true, false)
	}
	return out, err
}

func (p publishing) MarkCancelling(ctx context.Context, prev *Booking, code apperr.Code, message string, at time.Time) (*Booking, error) {
	out, err := p.Repository.MarkCancelling(ctx, prev, code, message, at)
	if err == nil && out != nil {
		p.changed(ctx, event.BookingUpdated, out, false, false)
	}
	return out, err
}

func (p publishing) Cancel(ctx context.Context, prev *Booking, at time.Time) (*Booking, error) {
	out, err := p.Repository.Cancel(ctx, prev, at)
	if err == nil && out != nil {
		p.changed(ctx, event.BookingUpdated, out, true, true)
	}
	return out, err
}

func (p publishing) CheckIn(ctx context.Context, prev *Booking, at time.Time) (*Booking, error) {
	out, err := p.Repository.CheckIn(ctx, prev, at)
	if err == nil && out != nil {
		p.changed(ctx, event.BookingUpdated, out, false, false)
	}
	return out, err
}
