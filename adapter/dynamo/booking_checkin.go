package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/booking"
)

// CheckIn sets checkedIn with one UpdateItem conditional on version = prev.Version and the
// booking being CONFIRMED and DONE; otherwise it is a Conflict and writes nothing.
func (r *BookingRepository) CheckIn(ctx context.Context, prev *booking.Booking, at time.Time) (*booking.Booking, error) {
	next := *prev
	next.CheckedIn, next.UpdatedAt, next.Version = true, at, prev.Version+1
	_, err := r.s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(r.s.table),
		Key:                 bookingKey(prev.ID),
		UpdateExpression:    aws.String("SET #checked = :true, #u = :at, #v = #v + :one"),
		ConditionExpression: aws.String("#v = :v AND #status = :confirmed AND #stage = :done"),
		ExpressionAttributeNames: map[string]string{
			"#checked": attrBookingCheckedIn, "#u": attrUpdatedAt, "#v": attrVersion,
			"#status": attrBookingStatus, "#stage": attrBookingStage,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":true":      &types.AttributeValueMemberBOOL{Value: true},
			":at":        stringValue(formatTime(at)),
			":one":       intValue(1),
			":v":         intValue(prev.Version),
			":confirmed": stringValue(string(booking.Confirmed)),
			":done":      stringValue(string(booking.StageDone)),
		},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil, bookingConflict(prev.ID)
	}
	if err != nil {
		return nil, storeError("UpdateItem booking check-in", err)
	}
	return &next, nil
}
