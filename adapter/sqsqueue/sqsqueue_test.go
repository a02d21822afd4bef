package sqsqueue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/sqsqueue"
	"github.com/skygraph/skygraph/adapter/sqsqueue/sqsfake"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/domain/waitlist/waitlisttest"
	"github.com/skygraph/skygraph/internal/apperr"
)

const visibility = 30 * time.Second

type fixture struct {
	fake  *sqsfake.Server
	queue *sqsqueue.Queue
	clock *waitlisttest.Clock
	api   *sqs.Client
}

func newFixture(t *testing.T) fixture {
	clock := waitlisttest.NewClock()
	fake := sqsfake.Start(clock.Now, visibility)
	t.Cleanup(fake.Close)
	url := fake.CreateQueue("waitlist-notifications")
	// The real SDK client, as the app builds it, pointed at the fake.
	api := sqs.New(sqs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(fake.URL),
		Credentials: aws.AnonymousCredentials{},
	})
	q, err := sqsqueue.New(api, sqsqueue.Config{QueueURL: url, WaitSeconds: 1})
	require.NoError(t, err)
	return fixture{fake: fake, queue: q, clock: clock, api: api}
}

// TestQueueContract runs the queue port's contract on the SQS adapter, through the real
// SDK, over the JSON-protocol fake.
func TestQueueContract(t *testing.T) {
	waitlisttest.RunQueue(t, func(t *testing.T) waitlisttest.QueueFixture {
		fx := newFixture(t)
		return waitlisttest.QueueFixture{Queue: fx.queue, Inbox: fx.queue, Advance: fx.clock.Advance, Visibility: visibility}
	})
}

func TestEnqueueBatchesOfTenAndRetriesFailedEntriesOnce(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	msgs := make([]waitlist.Message, 23)
	for i := range msgs {
		msgs[i] = waitlist.Message{EntryID: "e" + strings.Repeat("x", i), Claim: "c"}
	}
	failOnce := map[string]bool{}
	fx.fake.FailSend = func(body string) bool {
		if strings.Contains(body, `"exxx"`) && !failOnce[body] {
			failOnce[body] = true
			return true
		}
		return false
	}
	require.NoError(t, fx.queue.Enqueue(ctx, msgs))
	require.Equal(t, 4, fx.fake.Requests["SendMessageBatch"], "3 batches (10+10+3) and one retry of the failed entry")
	require.Equal(t, 23, fx.fake.Depth("waitlist-notifications"))

	fx.fake.FailSend = func(string) bool { return true }
	err := fx.queue.Enqueue(ctx, msgs[:1])
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "an entry failing twice fails the enqueue")
}

func TestErrorsAreMappedAndNeverLeakToClients(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	q, err := sqsqueue.New(fx.api, sqsqueue.Config{QueueURL: fx.fake.URL + "/000000000000/missing", WaitSeconds: 1})
	require.NoError(t, err)
	err = q.Enqueue(ctx, []waitlist.Message{{EntryID: "e", Claim: "c"}})
	require.Equal(t, apperr.Internal, apperr.CodeOf(err))
	require.ErrorContains(t, err, "QueueDoesNotExist")
	require.Equal(t, "internal error", apperr.MessageOf(err))

	// A stale receipt (the message was received again since) fails the ack.
	require.NoError(t, fx.queue.Enqueue(ctx, []waitlist.Message{{EntryID: "e", Claim: "c"}}))
	first, err := fx.queue.Receive(ctx, 10)
	require.NoError(t, err)
	require.Len(t, first, 1)
	fx.clock.Advance(visibility)
	second, err := fx.queue.Receive(ctx, 10)
	require.NoError(t, err)
	require.Len(t, second, 1)
	require.Error(t, fx.queue.Ack(ctx, []string{first[0].Receipt}))
	require.NoError(t, fx.queue.Ack(ctx, []string{second[0].Receipt}))
}
