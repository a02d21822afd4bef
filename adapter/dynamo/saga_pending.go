package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/skygraph/skygraph/domain/saga"
)

// markerSet is one paid flow's pending markers (package saga): the booking saga's, the
// order saga's. A marker exists while the flow's saga is unfinished; it is put and deleted
// inside the flow's own transactions, and the recovery sweep reads the set with one
// Query per shard (never a Scan, never an index). The key formats are in keys.go.
type markerSet struct {
	name   string
	pk     func(shard int) string
	sk     func(id string) string
	shard  func(id string) int
	shards int
	entity string
}

// Marker sets of the paid flows.
var (
	bookingMarkers = markerSet{
		name: "booking", pk: bookingKeys.PendingPK, sk: bookingKeys.PendingSK, shard: bookingKeys.Shard,
		shards: bookingPendingShards, entity: entityBookingPending,
	}
	orderMarkers = markerSet{
		name: "order", pk: orderKeys.PendingPK, sk: orderKeys.PendingSK, shard: orderKeys.Shard,
		shards: orderPendingShards, entity: entityOrderPending,
	}
)

// pendingItem is a pending marker. Its sort key is the saga's id; bookingId is kept for
// operators reading booking markers (and markers written before the machinery was shared).
type pendingItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"_type"`
	BookingID string `dynamodbav:"bookingId,omitempty"`
	OrderID   string `dynamodbav:"orderId,omitempty"`
	Since     string `dynamodbav:"since"`
}

func (m markerSet) key(id string) item { return primaryKey(m.pk(m.shard(id)), m.sk(id)) }

// put is the transaction item that stores id's marker.
func (m markerSet) put(table, id string, since string) (types.TransactWriteItem, error) {
	it := pendingItem{PK: m.pk(m.shard(id)), SK: m.sk(id), Type: m.entity, Since: since}
	if m.entity == entityBookingPending {
		it.BookingID = id
	} else {
		it.OrderID = id
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, storeError("encode "+m.name+" pending marker", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: av}}, nil
}

// delete is the transaction item that deletes id's marker (there may be none).
func (m markerSet) delete(table, id string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(table), Key: m.key(id)}}
}

// pending reads a marker set for the recovery sweep: one Query per shard, the shards in
// parallel, each read up to limit markers, then at most limit in all, taken round robin
// over the shards so that a shard full of stuck sagas cannot starve the others. Within a
// shard, markers come in id order: oldest saga first.
func (s *Store) pending(ctx context.Context, m markerSet, limit int) ([]saga.Pending, error) {
	if limit <= 0 {
		return nil, nil
	}
	shards := make([][]saga.Pending, m.shards)
	g, gctx := errgroup.WithContext(ctx)
	for shard := range m.shards {
		g.Go(func() error {
			var err error
			shards[shard], err = s.pendingShard(gctx, m, shard, limit)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []saga.Pending
	for i := 0; len(out) < limit; i++ {
		took := false
		for _, sh := range shards {
			if i < len(sh) && len(out) < limit {
				out = append(out, sh[i])
				took = true
			}
		}
		if !took {
			break
		}
	}
	return out, nil
}

func (s *Store) pendingShard(ctx context.Context, m markerSet, shard, limit int) ([]saga.Pending, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(m.pk(shard))},
		ConsistentRead:            aws.Bool(true),
	}
	var out []saga.Pending
	for len(out) < limit {
		in.Limit = aws.Int32(int32(min(limit-len(out), 1000)))
		page, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, storeError("Query "+m.name+" pending", err)
		}
		for _, raw := range page.Items {
			var it pendingItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, storeError("decode "+m.name+" pending marker", err)
			}
			since, err := parseTime(it.Since)
			if err != nil {
				return nil, storeError("decode "+m.name+" pending marker", fmt.Errorf("%s %s: since: %w", m.name, it.SK, err))
			}
			out = append(out, saga.Pending{ID: it.SK, Since: since})
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	return out, nil
}

// deletePending removes id's marker; a missing one is no error.
func (s *Store) deletePending(ctx context.Context, m markerSet, id string) error {
	_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: m.key(id)})
	return storeError("DeleteItem "+m.name+" pending marker", err)
}
