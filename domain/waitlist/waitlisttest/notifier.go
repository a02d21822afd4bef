package waitlisttest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/waitlist"
)

// consume delivers every queued message through svcs in turn (several consumers), and
// returns how many messages there were.
func (e *Env) consume(t *testing.T, svcs ...*waitlist.Service) int {
	t.Helper()
	msgs := e.Queue.Take()
	for i, m := range msgs {
		require.NoError(t, svcs[i%len(svcs)].Deliver(context.Background(), m))
	}
	return len(msgs)
}

// tick runs one producer run and one consumer pass.
func (e *Env) tick(t *testing.T) waitlist.ProduceReport {
	t.Helper()
	rep, err := e.Svc.Produce(context.Background())
	require.NoError(t, err)
	e.consume(t, e.Svc)
	return rep
}

func (e *Env) status(t *testing.T, id string) waitlist.Status {
	t.Helper()
	en, err := e.Repo.GetEntry(context.Background(), id)
	require.NoError(t, err)
	return en.StatusAt(e.Clock.Now())
}

// RunNotifier runs the notification scenarios on a repository over an empty store.
func RunNotifier(t *testing.T, newRepo func(t *testing.T) waitlist.Repository) {
	t.Run("DueWithinFifteenMinutesNoneEarly", func(t *testing.T) {
		t.Parallel()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		now, in14, in15, in16 := e.Add(t, w, "now", ptr(0)), e.Add(t, w, "14", ptr(14)), e.Add(t, w, "15", ptr(15)), e.Add(t, w, "16", ptr(16))
		never := e.Add(t, w, "manual", nil)

		rep := e.tick(t)
		require.Equal(t, 3, rep.Claimed)
		require.Equal(t, map[string]int{now.ID: 1, in14.ID: 1, in15.ID: 1}, e.Notifier.Count(), "notifyAt ≤ now + 15 min, and not 16")
		for _, id := range []string{now.ID, in14.ID, in15.ID} {
			require.Equal(t, waitlist.Notified, e.status(t, id))
		}
		require.Equal(t, waitlist.Waiting, e.status(t, in16.ID))

		e.Clock.Advance(time.Minute - time.Nanosecond)
		e.tick(t)
		require.Equal(t, 0, e.Notifier.Count()[in16.ID], "one nanosecond early is early")
		e.Clock.Advance(time.Nanosecond)
		e.tick(t)
		require.Equal(t, 1, e.Notifier.Count()[in16.ID])
		e.Clock.Advance(time.Hour)
		e.tick(t)
		require.Equal(t, map[string]int{now.ID: 1, in14.ID: 1, in15.ID: 1, in16.ID: 1}, e.Notifier.Count(), "nobody twice")
		require.Equal(t, waitlist.Waiting, e.status(t, never.ID))

		n := e.Notifier.Sent()[0]
		require.Equal(t, "+14155550100", n.Phone)
		require.Contains(t, n.Text, "Bistro")
	})

	t.Run("ASkippedTickLosesNoOne", func(t *testing.T) {
		t.Parallel()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		var ids []string
		for m := 16; m <= 21; m++ {
			ids = append(ids, e.Add(t, w, "p", ptr(m)).ID)
		}
		e.tick(t)
		require.Empty(t, e.Notifier.Count())
		e.Clock.Advance(5 * time.Minute) // the ticks at +1..+4 never ran
		rep := e.tick(t)
		require.Equal(t, 5, rep.Claimed)
		e.Clock.Advance(time.Minute)
		e.tick(t)
		got := e.Notifier.Count()
		for _, id := range ids {
			require.Equal(t, 1, got[id], "every entry due during the gap is notified once")
		}
	})

	t.Run("NeverRemovedExpiredOrOfADeletedWaitlistAlsoWhenQueued", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		gone := e.NewWaitlist(t, OwnerA, "Closing")
		removedBefore := e.Add(t, w, "removed before", ptr(0))
		removedQueued := e.Add(t, w, "removed when queued", ptr(0))
		deletedBefore := e.Add(t, gone, "deleted before", ptr(0))
		ok := e.Add(t, w, "ok", ptr(0))
		_, err := e.Svc.RemoveWaitee(ctx, OwnerA, removedBefore.ID)
		require.NoError(t, err)

		expiring := e.Add(t, w, "expiring", ptr(60))
		rep, err := e.Svc.Produce(ctx)
		require.NoError(t, err)
		require.Equal(t, 3, rep.Claimed)
		// Queued now; then the waitee is removed and the other list deleted.
		_, err = e.Svc.RemoveWaitee(ctx, OwnerA, removedQueued.ID)
		require.NoError(t, err)
		_, err = e.Svc.DeleteWaitlist(ctx, OwnerA, gone.ID)
		require.NoError(t, err)
		e.consume(t, e.Svc)
		require.Equal(t, map[string]int{ok.ID: 1}, e.Notifier.Count())
		_ = deletedBefore

		// No producer runs for a day: the entry due meanwhile has expired, and is never notified.
		e.Clock.Advance(waitlist.TTL)
		e.tick(t)
		require.Equal(t, waitlist.Expired, e.status(t, expiring.ID))
		require.Equal(t, map[string]int{ok.ID: 1}, e.Notifier.Count())
	})

	t.Run("AMessageForAnExpiredEntrySendsNothing", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		en := e.Add(t, w, "old", ptr(0))
		e.Clock.Advance(waitlist.TTL) // no producer ran for a day
		_, err := e.Svc.Produce(ctx)
		require.NoError(t, err)
		require.Empty(t, e.Queue.Take(), "not claimed once expired")
		require.Equal(t, waitlist.Expired, e.status(t, en.ID))
		due, err := e.Repo.Due(ctx, e.Clock.Now(), 10)
		require.NoError(t, err)
		require.Empty(t, due, "its marker was dropped")
	})

	t.Run("TwoProducersTwoConsumersNotifyEachOnce", func(t *testing.T) {
		t.Parallel()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		other := e.NewWaitlist(t, OwnerB, "Other")
		var due []string
		for i := range 40 {
			due = append(due, e.Add(t, []*waitlist.Waitlist{w, other}[i%2], "p", ptr(i%16)).ID)
		}
		late := e.Add(t, w, "late", ptr(16+int(waitlist.ClaimLease/time.Minute)))
		producers := []*waitlist.Service{e.Service(), e.Service()}
		consumers := []*waitlist.Service{e.Service(), e.Service()}
		for round := range 3 {
			var wg sync.WaitGroup
			for _, p := range producers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := p.Produce(context.Background())
					require.NoError(t, err)
				}()
			}
			wg.Wait()
			// Every message twice (SQS delivers at least once), to both consumers at once.
			msgs := e.Queue.Take()
			for _, c := range consumers {
				for _, m := range msgs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						require.NoError(t, c.Deliver(context.Background(), m))
					}()
				}
			}
			wg.Wait()
			if round == 1 {
				// The leases of any claim are over: nothing must be claimed again.
				e.Clock.Advance(waitlist.ClaimLease)
			}
		}
		got := e.Notifier.Count()
		for _, id := range due {
			require.Equal(t, 1, got[id], "entry %s", id)
		}
		require.Zero(t, got[late.ID], "none early")
		require.Len(t, got, len(due))
	})

	t.Run("AFailedEnqueueIsRetriedAfterTheLeaseAndAStaleMessageIsDropped", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		en := e.Add(t, w, "p", ptr(0))
		_, err := e.Svc.Produce(ctx)
		require.NoError(t, err)
		lost := e.Queue.Take() // the message is lost (say, it went to the dead-letter queue)
		require.Len(t, lost, 1)
		e.tick(t)
		require.Empty(t, e.Notifier.Count(), "claimed: not claimed again during the lease")
		e.Clock.Advance(waitlist.ClaimLease)
		e.Queue.fail = errors.New("queue down")
		_, err = e.Svc.Produce(ctx)
		require.Error(t, err, "an enqueue failure fails the job")
		e.Queue.fail = nil
		e.Clock.Advance(waitlist.ClaimLease)
		e.tick(t)
		require.Equal(t, map[string]int{en.ID: 1}, e.Notifier.Count())
		require.NoError(t, e.Svc.Deliver(ctx, lost[0]), "the first claim's message, arriving late, is stale")
		require.Equal(t, map[string]int{en.ID: 1}, e.Notifier.Count())

		// A message that does not carry the entry's claim (stray, or forged by anyone who may
		// send to the queue) notifies nobody, and nobody early.
		later := e.Add(t, w, "later", ptr(60))
		require.NoError(t, e.Svc.Deliver(ctx, waitlist.Message{EntryID: later.ID, Claim: "forged"}))
		require.Zero(t, e.Notifier.Count()[later.ID])
		require.Equal(t, waitlist.Waiting, e.status(t, later.ID))
	})

	t.Run("NotifyWaiteeNowOnceOnly", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := NewEnv(newRepo(t))
		w := e.NewWaitlist(t, OwnerA, "Bistro")
		en := e.Add(t, w, "p", ptr(60))
		out, err := e.Svc.NotifyWaitee(ctx, OwnerA, en.ID)
		require.NoError(t, err)
		require.Equal(t, e.Clock.Now(), out.NotifyAt)
		_, err = e.Svc.NotifyWaitee(ctx, OwnerA, en.ID)
		require.ErrorContains(t, err, "already being notified")
		e.tick(t)
		require.Equal(t, waitlist.Notified, e.status(t, en.ID))
		_, err = e.Svc.NotifyWaitee(ctx, OwnerA, en.ID)
		require.ErrorContains(t, err, "cannot be notified")
		require.Equal(t, map[string]int{en.ID: 1}, e.Notifier.Count())
		_, err = e.Svc.NotifyWaitee(ctx, OwnerB, en.ID)
		require.ErrorContains(t, err, "not found", "another owner's entry is NotFound")
	})
}
