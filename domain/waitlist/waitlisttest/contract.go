// Package waitlisttest is the contract every waitlist.Repository must pass (Run), and the
// notification scenarios the producer and consumer must pass on it (RunNotifier): one
// suite, run against the embedded store and DynamoDB Local.
//
// The cases attack the invariants: a waitlist never upserted, every entry write
// conditional on its version, one entry in line per customer, exact positions after
// removals and under 50 concurrent joins, and every due entry notified exactly once — none
// early, none removed, expired or of a deleted waitlist — by racing producers and consumers.
package waitlisttest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// T0 is when the suite's clock starts. It has nanoseconds, so a store that truncates
// times fails.
var T0 = time.Date(2030, 1, 2, 18, 0, 0, 123456789, time.UTC)

// Clock is a settable clock for the services under test (no sleeps).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at T0.
func NewClock() *Clock { return &Clock{t: T0} }

// Now returns the current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Queue is an in-memory queue for the scenarios: Enqueue appends, Take hands out
// everything enqueued so far.
type Queue struct {
	mu   sync.Mutex
	msgs []waitlist.Message
	fail error
}

// Enqueue implements waitlist.Queue.
func (q *Queue) Enqueue(_ context.Context, msgs []waitlist.Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		return q.fail
	}
	q.msgs = append(q.msgs, msgs...)
	return nil
}

// Take removes and returns every message.
func (q *Queue) Take() []waitlist.Message {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.msgs
	q.msgs = nil
	return out
}

// Notifier records notifications.
type Notifier struct {
	mu   sync.Mutex
	sent []waitlist.Notification
}

// Notify implements waitlist.Notifier.
func (n *Notifier) Notify(_ context.Context, x waitlist.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, x)
	return nil
}

// Count returns how many notifications each entry got.
func (n *Notifier) Count() map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]int{}
	for _, s := range n.sent {
		out[s.EntryID]++
	}
	return out
}

// Sent returns the notifications so far.
func (n *Notifier) Sent() []waitlist.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]waitlist.Notification(nil), n.sent...)
}

// Env is one service over a fresh repository, with its clock, queue and notifier.
type Env struct {
	Repo     waitlist.Repository
	Svc      *waitlist.Service
	Clock    *Clock
	Queue    *Queue
	Notifier *Notifier
}

// NewEnv builds an Env over repo.
func NewEnv(repo waitlist.Repository) *Env {
	e := &Env{Repo: repo, Clock: NewClock(), Queue: &Queue{}, Notifier: &Notifier{}}
	e.Svc = e.Service()
	return e
}

// Service returns another Service over the same repository, clock, queue and notifier:
// a second process.
func (e *Env) Service() *waitlist.Service {
	return waitlist.NewService(e.Repo, waitlist.Config{Now: e.Clock.Now, Queue: e.Queue, Notifier: e.Notifier})
}

// Callers used by the suite.
var (
	OwnerA   = waitlist.Caller{ID: "owner-a", Owner: true}
	OwnerB   = waitlist.Caller{ID: "owner-b", Owner: true}
	Admin    = waitlist.Caller{ID: "admin", Admin: true}
	Customer = waitlist.Caller{ID: "customer-c"}
)

func ptr[T any](v T) *T { return &v }

// NewWaitlist creates an open waitlist owned by c.
func (e *Env) NewWaitlist(t *testing.T, c waitlist.Caller, name string) *waitlist.Waitlist {
	t.Helper()
	w, err := e.Svc.CreateWaitlist(context.Background(), c, waitlist.WaitlistInput{Name: ptr(name), Description: ptr("d")})
	require.NoError(t, err)
	return w
}

// Add adds a walk-in to w as its owner, notified in minutes (nil: no automatic notification).
func (e *Env) Add(t *testing.T, w *waitlist.Waitlist, name string, minutes *int) *waitlist.Entry {
	t.Helper()
	en, err := e.Svc.AddWaitee(context.Background(), waitlist.Caller{ID: w.Owner, Owner: true}, w.ID, waitlist.WaiteeInput{
		Name: name, Phone: "+14155550100", PartySize: 2, NotifyInMinutes: minutes,
	})
	require.NoError(t, err)
	return en
}

// Run runs the repository contract. newRepo returns a repository over an empty store.
func Run(t *testing.T, newRepo func(t *testing.T) waitlist.Repository) {
	t.Run("WaitlistCRUDNeverUpserts", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		got, err := e.Repo.GetWaitlist(ctx, w.ID)
		require.NoError(t, err)
		require.Equal(t, w, got)
		require.Equal(t, int64(1), got.Version)
		many, err := e.Repo.GetWaitlists(ctx, []string{w.ID, "ghost", w.ID})
		require.NoError(t, err)
		require.Equal(t, map[string]*waitlist.Waitlist{w.ID: w}, many, "one batch: missing ids absent, duplicates once")

		next := *got
		next.Name, next.IsOpen, next.Version, next.UpdatedAt = "Bistro 2", false, 2, T0.Add(time.Minute)
		out, err := e.Repo.UpdateWaitlist(ctx, got, &next)
		require.NoError(t, err)
		require.Equal(t, int64(2), out.Version)
		_, err = e.Repo.UpdateWaitlist(ctx, got, &next)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "a stale version is refused")

		ghost := waitlist.Waitlist{ID: "ghost", Owner: "owner-a", Name: "x", Version: 1}
		_, err = e.Repo.UpdateWaitlist(ctx, &ghost, &ghost)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		_, err = e.Repo.GetWaitlist(ctx, "ghost")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "an update of an unknown id creates nothing")

		require.Equal(t, apperr.Conflict, apperr.CodeOf(e.Repo.DeleteWaitlist(ctx, got)), "delete is conditional on the version")
		require.NoError(t, e.Repo.DeleteWaitlist(ctx, out))
		_, err = e.Repo.GetWaitlist(ctx, w.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		_, err = e.Repo.NextSeq(ctx, w.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})

	t.Run("TheServiceChecksOwnershipItself", func(t *testing.T) {
		// Defence in depth: the schema's rules stop most of these first; the service must
		// refuse them on its own, with NotFound (never revealing the list or the entry).
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Mine")
		closed := e.NewWaitlist(t, OwnerA, "Closed")
		_, err := e.Svc.UpdateWaitlist(ctx, OwnerA, closed.ID, waitlist.WaitlistInput{IsOpen: ptr(false)}, nil)
		require.NoError(t, err)
		en := e.Add(t, w, "Walk-in", nil)
		joined, err := e.Svc.JoinWaitlist(ctx, Customer, w.ID, waitlist.WaiteeInput{Name: "C", Phone: "+14155550100", PartySize: 1})
		require.NoError(t, err)
		other := waitlist.Caller{ID: "customer-d"}
		for name, call := range map[string]func() error{
			"entries":        func() error { _, err := e.Svc.Entries(ctx, OwnerB, w, nil, nil, nil); return err },
			"entries (cust)": func() error { _, err := e.Svc.Entries(ctx, Customer, w, nil, nil, nil); return err },
			"getWaitlist":    func() error { _, err := e.Svc.GetWaitlist(ctx, OwnerB, closed.ID); return err },
			"updateWaitlist": func() error {
				_, err := e.Svc.UpdateWaitlist(ctx, OwnerB, w.ID, waitlist.WaitlistInput{}, nil)
				return err
			},
			"deleteWaitlist": func() error { _, err := e.Svc.DeleteWaitlist(ctx, OwnerB, w.ID); return err },
			"addWaitee": func() error {
				_, err := e.Svc.AddWaitee(ctx, OwnerB, w.ID, waitlist.WaiteeInput{Name: "x", Phone: "+14155550100", PartySize: 1})
				return err
			},
			"updateWaitee": func() error {
				_, err := e.Svc.UpdateWaitee(ctx, OwnerB, en.ID, waitlist.WaiteeUpdate{}, nil)
				return err
			},
			"removeWaitee":      func() error { _, err := e.Svc.RemoveWaitee(ctx, OwnerB, en.ID); return err },
			"notifyWaitee":      func() error { _, err := e.Svc.NotifyWaitee(ctx, OwnerB, en.ID); return err },
			"seatWaitee":        func() error { _, err := e.Svc.SeatWaitee(ctx, OwnerB, joined.ID); return err },
			"seatWaitee (cust)": func() error { _, err := e.Svc.SeatWaitee(ctx, Customer, joined.ID); return err },
			"leaveWaitlist":     func() error { _, err := e.Svc.LeaveWaitlist(ctx, other, joined.ID); return err },
			"leave (owner)":     func() error { _, err := e.Svc.LeaveWaitlist(ctx, OwnerA, joined.ID); return err },
			"waitlistOfEntry":   func() error { _, err := e.Svc.WaitlistOfEntry(ctx, other, joined); return err },
			"join closed":       func() error { _, err := e.Svc.JoinWaitlist(ctx, other, closed.ID, waitlist.WaiteeInput{}); return err },
		} {
			require.Equal(t, apperr.NotFound, apperr.CodeOf(call()), name)
		}
		got, err := e.Repo.GetEntry(ctx, joined.ID)
		require.NoError(t, err)
		require.Equal(t, joined, got, "nothing was changed")
		_, err = e.Svc.CreateWaitlist(ctx, Customer, waitlist.WaitlistInput{Name: ptr("x")})
		require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err), "only owners create lists")
	})

	t.Run("ListWaitlistsPagesByOwnerOpenPrefixAndAll", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		for i := range 5 {
			e.NewWaitlist(t, OwnerA, fmt.Sprintf("Alpha %d", i))
		}
		b := e.NewWaitlist(t, OwnerB, "Beta")
		_, err := e.Svc.UpdateWaitlist(ctx, OwnerB, b.ID, waitlist.WaitlistInput{IsOpen: ptr(false)}, nil)
		require.NoError(t, err)
		e.NewWaitlist(t, OwnerB, "alphabet soup")

		names := func(q waitlist.WaitlistQuery) []string {
			var out []string
			for {
				p, err := e.Repo.ListWaitlists(ctx, q)
				require.NoError(t, err)
				require.LessOrEqual(t, len(p.Items), q.Limit)
				for _, w := range p.Items {
					out = append(out, w.Name)
				}
				if p.NextToken == "" {
					return out
				}
				q.NextToken = p.NextToken
			}
		}
		require.Equal(t, []string{"Alpha 0", "Alpha 1", "Alpha 2", "Alpha 3", "Alpha 4"}, names(waitlist.WaitlistQuery{Owner: "owner-a", Limit: 2}))
		require.Equal(t, []string{"Alpha 0", "Alpha 1", "Alpha 2", "Alpha 3", "Alpha 4", "alphabet soup"},
			names(waitlist.WaitlistQuery{OpenOnly: true, NamePrefix: "ALPHA", Limit: 4}))
		require.Equal(t, []string{"alphabet soup"}, names(waitlist.WaitlistQuery{OpenOnly: true, NamePrefix: "alphab", Limit: 4}))
		require.Len(t, names(waitlist.WaitlistQuery{Limit: 3}), 7, "all, the closed one included")
		require.NotContains(t, names(waitlist.WaitlistQuery{OpenOnly: true, Limit: 3}), "Beta")

		p, err := e.Repo.ListWaitlists(ctx, waitlist.WaitlistQuery{Owner: "owner-a", Limit: 2})
		require.NoError(t, err)
		_, err = e.Repo.ListWaitlists(ctx, waitlist.WaitlistQuery{Owner: "owner-b", Limit: 2, NextToken: p.NextToken})
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "a token of another query")
	})

	t.Run("OneEntryInLinePerCustomer", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		in := waitlist.WaiteeInput{Name: "Cara", Phone: "+44 20 7946 0000", PartySize: 3}
		first, err := e.Svc.JoinWaitlist(ctx, Customer, w.ID, in)
		require.NoError(t, err)
		again, err := e.Svc.JoinWaitlist(ctx, Customer, w.ID, in)
		require.NoError(t, err)
		require.Equal(t, first.ID, again.ID, "joining twice returns the entry in line")
		p, err := e.Repo.Entries(ctx, waitlist.EntryQuery{WaitlistID: w.ID, Limit: 10})
		require.NoError(t, err)
		require.Len(t, p.Items, 1)
		mine, err := e.Repo.CustomerEntries(ctx, Customer.ID, 10, "")
		require.NoError(t, err)
		require.Len(t, mine.Items, 1)
		require.Equal(t, "+442079460000", mine.Items[0].Phone)

		_, err = e.Svc.LeaveWaitlist(ctx, Customer, first.ID)
		require.NoError(t, err)
		rejoined, err := e.Svc.JoinWaitlist(ctx, Customer, w.ID, in)
		require.NoError(t, err)
		require.NotEqual(t, first.ID, rejoined.ID, "after leaving, a customer may join again")

		_, err = e.Svc.UpdateWaitlist(ctx, OwnerA, w.ID, waitlist.WaitlistInput{IsOpen: ptr(false)}, nil)
		require.NoError(t, err)
		_, err = e.Svc.JoinWaitlist(ctx, waitlist.Caller{ID: "late"}, w.ID, in)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "a closed list is not visible to customers")
		en := &waitlist.Entry{ID: "e-closed", WaitlistID: w.ID, WaitlistOwner: w.Owner, Customer: "late", Name: "L",
			Phone: "+14155550100", PartySize: 1, Status: waitlist.Waiting, Seq: 99, CreatedAt: T0, UpdatedAt: T0, ExpiresAt: T0.Add(waitlist.TTL)}
		_, err = e.Repo.AddEntry(ctx, en, true)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "the store refuses a join of a closed list")
		en.WaitlistID = "ghost"
		_, err = e.Repo.AddEntry(ctx, en, false)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})

	t.Run("EveryEntryWriteIsCompareAndSet", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		en := e.Add(t, w, "Dan", ptr(30))
		stale := *en
		seated, err := e.Svc.SeatWaitee(ctx, OwnerA, en.ID)
		require.NoError(t, err)
		require.Equal(t, waitlist.Seated, seated.Status)
		require.Equal(t, int64(2), seated.Version)
		_, err = e.Svc.SeatWaitee(ctx, OwnerA, en.ID)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "a double seat is refused")
		next := stale
		next.Status, next.UpdatedAt = waitlist.Removed, T0.Add(time.Minute)
		_, err = e.Repo.SaveEntry(ctx, &stale, &next)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "a write on a stale version is refused")
		got, err := e.Repo.GetEntry(ctx, en.ID)
		require.NoError(t, err)
		require.Equal(t, seated, got)

		// Concurrent seats of one entry: exactly one wins.
		en2 := e.Add(t, w, "Eve", nil)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.Service().SeatWaitee(ctx, OwnerA, en2.ID); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else {
					require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
				}
			}()
		}
		wg.Wait()
		require.Equal(t, 1, wins)

		// An expired entry accepts no write, also when the caller's clock is behind.
		en3 := e.Add(t, w, "Fay", nil)
		next = *en3
		next.Status, next.UpdatedAt = waitlist.Seated, en3.ExpiresAt
		_, err = e.Repo.SaveEntry(ctx, en3, &next)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		e.Clock.Advance(waitlist.TTL)
		_, err = e.Svc.SeatWaitee(ctx, OwnerA, en3.ID)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		got, err = e.Repo.GetEntry(ctx, en3.ID)
		require.NoError(t, err)
		require.Equal(t, waitlist.Expired, got.StatusAt(e.Clock.Now()))
	})

	t.Run("DeletedWaitlistTakesItsEntries", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		var ids []string
		for i := range 30 {
			ids = append(ids, e.Add(t, w, fmt.Sprintf("P%d", i), ptr(i)).ID)
		}
		en, err := e.Repo.GetEntry(ctx, ids[0])
		require.NoError(t, err)
		_, err = e.Svc.DeleteWaitlist(ctx, OwnerA, w.ID)
		require.NoError(t, err)
		for _, id := range ids {
			_, err := e.Repo.GetEntry(ctx, id)
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		}
		next := *en
		next.Status, next.UpdatedAt = waitlist.Notified, T0
		_, err = e.Repo.SaveEntry(ctx, en, &next)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "nothing of a deleted list can change")
		due, err := e.Repo.Due(ctx, T0.Add(48*time.Hour), 100)
		require.NoError(t, err)
		require.Empty(t, due, "the due markers went with the entries")
		seqs, err := e.Repo.InLine(ctx, w.ID, T0)
		require.NoError(t, err)
		require.Empty(t, seqs)
	})

	t.Run("PositionsAreExactAfterRemovalsAndExpiry", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		var es []*waitlist.Entry
		for i := range 6 {
			es = append(es, e.Add(t, w, fmt.Sprintf("P%d", i), nil))
			e.Clock.Advance(time.Hour)
		}
		_, err := e.Svc.RemoveWaitee(ctx, OwnerA, es[1].ID)
		require.NoError(t, err)
		_, err = e.Svc.SeatWaitee(ctx, OwnerA, es[3].ID)
		require.NoError(t, err)
		positions := func() []int {
			seqs, err := e.Svc.InLine(ctx, w.ID)
			require.NoError(t, err)
			var out []int
			for _, x := range es {
				out = append(out, waitlist.Position(seqs, x))
			}
			return out
		}
		require.Equal(t, []int{1, 0, 2, 0, 3, 4}, positions())
		e.Clock.Advance(waitlist.TTL - 5*time.Hour) // es[0] has expired: 24 h after creation
		require.Equal(t, []int{0, 0, 1, 0, 2, 3}, positions())
	})

	t.Run("FiftyConcurrentJoinsGetPositionsOneToFifty", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Busy")
		const n = 50
		entries := make([]*waitlist.Entry, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := waitlist.Caller{ID: fmt.Sprintf("customer-%02d", i)}
				en, err := e.Service().JoinWaitlist(ctx, c, w.ID, waitlist.WaiteeInput{Name: c.ID, Phone: "+14155550100", PartySize: 2})
				require.NoError(t, err)
				// The same customer again, at once: still one entry.
				again, err := e.Service().JoinWaitlist(ctx, c, w.ID, waitlist.WaiteeInput{Name: c.ID, Phone: "+14155550100", PartySize: 2})
				require.NoError(t, err)
				require.Equal(t, en.ID, again.ID)
				entries[i] = en
			}()
		}
		wg.Wait()
		seqs, err := e.Svc.InLine(ctx, w.ID)
		require.NoError(t, err)
		require.Len(t, seqs, n, "waitingCount")
		var positions []int
		ids := map[string]bool{}
		for _, en := range entries {
			positions = append(positions, waitlist.Position(seqs, en))
			ids[en.ID] = true
		}
		sort.Ints(positions)
		for i, p := range positions {
			require.Equal(t, i+1, p, "positions 1..50 without gaps or duplicates")
		}
		require.Len(t, ids, n)
		var listed int
		for p, tok := (waitlist.EntryPage{}), ""; ; tok = p.NextToken {
			p, err = e.Repo.Entries(ctx, waitlist.EntryQuery{WaitlistID: w.ID, Limit: 7, NextToken: tok})
			require.NoError(t, err)
			listed += len(p.Items)
			if p.NextToken == "" {
				break
			}
		}
		require.Equal(t, n, listed)
	})
}
