package event_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/event"
)

// fakeRelay records what the hub publishes and hands Run's deliver to the test.
type fakeRelay struct {
	mu        sync.Mutex
	published [][]byte
	deliver   chan func([]byte)
}

func (f *fakeRelay) Publish(_ context.Context, b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.published = append(f.published, b)
	return nil
}

func (f *fakeRelay) Run(ctx context.Context, deliver func([]byte)) error {
	f.deliver <- deliver
	<-ctx.Done()
	return ctx.Err()
}

func (f *fakeRelay) Close() error { return nil }

func (f *fakeRelay) sent() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.published...)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func recv(t *testing.T, s *event.Subscription) event.Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		require.True(t, ok, "the subscription is open")
		return e
	case <-time.After(time.Minute): // a hang guard
		t.Fatal("no event")
	}
	return event.Event{}
}

func none(t *testing.T, s *event.Subscription) {
	t.Helper()
	select {
	case e := <-s.C:
		t.Fatalf("unexpected event %+v", e)
	default:
	}
}

// TestHubDeliversLocallyAndThroughTheRelay: a published event reaches this process's
// matching subscriptions at once and the relay once, as ids only; a payload from another
// process (the relay's deliver) reaches local subscriptions and is not published again.
func TestHubDeliversLocallyAndThroughTheRelay(t *testing.T) {
	relay := &fakeRelay{deliver: make(chan func([]byte), 1)}
	h := event.NewHub(quiet(), event.HubConfig{Relay: relay})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	deliver := <-relay.deliver

	mine := h.Subscribe([]event.Kind{event.BookingUpdated}, func(e event.Event) bool { return e.Owner == "a" })
	all := h.Subscribe([]event.Kind{event.BookingUpdated, event.BookingCreated}, nil)
	flights := h.Subscribe([]event.Kind{event.FlightUpdated}, nil)
	require.Equal(t, 2, h.Subscribers(event.BookingUpdated))

	h.Publish(ctx, event.Event{Kind: event.BookingUpdated, ID: "b1", Owner: "a"})
	h.Publish(ctx, event.Event{Kind: event.BookingUpdated, ID: "b2", Owner: "b"})
	require.Equal(t, "b1", recv(t, mine).ID)
	none(t, mine)
	require.Equal(t, "b1", recv(t, all).ID)
	require.Equal(t, "b2", recv(t, all).ID)
	none(t, flights)

	deadline := time.Now().Add(time.Minute)
	for len(relay.sent()) < 2 {
		require.True(t, time.Now().Before(deadline))
		time.Sleep(time.Millisecond)
	}
	var e event.Event
	require.NoError(t, json.Unmarshal(relay.sent()[0], &e))
	require.Equal(t, event.Event{Kind: event.BookingUpdated, ID: "b1", Owner: "a"}, e)
	require.NotContains(t, string(relay.sent()[0]), "status", "ids only, never the object")

	// From another process.
	deliver([]byte(`{"k":"booking.updated","id":"b3","o":"a"}`))
	require.Equal(t, "b3", recv(t, mine).ID)
	require.Equal(t, "b3", recv(t, all).ID)
	deliver([]byte(`not json`)) // dropped
	deliver([]byte(`{}`))       // no kind: dropped
	none(t, all)
	require.Len(t, relay.sent(), 2, "a relayed payload is not published again")

	mine.Close()
	mine.Close() // idempotent
	_, open := <-mine.C
	require.False(t, open)
	require.Equal(t, 1, h.Subscribers(event.BookingUpdated))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// TestHubOverflowEndsTheSlowSubscriber: a subscriber that stops reading is ended with
// ErrOverflow once its buffer is full; the publisher never blocks and the others go on.
func TestHubOverflowEndsTheSlowSubscriber(t *testing.T) {
	h := event.NewHub(quiet(), event.HubConfig{Buffer: 2, Outbox: 1})
	slow := h.Subscribe([]event.Kind{event.FlightUpdated}, nil)
	fast := h.Subscribe([]event.Kind{event.FlightUpdated}, nil)
	for i := range 5 {
		h.Publish(context.Background(), event.Event{Kind: event.FlightUpdated, ID: string(rune('a' + i))})
		recv(t, fast)
	}
	n := 0
	for range slow.C {
		n++
	}
	require.Equal(t, 2, n, "its buffer, then closed")
	require.ErrorIs(t, slow.Err(), event.ErrOverflow)
	require.NoError(t, fast.Err())
	require.Equal(t, 1, h.Subscribers(event.FlightUpdated))
}

// TestHubConcurrentPublishAndClose: publishing while subscriptions come and go never
// sends on a closed channel (run with -race).
func TestHubConcurrentPublishAndClose(t *testing.T) {
	h := event.NewHub(quiet(), event.HubConfig{Buffer: 1})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				h.Publish(context.Background(), event.Event{Kind: event.LoyaltyChanged, ID: "x"})
			}
		}
	}()
	for range 500 {
		s := h.Subscribe([]event.Kind{event.LoyaltyChanged}, nil)
		s.Close()
	}
	close(stop)
	wg.Wait()
	require.Equal(t, 0, h.Subscribers(event.LoyaltyChanged))
}

// TestSharedReadsOncePerEvent: however many subscriptions re-read one delivered event,
// the object is read once (per key); the next event reads again.
func TestSharedReadsOncePerEvent(t *testing.T) {
	h := event.NewHub(quiet(), event.HubConfig{})
	subs := make([]*event.Subscription, 50)
	for i := range subs {
		subs[i] = h.Subscribe([]event.Kind{event.FlightUpdated}, nil)
	}
	reads := 0
	for round := 1; round <= 2; round++ {
		h.Publish(context.Background(), event.Event{Kind: event.FlightUpdated, ID: "f"})
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := make([]any, len(subs))
		for i, s := range subs {
			e := recv(t, s)
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], _ = e.Shared("flight", func() (any, error) { mu.Lock(); reads++; mu.Unlock(); return "object", nil })
			}()
		}
		wg.Wait()
		for _, v := range got {
			require.Equal(t, "object", v)
		}
		require.Equal(t, round, reads, "one read per event")
	}
	// An event that did not come through a hub just reads.
	v, err := event.Event{}.Shared("x", func() (any, error) { return 1, nil })
	require.NoError(t, err)
	require.Equal(t, 1, v)
}
