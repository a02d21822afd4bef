package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/apperr"
)

// transactAttempts bounds the retries of a transaction that collided with another
// transaction on the same items (TransactionConflict, e.g. concurrent sign-ups with one
// email): the retry then sees the winner's writes and fails its condition, or succeeds.
const transactAttempts = 6

// transact runs a TransactWriteItems, retrying collisions with concurrent transactions.
// failed lists the indexes of the items whose condition failed (nil on success); a
// collision that outlasts the retries is a Conflict.
func (s *Store) transact(ctx context.Context, op string, items []types.TransactWriteItem) (failed []int, err error) {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	for attempt := 0; ; attempt++ {
		_, err := s.api.TransactWriteItems(ctx, in)
		if err == nil {
			return nil, nil
		}
		failed, conflict := cancellation(err)
		switch {
		case len(failed) > 0:
			return failed, nil
		case conflict && attempt+1 < transactAttempts:
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return nil, storeError(op, err)
			}
		case conflict:
			return nil, apperr.Wrap(err, apperr.Conflict, "a concurrent change got in the way, retry")
		default:
			return nil, storeError(op, err)
		}
	}
}

// cancellation classifies a failed transaction: the indexes of items whose condition
// failed, or conflict when it only collided with a concurrent transaction.
func cancellation(err error) (failed []int, conflict bool) {
	var (
		cancelled *types.TransactionCanceledException
		inFlight  *types.TransactionConflictException
	)
	switch {
	case errors.As(err, &cancelled):
		for i, reason := range cancelled.CancellationReasons {
			switch aws.ToString(reason.Code) {
			case "ConditionalCheckFailed":
				failed = append(failed, i)
			case "TransactionConflict":
				conflict = true
			}
		}
		return failed, conflict
	case errors.As(err, &inFlight):
		return nil, true
	}
	return nil, false
}
