package dynamo

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/flight"
)

// Delete removes a flight if it is still at prev.Version.
func (r *FlightRepository) Delete(ctx context.Context, prev *flight.Flight) error {
	_, err := r.s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                           aws.String(r.s.table),
		Key:                                 flightKey(prev.ID),
		ConditionExpression:                 aws.String("#v = :v"),
		ExpressionAttributeNames:            map[string]string{"#v": attrVersion},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(prev.Version, 10)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := isConditionFailed(err); ok {
		return r.explainFailedWrite(ctx, ccf, prev)
	}
	return storeError("DeleteItem flight", err)
}
