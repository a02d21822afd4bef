package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Get reads a booking by id, strongly consistent: the saga decides its next step on it.
func (r *BookingRepository) Get(ctx context.Context, id string) (*booking.Booking, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.s.table),
		Key:            bookingKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, storeError("GetItem booking", err)
	}
	if len(out.Item) == 0 {
		return nil, apperr.New(apperr.NotFound, "booking %s not found", id)
	}
	return decodeBooking(out.Item)
}

// ByPaymentToken reads the guard of (customer, paymentToken), strongly consistent, so a
// retried processBooking finds a reservation that has just committed.
func (r *BookingRepository) ByPaymentToken(ctx context.Context, customer, paymentToken string) (string, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.s.table),
		Key:            bookingGuardKey(customer, paymentToken),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", storeError("GetItem booking guard", err)
	}
	if len(out.Item) == 0 {
		return "", apperr.New(apperr.NotFound, "no booking with paymentToken %s", paymentToken)
	}
	var it bookingGuardItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return "", storeError("decode booking guard", err)
	}
	return it.BookingID, nil
}
