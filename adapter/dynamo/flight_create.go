package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Create puts a new flight; the condition on PK makes an id collision a Conflict instead
// of an overwrite.
func (r *FlightRepository) Create(ctx context.Context, f *flight.Flight) error {
	av, err := attributevalue.MarshalMap(newFlightItem(f))
	if err != nil {
		return storeError("encode flight", err)
	}
	_, err = r.s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(r.s.table),
		Item:                     av,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	})
	if _, ok := isConditionFailed(err); ok {
		return apperr.New(apperr.Conflict, "flight %s already exists", f.ID)
	}
	return storeError("PutItem flight", err)
}
