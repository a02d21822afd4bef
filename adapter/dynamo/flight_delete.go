package dynamo

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Delete removes a flight if it is still at prev.Version and no seat is sold
// (seatCapacity = totalSeats), in one conditional DeleteItem: a booking that takes a seat
// concurrently makes the delete fail rather than leave the booking without its flight.
func (r *FlightRepository) Delete(ctx context.Context, prev *flight.Flight) error {
	_, err := r.s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(r.s.table),
		Key:                 flightKey(prev.ID),
		ConditionExpression: aws.String("#v = :v AND #seats = #total"),
		ExpressionAttributeNames: map[string]string{
			"#v": attrVersion, "#seats": attrSeatCapacity, "#total": attrTotalSeats,
		},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(prev.Version, 10)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := isConditionFailed(err); ok {
		err := r.explainFailedWrite(ctx, ccf, prev)
		if apperr.Is(err, apperr.BadRequest) { // same version: seats are sold
			return apperr.New(apperr.Conflict,
				"flight %s has seats sold: cancel its bookings (or set seatCapacity to totalSeats) before deleting it", prev.ID)
		}
		return err
	}
	return storeError("DeleteItem flight", err)
}
