package dynamo

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Indexes of the reservation transaction's items.
const (
	reserveGuard = iota
	reserveFlight
	reserveBooking
	reservePending
)

// Reserve takes a seat and stores the booking, its guard and its pending marker in one
// TransactWriteItems (see booking.Repository):
//
//	[0] guard    Put, attribute_not_exists
//	[1] flight   Update seatCapacity − 1, attribute_exists AND seatCapacity > 0
//	[2] booking  Put, attribute_not_exists
//	[3] pending  Put
//
// The guard comes first because minidyn stops at the first failed condition (DynamoDB
// reports them all): a taken guard must win over a sold-out or missing flight on every
// endpoint. The booking is stored UNCONFIRMED, RESERVED, at version 1, whatever b says.
// Collisions with concurrent reservations of the same flight are retried (hotRetry).
func (r *BookingRepository) Reserve(ctx context.Context, b *booking.Booking) (string, error) {
	stored := *b
	stored.Status, stored.Stage, stored.Version = booking.Unconfirmed, booking.StageReserved, 1
	bookingAV, err := attributevalue.MarshalMap(newBookingItem(&stored))
	if err != nil {
		return "", storeError("encode booking", err)
	}
	guardAV, err := attributevalue.MarshalMap(bookingGuardItem{
		PK: bookingKeys.GuardPK(b.Customer, b.PaymentToken), SK: bookingKeys.GuardSK, Type: entityBookingGuard,
		BookingID: b.ID, Customer: b.Customer,
	})
	if err != nil {
		return "", storeError("encode booking guard", err)
	}
	pending, err := r.pendingPut(b.ID, b.PendingSince)
	if err != nil {
		return "", err
	}
	notExists := map[string]string{"#pk": AttrPK}
	items := make([]types.TransactWriteItem, 4)
	items[reserveGuard] = types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(r.s.table), Item: guardAV,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: notExists,
	}}
	items[reserveFlight] = types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(r.s.table),
		Key:                      flightKey(b.FlightID),
		UpdateExpression:         aws.String("SET #seats = #seats - :one"),
		ConditionExpression:      aws.String("attribute_exists(#pk) AND #seats > :zero"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#seats": attrSeatCapacity},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": intValue(1), ":zero": intValue(0),
		},
	}}
	items[reserveBooking] = types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(r.s.table), Item: bookingAV,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: notExists,
	}}
	items[reservePending] = pending

	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems booking reserve", items, hotRetry)
	switch {
	case err != nil:
		return "", err
	case len(failed) == 0:
		return "", nil
	case slices.Contains(failed, reserveGuard):
		id, err := r.ByPaymentToken(ctx, b.Customer, b.PaymentToken)
		if apperr.Is(err, apperr.NotFound) {
			// Guards are never deleted, so this cannot happen; never report a missing flight.
			return "", apperr.Wrap(err, apperr.Conflict, "a concurrent booking with this paymentToken got in the way, retry")
		}
		return id, err
	case slices.Contains(failed, reserveFlight):
		if _, err := r.s.Flights().Get(ctx, b.FlightID); err != nil {
			return "", err // NotFound: flight <id> not found
		}
		return "", apperr.New(apperr.SoldOut, "flight %s is sold out", b.FlightID)
	default:
		return "", apperr.New(apperr.Conflict, "booking %s already exists", b.ID)
	}
}
