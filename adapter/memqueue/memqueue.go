// Package memqueue is the notification queue of embedded mode: waitlist.Queue and
// waitlist.Inbox in process memory, with SQS's delivery semantics where consumers depend
// on them — a received message is hidden until acknowledged or until its visibility
// timeout passes, then delivered again (at least once) — so the consumer that runs here is
// the one that runs against SQS. The same contract suite (waitlisttest.RunQueue) runs on
// both. Messages live as long as the process: embedded mode keeps its data in memory too.
package memqueue

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Config tunes a Queue. Zero values take the defaults.
type Config struct {
	// Visibility is how long a received message stays hidden (default 30 s, SQS's).
	Visibility time.Duration
	// Wait is how long Receive waits for a message when there is none (default 1 s;
	// SQS's long polling waits up to 20 s).
	Wait time.Duration
	// Now is the clock of the visibility timeouts (default time.Now).
	Now func() time.Time
}

type inflight struct {
	msg       waitlist.Message
	visibleAt time.Time
}

// Queue is an in-process queue.
type Queue struct {
	cfg      Config
	mu       sync.Mutex
	ready    []waitlist.Message
	inflight map[string]inflight
	signal   chan struct{}
}

var (
	_ waitlist.Queue = (*Queue)(nil)
	_ waitlist.Inbox = (*Queue)(nil)
)

// New returns an empty queue.
func New(cfg Config) *Queue {
	if cfg.Visibility <= 0 {
		cfg.Visibility = 30 * time.Second
	}
	if cfg.Wait <= 0 {
		cfg.Wait = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Queue{cfg: cfg, inflight: map[string]inflight{}, signal: make(chan struct{}, 1)}
}

// Enqueue appends the messages and wakes a waiting receiver.
func (q *Queue) Enqueue(_ context.Context, msgs []waitlist.Message) error {
	q.mu.Lock()
	q.ready = append(q.ready, msgs...)
	q.mu.Unlock()
	q.wake()
	return nil
}

func (q *Queue) wake() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// Receive returns up to max visible messages (1..10, as SQS), waiting up to Config.Wait
// for one when there is none. Messages whose visibility timeout has passed unacknowledged
// are delivered again.
func (q *Queue) Receive(ctx context.Context, max int) ([]waitlist.Received, error) {
	if max < 1 || max > 10 {
		return nil, apperr.New(apperr.BadRequest, "max: must be between 1 and 10")
	}
	timer := time.NewTimer(q.cfg.Wait)
	defer timer.Stop()
	for {
		if out := q.take(max); len(out) > 0 {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return q.take(max), nil
		case <-q.signal:
		}
	}
}

func (q *Queue) take(max int) []waitlist.Received {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.cfg.Now()
	for r, f := range q.inflight {
		if !now.Before(f.visibleAt) {
			delete(q.inflight, r)
			q.ready = append(q.ready, f.msg)
		}
	}
	n := min(max, len(q.ready))
	out := make([]waitlist.Received, n)
	for i, m := range q.ready[:n] {
		receipt := rand.Text()
		q.inflight[receipt] = inflight{msg: m, visibleAt: now.Add(q.cfg.Visibility)}
		out[i] = waitlist.Received{Message: m, Body: m.Encode(), Receipt: receipt}
	}
	q.ready = q.ready[n:]
	return out
}

// Ack deletes received messages. An unknown or expired receipt is ignored, as SQS ignores
// the receipt of a message already deleted.
func (q *Queue) Ack(_ context.Context, receipts []string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range receipts {
		delete(q.inflight, r)
	}
	return nil
}

// Len returns how many messages are waiting or in flight (for tests and logs).
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ready) + len(q.inflight)
}
