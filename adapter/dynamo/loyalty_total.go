package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Total reads the customer's running total (GetItem, strongly consistent: a confirmation
// that returned is counted). A customer with no points has no total item: 0.
func (r *LoyaltyRepository) Total(ctx context.Context, customer string) (int64, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.s.table),
		Key:            loyaltyTotalKey(customer),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, storeError("GetItem loyalty total", err)
	}
	if len(out.Item) == 0 {
		return 0, nil
	}
	var it loyaltyTotalItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return 0, storeError("decode loyalty total", err)
	}
	return it.Points, nil
}
