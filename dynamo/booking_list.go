package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/booking"
)

// List is an Admin's listBookings: every booking in id order (ids are UUIDv7, so oldest
// first), from a Query on GSI2 (never a Scan of the table) whose key-only items are
// fetched with BatchGetItem and filtered. GSI2 is KEYS_ONLY so that the status changes of
// every booking never write to its single BOOKINGS partition.
func (r *BookingRepository) List(ctx context.Context, q booking.ListQuery) (booking.Page, error) {
	scope, err := scopeOf("bookings.list", q.Filter)
	if err != nil {
		return booking.Page{}, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(IndexGSI2),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI2PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(bookingKeys.GSI2PK)},
	}
	if q.NextToken != "" {
		if in.ExclusiveStartKey, err = r.s.tokens.Open(q.NextToken, scope); err != nil {
			return booking.Page{}, err
		}
	}
	return r.page(ctx, in, q.Limit, q.Filter != nil, gsi2KeyAttrs, r.s.resolveKeys, scope, q.Filter.Match)
}

// resolveKeys fetches the full items behind key-only index items (strongly consistent),
// in the same order and length; nil stands for an item deleted in between.
func (s *Store) resolveKeys(ctx context.Context, keys []item) ([]item, error) {
	pks := make([]item, len(keys))
	for i, k := range keys {
		pks[i] = pick(k, []string{AttrPK, AttrSK})
	}
	items, err := s.batchGet(ctx, pks)
	if err != nil {
		return nil, err
	}
	type key struct{ pk, sk string }
	byKey := make(map[key]item, len(items))
	for _, it := range items {
		byKey[key{stringAttr(it[AttrPK]), stringAttr(it[AttrSK])}] = it
	}
	out := make([]item, len(keys))
	for i, k := range keys {
		out[i] = byKey[key{stringAttr(k[AttrPK]), stringAttr(k[AttrSK])}]
	}
	return out, nil
}
