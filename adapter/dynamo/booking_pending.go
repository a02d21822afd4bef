package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/skygraph/skygraph/domain/booking"
)

// Pending reads the pending markers for the recovery sweep: one Query per shard, the 16
// shards in parallel, each read up to limit markers, then at most limit in all. The sweep
// filters them on Since; one that hits the limit leaves the rest for the next sweep.
func (r *BookingRepository) Pending(ctx context.Context, limit int) ([]booking.Pending, error) {
	if limit <= 0 {
		return nil, nil
	}
	shards := make([][]booking.Pending, bookingPendingShards)
	g, gctx := errgroup.WithContext(ctx)
	for shard := range bookingPendingShards {
		g.Go(func() error {
			var err error
			shards[shard], err = r.pendingShard(gctx, shard, limit)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// Round robin over the shards, so that when there are more than limit markers every
	// shard still gets its share (a shard full of stuck sagas cannot starve the others).
	// Within a shard, markers come in id order: oldest booking first.
	var out []booking.Pending
	for i := 0; len(out) < limit; i++ {
		took := false
		for _, s := range shards {
			if i < len(s) && len(out) < limit {
				out = append(out, s[i])
				took = true
			}
		}
		if !took {
			break
		}
	}
	return out, nil
}

func (r *BookingRepository) pendingShard(ctx context.Context, shard, limit int) ([]booking.Pending, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(bookingKeys.PendingPK(shard))},
		ConsistentRead:            aws.Bool(true),
	}
	var out []booking.Pending
	for len(out) < limit {
		in.Limit = aws.Int32(int32(min(limit-len(out), 1000)))
		page, err := r.s.api.Query(ctx, in)
		if err != nil {
			return nil, storeError("Query booking pending", err)
		}
		for _, raw := range page.Items {
			var it bookingPendingItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, storeError("decode booking pending marker", err)
			}
			since, err := parseTime(it.Since)
			if err != nil {
				return nil, storeError("decode booking pending marker", fmt.Errorf("booking %s: since: %w", it.BookingID, err))
			}
			out = append(out, booking.Pending{BookingID: it.BookingID, Since: since})
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	return out, nil
}

// DeletePending removes the pending marker of bookingID; a missing one is no error.
func (r *BookingRepository) DeletePending(ctx context.Context, bookingID string) error {
	_, err := r.s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(r.s.table),
		Key:       bookingPendingKey(bookingID),
	})
	return storeError("DeleteItem booking pending marker", err)
}
