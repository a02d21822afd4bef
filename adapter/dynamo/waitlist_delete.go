package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// DeleteWaitlist deletes the waitlist item (conditional on its version), then cascades:
// its entries (found through GSI1) with their due markers, and its partition (places and
// guards), with BatchWriteItem. From the first step on, no entry of the list can be
// changed (SaveEntry checks the waitlist item), so the cascade may take its time, and one
// cut short only leaves unreachable items behind for TTL.
func (r *WaitlistRepository) DeleteWaitlist(ctx context.Context, prev *waitlist.Waitlist) error {
	_, err := r.s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(r.s.table),
		Key:                       waitlistKey(prev.ID),
		ConditionExpression:       aws.String("#v = :v"),
		ExpressionAttributeNames:  map[string]string{"#v": attrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": intValue(prev.Version)},
	})
	if _, ok := isConditionFailed(err); ok {
		if _, gerr := r.GetWaitlist(ctx, prev.ID); gerr != nil {
			return gerr
		}
		return apperr.New(apperr.Conflict, "waitlist %s was changed concurrently; read it again", prev.ID)
	}
	if err != nil {
		return storeError("DeleteItem waitlist", err)
	}
	var keys []item
	entries := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(waitlistKeys.EntryGSI1PK(prev.ID))},
	}
	if err := r.s.queryAll(ctx, entries, func(it item) error {
		e, err := decodeEntry(it)
		if err != nil {
			return err
		}
		keys = append(keys, entryKey(e.ID))
		if !e.DueAt.IsZero() {
			keys = append(keys, dueKey(e.ID, e.DueAt))
		}
		return nil
	}); err != nil {
		return err
	}
	partition := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ProjectionExpression:      aws.String("#pk, #sk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(waitlistKeys.PK(prev.ID))},
		ConsistentRead:            aws.Bool(true),
	}
	if err := r.s.queryAll(ctx, partition, func(it item) error {
		keys = append(keys, pick(it, []string{AttrPK, AttrSK}))
		return nil
	}); err != nil {
		return err
	}
	return r.s.batchDelete(ctx, keys)
}

// queryAll runs a Query to the end, handing each item to f.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput, f func(item) error) error {
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return storeError("Query", err)
		}
		for _, it := range out.Items {
			if err := f(it); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// batchDelete deletes keys with BatchWriteItem, 25 at a time, retrying unprocessed items
// with capped exponential backoff and jitter.
func (s *Store) batchDelete(ctx context.Context, keys []item) error {
	keys = dedupeKeys(keys)
	for len(keys) > 0 {
		n := min(len(keys), 25)
		reqs := make([]types.WriteRequest, n)
		for i, k := range keys[:n] {
			reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}}
		}
		keys = keys[n:]
		pending := map[string][]types.WriteRequest{s.table: reqs}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if attempt > 10 {
					return apperr.New(apperr.Unavailable, "the store is busy, retry later")
				}
				if err := sleep(ctx, backoff(attempt)); err != nil {
					return storeError("BatchWriteItem", err)
				}
			}
			out, err := s.api.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return storeError("BatchWriteItem", err)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}
