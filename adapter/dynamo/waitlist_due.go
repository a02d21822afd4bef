package dynamo

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Due reads the due markers with At ≤ now for the producer: one Query per shard (the 16 in
// parallel), each a range on the sort key (SK ≤ <now>#~, '~' sorting after every id
// character), strongly consistent, oldest first; then round robin over the shards up to
// limit, so a shard full of due entries cannot starve the others.
func (r *WaitlistRepository) Due(ctx context.Context, now time.Time, limit int) ([]waitlist.Due, error) {
	if limit <= 0 {
		return nil, nil
	}
	shards := make([][]waitlist.Due, waitlistDueShards)
	g, gctx := errgroup.WithContext(ctx)
	for shard := range waitlistDueShards {
		g.Go(func() error {
			var err error
			shards[shard], err = r.dueShard(gctx, shard, now, limit)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []waitlist.Due
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

func (r *WaitlistRepository) dueShard(ctx context.Context, shard int, now time.Time, limit int) ([]waitlist.Due, error) {
	in := &dynamodb.QueryInput{
		TableName:                aws.String(r.s.table),
		KeyConditionExpression:   aws.String("#pk = :pk AND #sk <= :hi"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": stringValue(waitlistKeys.DuePK(shard)),
			":hi": stringValue(now.UTC().Format(waitlistDueTimeLayout) + keySep + "~"),
		},
		ConsistentRead: aws.Bool(true),
	}
	var out []waitlist.Due
	for len(out) < limit {
		in.Limit = aws.Int32(int32(min(limit-len(out), 1000)))
		page, err := r.s.api.Query(ctx, in)
		if err != nil {
			return nil, storeError("Query waitlist due markers", err)
		}
		for _, it := range page.Items {
			sk := stringAttr(it[AttrSK])
			ts, id, ok := strings.Cut(sk, keySep)
			at, err := time.Parse(waitlistDueTimeLayout, ts)
			if !ok || err != nil {
				return nil, apperr.Errorf("waitlist due marker %q: bad sort key", sk)
			}
			out = append(out, waitlist.Due{EntryID: id, At: at})
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	return out, nil
}

// DeleteDue deletes a due marker; a missing one is no error.
func (r *WaitlistRepository) DeleteDue(ctx context.Context, d waitlist.Due) error {
	_, err := r.s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(r.s.table), Key: dueKey(d.EntryID, d.At)})
	return storeError("DeleteItem waitlist due marker", err)
}
