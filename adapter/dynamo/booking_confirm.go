package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/loyalty"
)

// Confirm confirms prev and awards its points in one TransactWriteItems:
//
//	booking  Update CONFIRMED/DONE, reference, GSI1SK; version = prev AND UNCONFIRMED AND RESERVED
//	entry    Put (prev.ID, prev.Points, ACTIVE); attribute_not_exists
//	total    Update points = if_not_exists(points, 0) + prev.Points
//	pending  Delete
//
// So points are awarded exactly when the booking is confirmed, and at most once per
// booking. Any failed condition is a Conflict and writes nothing. The booking returned is
// prev with the changes applied (no read).
func (r *BookingRepository) Confirm(ctx context.Context, prev *booking.Booking, reference string, at time.Time) (*booking.Booking, error) {
	next := *prev
	next.Status, next.Stage, next.BookingReference = booking.Confirmed, booking.StageDone, reference
	next.PendingSince, next.UpdatedAt, next.Version = time.Time{}, at, prev.Version+1

	entryAV, err := attributevalue.MarshalMap(newLoyaltyEntryItem(&loyalty.Entry{
		Customer: prev.Customer, BookingID: prev.ID, Points: prev.Points, Status: loyalty.Active,
		CreatedAt: at, UpdatedAt: at,
	}))
	if err != nil {
		return nil, storeError("encode loyalty entry", err)
	}
	items := []types.TransactWriteItem{
		r.bookingUpdate(prev,
			"#status = :confirmed, #stage = :done, #ref = :ref, #gsi1sk = :gsi1sk, #pending = :empty, #u = :at",
			"#status = :unconfirmed AND #stage = :reserved",
			map[string]string{
				"#status": attrBookingStatus, "#stage": attrBookingStage, "#ref": attrBookingReference,
				"#gsi1sk": AttrGSI1SK, "#pending": attrBookingPendingSince,
			},
			map[string]types.AttributeValue{
				":confirmed":   stringValue(string(booking.Confirmed)),
				":unconfirmed": stringValue(string(booking.Unconfirmed)),
				":done":        stringValue(string(booking.StageDone)),
				":reserved":    stringValue(string(booking.StageReserved)),
				":ref":         stringValue(reference),
				":gsi1sk":      stringValue(bookingKeys.GSI1SK(string(booking.Confirmed), prev.ID)),
				":empty":       stringValue(""),
				":at":          stringValue(formatTime(at)),
			}),
		{Put: &types.Put{
			TableName: aws.String(r.s.table), Item: entryAV,
			ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
		}},
		r.totalAdd(prev.Customer, prev.Points),
		r.pendingDelete(prev.ID),
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems booking confirm", items, bookingRetry)
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, bookingConflict(prev.ID)
	}
	return &next, nil
}

// totalAdd adds delta (negative to revoke) to the customer's loyalty total, creating it.
func (r *BookingRepository) totalAdd(customer string, delta int64) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:        aws.String(r.s.table),
		Key:              loyaltyTotalKey(customer),
		UpdateExpression: aws.String("SET #points = if_not_exists(#points, :zero) + :delta, #type = :type, #customer = :customer"),
		ExpressionAttributeNames: map[string]string{
			"#points": attrLoyaltyPoints, "#type": AttrType, "#customer": attrLoyaltyCustomer,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": intValue(0), ":delta": intValue(delta),
			":type": stringValue(entityLoyaltyTotal), ":customer": stringValue(customer),
		},
	}}
}
