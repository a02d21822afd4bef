package event

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
)

// ErrOverflow ends a subscription whose reader fell behind by more than its buffer: a
// slow client must not hold events for everyone (it resubscribes and re-reads).
var ErrOverflow = errors.New("subscription too slow: events were dropped")

// Hub is the process's event switch. Domain services publish to it (it is their
// Publisher); it delivers each event in memory to the matching subscriptions of this
// process and hands a compact payload (kind and ids, never the object) to the Relay for
// the other processes, whose payloads it delivers to its own subscriptions in turn.
//
// Delivery never blocks a publisher: each subscription has a buffer, and one that is full
// is ended with ErrOverflow. The relay is fed from a bounded queue by Run, so a slow or
// broken relay delays nobody's mutation; payloads it cannot take are dropped and logged.
type Hub struct {
	relay  Relay
	log    *slog.Logger
	buffer int

	mu     sync.RWMutex
	byKind map[Kind]map[*Subscription]struct{}

	outbox  chan []byte
	dropped atomic.Int64
}

// HubConfig tunes a Hub. Zero values take the defaults.
type HubConfig struct {
	// Relay reaches the other processes (default Alone).
	Relay Relay
	// Buffer is each subscription's event buffer (default 64).
	Buffer int
	// Outbox bounds the payloads waiting for the relay (default 4096).
	Outbox int
}

// NewHub returns a Hub; Run must be running for the relay to be used.
func NewHub(log *slog.Logger, cfg HubConfig) *Hub {
	if cfg.Relay == nil {
		cfg.Relay = Alone{}
	}
	if cfg.Buffer <= 0 {
		cfg.Buffer = 64
	}
	if cfg.Outbox <= 0 {
		cfg.Outbox = 4096
	}
	return &Hub{
		relay: cfg.Relay, log: log, buffer: cfg.Buffer,
		byKind: map[Kind]map[*Subscription]struct{}{},
		outbox: make(chan []byte, cfg.Outbox),
	}
}

// Publish delivers e to this process's subscriptions and queues it for the relay.
func (h *Hub) Publish(ctx context.Context, e Event) {
	h.deliver(e)
	b, err := json.Marshal(e)
	if err != nil {
		h.log.ErrorContext(ctx, "event not encoded", "kind", e.Kind, "error", err.Error())
		return
	}
	select {
	case h.outbox <- b:
	default:
		if h.dropped.Add(1)%1000 == 1 {
			h.log.ErrorContext(ctx, "event relay queue full: other processes miss events", "kind", e.Kind, "dropped", h.dropped.Load())
		}
	}
}

// Run feeds the relay from the queue and delivers the relay's payloads (events of the
// other processes) to this process's subscriptions, until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case b := <-h.outbox:
				if err := h.relay.Publish(ctx, b); err != nil && ctx.Err() == nil {
					h.log.ErrorContext(ctx, "event relay publish failed: other processes miss this event", "error", err.Error())
				}
			}
		}
	}()
	err := h.relay.Run(ctx, h.Receive)
	<-done
	return err
}

// Receive delivers a payload published by another process to this process's
// subscriptions (the Relay's deliver function). A malformed payload is logged and dropped.
func (h *Hub) Receive(payload []byte) {
	var e Event
	if err := json.Unmarshal(payload, &e); err != nil || e.Kind == "" {
		h.log.Error("malformed event payload from the relay dropped", "bytes", len(payload))
		return
	}
	h.deliver(e)
}

func (h *Hub) deliver(e Event) {
	e.shared = &shared{}
	var slow []*Subscription
	h.mu.RLock()
	for s := range h.byKind[e.Kind] {
		if s.match != nil && !s.match(e) {
			continue
		}
		select {
		case s.c <- e:
		default:
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		s.end(ErrOverflow)
	}
}

// ReadFailed records that the subscribers of e miss it because its object could not be
// re-read for a reason other than its being gone or not theirs (the store failing): a
// subscription is a live feed and carries on, but an operator must see the loss. Call it
// once per event and process (the re-read is shared), not once per subscriber.
func (h *Hub) ReadFailed(ctx context.Context, e Event, err error) {
	h.log.WarnContext(ctx, "subscription event skipped: its object could not be re-read",
		"kind", e.Kind, "id", e.ID, "error", err.Error())
}

// Subscribe returns a subscription to the events of kinds that match (nil: all of them).
// Its channel is closed by Close, or when it overflows (Err then says so).
func (h *Hub) Subscribe(kinds []Kind, match func(Event) bool) *Subscription {
	s := &Subscription{hub: h, kinds: kinds, match: match, c: make(chan Event, h.buffer)}
	s.C = s.c
	h.mu.Lock()
	for _, k := range kinds {
		if h.byKind[k] == nil {
			h.byKind[k] = map[*Subscription]struct{}{}
		}
		h.byKind[k][s] = struct{}{}
	}
	h.mu.Unlock()
	return s
}

// Subscribers counts the live subscriptions to kind (tests, metrics).
func (h *Hub) Subscribers(kind Kind) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byKind[kind])
}

// Subscription is one listener on a Hub.
type Subscription struct {
	// C receives the matching events; it is closed when the subscription ends.
	C <-chan Event

	c     chan Event
	hub   *Hub
	kinds []Kind
	match func(Event) bool
	once  sync.Once
	err   atomic.Pointer[error]
}

// Close ends the subscription. Safe to call more than once.
func (s *Subscription) Close() { s.end(nil) }

// Err is why the subscription ended on its own (ErrOverflow), or nil.
func (s *Subscription) Err() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *Subscription) end(err error) {
	s.once.Do(func() {
		if err != nil {
			s.err.Store(&err)
		}
		h := s.hub
		h.mu.Lock()
		for _, k := range s.kinds {
			delete(h.byKind[k], s)
			if len(h.byKind[k]) == 0 {
				delete(h.byKind, k)
			}
		}
		close(s.c) // under the lock: no deliver is sending now
		h.mu.Unlock()
	})
}
