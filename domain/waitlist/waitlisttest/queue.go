package waitlisttest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/waitlist"
)

// QueueFixture is one empty queue under test: both of its sides, and a way to move its
// visibility clock on (no sleeps).
type QueueFixture struct {
	Queue   waitlist.Queue
	Inbox   waitlist.Inbox
	Advance func(d time.Duration)
	// Visibility is the queue's visibility timeout.
	Visibility time.Duration
}

// RunQueue runs the queue port's contract: what the producer and the consumers rely on,
// whichever queue carries the messages (in-process, SQS).
func RunQueue(t *testing.T, newQueue func(t *testing.T) QueueFixture) {
	ctx := context.Background()
	receiveAll := func(t *testing.T, in waitlist.Inbox) []waitlist.Received {
		var out []waitlist.Received
		for range 100 { // no test sends 1 000 messages: a queue that keeps answering redelivers
			got, err := in.Receive(ctx, 10)
			require.NoError(t, err)
			require.LessOrEqual(t, len(got), 10)
			if len(got) == 0 {
				return out
			}
			out = append(out, got...)
		}
		t.Fatalf("the queue handed out %d messages and keeps going: messages in flight are delivered again", len(out))
		return nil
	}
	msgs := func(n int, prefix string) []waitlist.Message {
		out := make([]waitlist.Message, n)
		for i := range out {
			out[i] = waitlist.Message{EntryID: fmt.Sprintf("%s-%03d", prefix, i), Claim: fmt.Sprintf("claim-%d", i)}
		}
		return out
	}

	t.Run("EveryMessageOnceWhileInFlightThenGoneWhenAcked", func(t *testing.T) {
		fx := newQueue(t)
		sent := msgs(25, "e") // more than one SQS batch
		require.NoError(t, fx.Queue.Enqueue(ctx, sent))
		got := receiveAll(t, fx.Inbox)
		require.Len(t, got, 25)
		seen := map[waitlist.Message]bool{}
		var receipts []string
		for _, r := range got {
			require.False(t, seen[r.Message], "a message in flight is not delivered twice")
			seen[r.Message] = true
			m, err := waitlist.DecodeMessage(r.Body)
			require.NoError(t, err)
			require.Equal(t, r.Message, m)
			receipts = append(receipts, r.Receipt)
		}
		for _, m := range sent {
			require.True(t, seen[m], "%v", m)
		}
		require.NoError(t, fx.Inbox.Ack(ctx, receipts))
		fx.Advance(fx.Visibility)
		require.Empty(t, receiveAll(t, fx.Inbox), "acknowledged messages are gone")
	})

	t.Run("AnUnacknowledgedMessageComesBackAfterItsVisibilityTimeout", func(t *testing.T) {
		fx := newQueue(t)
		require.NoError(t, fx.Queue.Enqueue(ctx, msgs(2, "v")))
		got := receiveAll(t, fx.Inbox)
		require.Len(t, got, 2)
		require.NoError(t, fx.Inbox.Ack(ctx, []string{got[0].Receipt}))
		fx.Advance(fx.Visibility - time.Second)
		require.Empty(t, receiveAll(t, fx.Inbox), "still invisible")
		fx.Advance(time.Second)
		again := receiveAll(t, fx.Inbox)
		require.Len(t, again, 1)
		require.Equal(t, got[1].Message, again[0].Message)
		require.NoError(t, fx.Inbox.Ack(ctx, []string{again[0].Receipt}))
	})

	t.Run("ConcurrentReceiversShareTheMessages", func(t *testing.T) {
		fx := newQueue(t)
		sent := msgs(60, "c")
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				require.NoError(t, fx.Queue.Enqueue(ctx, sent[i*20:(i+1)*20]))
			}()
		}
		wg.Wait()
		var mu sync.Mutex
		count := map[waitlist.Message]int{}
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, r := range receiveAll(t, fx.Inbox) {
					mu.Lock()
					count[r.Message]++
					mu.Unlock()
					require.NoError(t, fx.Inbox.Ack(ctx, []string{r.Receipt}))
				}
			}()
		}
		wg.Wait()
		require.Len(t, count, 60)
		for m, n := range count {
			require.Equal(t, 1, n, "%v", m)
		}
	})

	t.Run("ReceiveTakesOneToTenMessages", func(t *testing.T) {
		fx := newQueue(t)
		for _, n := range []int{0, 11} {
			_, err := fx.Inbox.Receive(ctx, n)
			require.Error(t, err, "max %d", n)
		}
	})
}
