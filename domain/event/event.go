package event

import (
	"context"
	"sync"
)

// Kind names what changed. Subscriptions listen to kinds; the payload a Relay carries
// holds the kind and the ids, never the object: every subscriber re-reads the object
// itself, through the same authorization as a query.
type Kind string

// The kinds the domain raises.
const (
	FlightCreated Kind = "flight.created"
	FlightUpdated Kind = "flight.updated"
	FlightDeleted Kind = "flight.deleted"
	// BookingCreated: a booking was stored (UNCONFIRMED); BookingUpdated: its status,
	// stage or check-in changed (confirmed, cancelling, cancelled, checked in).
	BookingCreated Kind = "booking.created"
	BookingUpdated Kind = "booking.updated"
	// LoyaltyChanged: a customer's points changed (ID is the customer).
	LoyaltyChanged Kind = "loyalty.changed"
	// WaitlistEntryChanged: an entry was added, edited, notified, seated, removed (ID the
	// entry, Parent its waitlist, Owner its customer when they joined themselves).
	WaitlistEntryChanged Kind = "waitlist.entry"
	// WaitlistChanged: a waitlist was edited or deleted (ID the waitlist).
	WaitlistChanged Kind = "waitlist.changed"
	// GroupRemoved: a user (ID: sub or e-mail, as given) left a group (Parent): live
	// subscriptions that relied on the group end.
	GroupRemoved Kind = "account.group-removed"
)

// Event is one change, as published by the domain and carried between processes.
type Event struct {
	Kind Kind `json:"k"`
	// ID is the changed object's id (the customer for LoyaltyChanged).
	ID string `json:"id"`
	// Owner is the customer the object belongs to, when it has one (routing only: the
	// subscriber's authorization is decided on the object it re-reads).
	Owner string `json:"o,omitempty"`
	// Parent is the containing object's id (the waitlist of an entry, the group removed).
	Parent string `json:"p,omitempty"`
	// Gone holds the last state of an object that was deleted, which can no longer be
	// re-read (FlightDeleted). It is still authorized per subscriber like any object.
	Gone []byte `json:"g,omitempty"`

	// shared memoizes, per event and process, the object every subscription re-reads
	// (set by the Hub when it delivers).
	shared *shared
}

type shared struct {
	mu   sync.Mutex
	once map[string]*sharedValue
}

type sharedValue struct {
	once sync.Once
	v    any
	err  error
}

// Shared returns load's result, running it once per event and process however many
// subscriptions re-read the object (key names the read; all subscriptions that share it
// must read the same thing, as the system, and then authorize it for their subscriber).
// Without a Hub delivery behind it, it just runs load.
func (e Event) Shared(key string, load func() (any, error)) (any, error) {
	if e.shared == nil {
		return load()
	}
	e.shared.mu.Lock()
	if e.shared.once == nil {
		e.shared.once = map[string]*sharedValue{}
	}
	sv := e.shared.once[key]
	if sv == nil {
		sv = &sharedValue{}
		e.shared.once[key] = sv
	}
	e.shared.mu.Unlock()
	sv.once.Do(func() { sv.v, sv.err = load() })
	return sv.v, sv.err
}

// Publisher is the port through which domain services announce their changes, after they
// are stored, from every path that changes state (a mutation, a saga's recovery sweep, a
// background job). Implementations must not block and never fail the change.
type Publisher interface {
	Publish(ctx context.Context, e Event)
}

// Discard is the Publisher of a service nobody listens to (tests, commands).
type Discard struct{}

// Publish does nothing.
func (Discard) Publish(context.Context, Event) {}
