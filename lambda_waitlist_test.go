package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/domain/waitlist/waitlisttest"
)

// failingEntryReads makes GetItem of one waitlist entry fail, as a throttled table would.
type failingEntryReads struct {
	dynamo.API
	pk string
}

func (f *failingEntryReads) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if pk, ok := in.Key[dynamo.AttrPK].(*types.AttributeValueMemberS); ok && f.pk != "" && pk.Value == f.pk {
		return nil, errors.New("injected: table unavailable")
	}
	return f.API.GetItem(ctx, in, opts...)
}

// TestLambdaWaitlistNotifications: the producer runs from the scheduled event (the CDK
// rule's), the consumer from an SQS event; a record that cannot be delivered now is
// reported as a batch item failure (so SQS retries it, then dead-letters it), a record
// that is not a notification is dropped, and a redelivered record notifies nobody twice.
func TestLambdaWaitlistNotifications(t *testing.T) {
	clock := waitlisttest.NewClock()
	rec := &waitlisttest.Notifier{}
	fail := &failingEntryReads{}
	env := map[string]string{"SKYGRAPH_SEED_DAYS": "1"}
	cfg, err := app.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	logs := &lockedBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	a, err := app.New(context.Background(), cfg, log, app.Options{
		LocalBcryptCost: bcrypt.MinCost, Now: clock.Now, WaitlistNotifier: rec,
		API: func(api dynamo.API) dynamo.API { fail.API = api; return fail },
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	h := newLambdaHandler(a.Handler, backgroundJobs(a), log)
	h.deliver = a.DeliverWaitlistMessage

	// The seeded waitlist: Ana (30 min) and the demo customer (45 min). In 15 minutes
	// Ana is due (notifyAt ≤ now + 15 min).
	clock.Advance(15 * time.Minute)
	out, err := h.Invoke(invocation(t, "w-1"), []byte(`{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events",
		"detail": {"skygraph-job": "waitlist-notifier"}}`))
	require.NoError(t, err, "%s", out)
	got, err := a.WaitlistInbox().Receive(context.Background(), 10)
	require.NoError(t, err)
	require.Len(t, got, 1, "the producer enqueued Ana")

	// Another entry is due too, but its store read fails: that record must be retried.
	w := seededWaitlist(t, a)
	owner := waitlist.Caller{ID: w.Owner, Owner: true}
	stuck, err := a.Waitlists.AddWaitee(context.Background(), owner, w.ID, waitlist.WaiteeInput{Name: "Stuck", Phone: "+14155550199", PartySize: 1, NotifyInMinutes: new(int)})
	require.NoError(t, err)
	_, err = a.Waitlists.Produce(context.Background())
	require.NoError(t, err)
	more, err := a.WaitlistInbox().Receive(context.Background(), 10)
	require.NoError(t, err)
	require.Len(t, more, 1)
	fail.pk = "WAITLIST_ENTRY#" + stuck.ID

	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m-ana", Body: got[0].Body, EventSource: "aws:sqs"},
		{MessageId: "m-ana-again", Body: got[0].Body, EventSource: "aws:sqs"}, // SQS delivers at least once
		{MessageId: "m-junk", Body: `{"hello": "world"}`, EventSource: "aws:sqs"},
		{MessageId: "m-stuck", Body: more[0].Body, EventSource: "aws:sqs"},
	}}
	payload, err := json.Marshal(ev)
	require.NoError(t, err)
	out, err = h.Invoke(invocation(t, "w-2"), payload)
	require.NoError(t, err)
	var res events.SQSEventResponse
	require.NoError(t, json.Unmarshal(out, &res))
	require.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "m-stuck"}}, res.BatchItemFailures)
	require.Len(t, rec.Sent(), 1)
	require.Equal(t, "Ana García", rec.Sent()[0].Name)
	require.Contains(t, logs.String(), "dropping a message that is not a notification")

	// SQS retries the failed record once the table answers again.
	fail.pk = ""
	payload, err = json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-stuck", Body: more[0].Body, EventSource: "aws:sqs"}}})
	require.NoError(t, err)
	out, err = h.Invoke(invocation(t, "w-3"), payload)
	require.NoError(t, err)
	require.JSONEq(t, `{"batchItemFailures": []}`, string(out))
	require.Len(t, rec.Sent(), 2)
	require.Equal(t, "Stuck", rec.Sent()[1].Name)
}

func seededWaitlist(t *testing.T, a *app.App) *waitlist.Waitlist {
	t.Helper()
	p, err := a.Waitlists.ListWaitlists(context.Background(), waitlist.Caller{ID: "admin", Admin: true}, nil, nil, nil)
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	return p.Items[0]
}
