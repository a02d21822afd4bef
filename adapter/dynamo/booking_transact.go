package dynamo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/internal/apperr"
)

// retryPolicy bounds the retries of a transaction that collides with concurrent ones.
type retryPolicy struct {
	attempts  int
	base, cap time.Duration
}

// Retry policies of the booking transactions.
var (
	// hotRetry is for transactions on a flight item (Reserve, Cancel). Every booking of a
	// flight writes its seatCapacity, so a popular flight's item is contended by many
	// transactions at once, and DynamoDB cancels all but one of a colliding set
	// (TransactionConflict). Collisions are retried for a few seconds with capped
	// exponential backoff and full jitter, so that a caller almost never sees a Conflict,
	// only a seat, SoldOut, or the guard's booking.
	hotRetry = retryPolicy{attempts: 25, base: 10 * time.Millisecond, cap: 500 * time.Millisecond}
	// bookingRetry is for transactions on one booking and its customer's items, which
	// only the booking's own saga, a cancel and the sweep contend for.
	bookingRetry = retryPolicy{attempts: 8, base: backoffBase, cap: backoffCap}
)

// wait is a random wait in [0, min(cap, base·2^attempt)) (full jitter).
func (p retryPolicy) wait(attempt int) time.Duration {
	d := p.cap
	if attempt < 16 {
		d = min(p.cap, p.base<<attempt)
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// transactRetrying runs a TransactWriteItems like transact, with p's retry budget. Unlike
// transact it retries a collision even when some conditions failed too: the colliding
// transaction may be about to change them (a concurrent Reserve with the same guard, say),
// so only a collision-free answer is final. failed lists the indexes of the items whose
// condition failed (nil on success); a collision that outlasts the retries is a Conflict.
// ctx bounds the waits.
func (s *Store) transactRetrying(ctx context.Context, op string, items []types.TransactWriteItem, p retryPolicy) ([]int, error) {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	for attempt := 0; ; attempt++ {
		_, err := s.api.TransactWriteItems(ctx, in)
		if err == nil {
			return nil, nil
		}
		failed, conflict := cancellation(err)
		switch {
		case conflict && attempt+1 < p.attempts:
			if err := sleep(ctx, p.wait(attempt)); err != nil {
				return nil, storeError(op, err)
			}
		case len(failed) > 0:
			return failed, nil
		case conflict:
			return nil, apperr.Wrap(err, apperr.Conflict, "a concurrent change got in the way, retry")
		default:
			return nil, storeError(op, err)
		}
	}
}
