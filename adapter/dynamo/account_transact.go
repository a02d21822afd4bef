package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// transactAttempts bounds the retries of a transaction that collided with another
// transaction on the same items (TransactionConflict, e.g. concurrent sign-ups with one
// email): the retry then sees the winner's writes and fails its condition, or succeeds.
const transactAttempts = 6

// transact runs a TransactWriteItems, retrying collisions with concurrent transactions
// (see transactRetrying) up to transactAttempts times.
func (s *Store) transact(ctx context.Context, op string, items []types.TransactWriteItem) (failed []int, err error) {
	return s.transactRetrying(ctx, op, items, retryPolicy{attempts: transactAttempts, base: backoffBase, cap: backoffCap})
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
