// Package sqsqueue is the waitlist notification queue on Amazon SQS: waitlist.Queue
// (SendMessageBatch, 10 messages a call) and waitlist.Inbox for the server-mode poller
// (ReceiveMessage with long polling, DeleteMessageBatch). On Lambda the event source
// mapping receives instead, and deletes what the handler does not report as failed.
//
// No SQS server can run here (see DESIGN.md, known traps): the package is tested through
// the real SDK against sqsfake, an HTTP fake of SQS's JSON protocol, with the same queue
// contract suite as the in-process queue.
package sqsqueue

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// API is the part of the SQS client the queue uses (*sqs.Client implements it).
type API interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

var _ API = (*sqs.Client)(nil)

// Config selects the queue.
type Config struct {
	// QueueURL is the queue (the CDK app's waitlist notification queue).
	QueueURL string
	// WaitSeconds is ReceiveMessage's long-polling wait, 0..20 (default 20: a poller idles
	// with three requests a minute).
	WaitSeconds int32
}

// Queue is the SQS queue.
type Queue struct {
	api API
	cfg Config
}

var (
	_ waitlist.Queue = (*Queue)(nil)
	_ waitlist.Inbox = (*Queue)(nil)
)

// New returns the queue over api.
func New(api API, cfg Config) (*Queue, error) {
	if cfg.QueueURL == "" {
		return nil, errors.New("sqsqueue: QueueURL is required")
	}
	if cfg.WaitSeconds == 0 {
		cfg.WaitSeconds = 20
	}
	if cfg.WaitSeconds < 0 || cfg.WaitSeconds > 20 {
		return nil, errors.New("sqsqueue: WaitSeconds must be 0..20")
	}
	return &Queue{api: api, cfg: cfg}, nil
}

// batch is SQS's limit of entries per batch call.
const batch = 10

// Enqueue sends the messages, 10 per SendMessageBatch. Entries SQS reports failed are
// sent again once; any still failing make the error (the producer's claims are then
// retried after their lease, so no message is lost, at worst late).
func (q *Queue) Enqueue(ctx context.Context, msgs []waitlist.Message) error {
	for start := 0; start < len(msgs); start += batch {
		chunk := msgs[start:min(start+batch, len(msgs))]
		entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
		for i, m := range chunk {
			entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(m.Encode())}
		}
		for attempt := 0; len(entries) > 0; attempt++ {
			out, err := q.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.cfg.QueueURL), Entries: entries})
			if err != nil {
				return queueError("SendMessageBatch", err)
			}
			if len(out.Failed) == 0 {
				break
			}
			if attempt == 1 {
				f := out.Failed[0]
				return apperr.Wrap(fmt.Errorf("SendMessageBatch: %d of %d entries failed, first %s: %s",
					len(out.Failed), len(entries), aws.ToString(f.Code), aws.ToString(f.Message)),
					apperr.Unavailable, "the notification queue is unavailable")
			}
			failed := map[string]bool{}
			for _, f := range out.Failed {
				failed[aws.ToString(f.Id)] = true
			}
			var retry []types.SendMessageBatchRequestEntry
			for _, e := range entries {
				if failed[aws.ToString(e.Id)] {
					retry = append(retry, e)
				}
			}
			entries = retry
		}
	}
	return nil
}

// Receive long-polls for up to max messages (1..10). A body that is not a notification
// comes back with an empty Message, for the consumer to drop.
func (q *Queue) Receive(ctx context.Context, max int) ([]waitlist.Received, error) {
	if max < 1 || max > batch {
		return nil, apperr.New(apperr.BadRequest, "max: must be between 1 and %d", batch)
	}
	out, err := q.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(q.cfg.QueueURL),
		MaxNumberOfMessages: int32(max),
		WaitTimeSeconds:     q.cfg.WaitSeconds,
	})
	if err != nil {
		return nil, queueError("ReceiveMessage", err)
	}
	res := make([]waitlist.Received, len(out.Messages))
	for i, m := range out.Messages {
		body := aws.ToString(m.Body)
		msg, _ := waitlist.DecodeMessage(body)
		res[i] = waitlist.Received{Message: msg, Body: body, Receipt: aws.ToString(m.ReceiptHandle)}
	}
	return res, nil
}

// Ack deletes received messages, 10 per DeleteMessageBatch. A receipt SQS refuses (its
// message was received again meanwhile) is reported: the message comes back, and the
// consumer drops it as stale.
func (q *Queue) Ack(ctx context.Context, receipts []string) error {
	for start := 0; start < len(receipts); start += batch {
		chunk := receipts[start:min(start+batch, len(receipts))]
		entries := make([]types.DeleteMessageBatchRequestEntry, len(chunk))
		for i, r := range chunk {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(r)}
		}
		out, err := q.api.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(q.cfg.QueueURL), Entries: entries})
		if err != nil {
			return queueError("DeleteMessageBatch", err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return apperr.Wrap(fmt.Errorf("DeleteMessageBatch: %d failed, first %s: %s", len(out.Failed), aws.ToString(f.Code), aws.ToString(f.Message)),
				apperr.Unavailable, "the notification queue is unavailable")
		}
	}
	return nil
}

// queueError maps an SQS error: a context ending or throttling is Unavailable, the rest
// (a missing queue, denied access: configuration) Internal. Neither is shown to clients.
func queueError(op string, err error) error {
	var api smithy.APIError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return apperr.Wrap(err, apperr.Unavailable, "request cancelled or timed out")
	case errors.As(err, &api) && (api.ErrorCode() == "RequestThrottled" || api.ErrorCode() == "ThrottlingException" ||
		api.ErrorCode() == "ServiceUnavailable" || api.ErrorCode() == "KmsThrottled"):
		return apperr.Wrap(err, apperr.Unavailable, "the notification queue is busy, retry later")
	}
	return apperr.Wrap(fmt.Errorf("sqs %s: %w", op, err), apperr.Internal, "internal error")
}
