package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/booking"
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
