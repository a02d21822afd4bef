package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Store is the single table. The domain repositories are views on it.
type Store struct {
	api    API
	table  string
	tokens *Tokenizer
}

// NewStore returns a Store over table. tokens seals the nextTokens it hands out.
func NewStore(api API, table string, tokens *Tokenizer) *Store {
	return &Store{api: api, table: table, tokens: tokens}
}

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// storeError maps an SDK error to an application error. Throttling and capacity errors
// become Unavailable (the SDK has already retried them); anything unexpected is Internal.
// Callers handle ConditionalCheckFailed themselves, since its meaning depends on the call.
func storeError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(err, apperr.Unavailable, "request cancelled or timed out")
	}
	var (
		throughput *types.ProvisionedThroughputExceededException
		limit      *types.RequestLimitExceeded
		api        smithy.APIError
	)
	switch {
	case errors.As(err, &throughput), errors.As(err, &limit):
		return apperr.Wrap(err, apperr.Unavailable, "the store is busy, retry later")
	case errors.As(err, &api) && (api.ErrorCode() == "ThrottlingException" || api.ErrorCode() == "ServiceUnavailable"):
		return apperr.Wrap(err, apperr.Unavailable, "the store is busy, retry later")
	}
	return apperr.Wrap(fmt.Errorf("%s: %w", op, err), apperr.Internal, "internal error")
}

func isConditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	var ccf *types.ConditionalCheckFailedException
	ok := errors.As(err, &ccf)
	return ccf, ok
}

// API returns the client the store uses, for table management commands.
func (s *Store) API() API { return s.api }
