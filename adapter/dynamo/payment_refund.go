package dynamo

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/adapter/cardsim"
)

// RefundCharge refunds (CAPTURED → REFUNDED) or voids (AUTHORIZED → VOIDED) a charge in
// one UpdateItem conditional on the status the processor read, so of concurrent refunds
// exactly one changes the charge, and a capture that lands first makes a void fail
// instead of silently discarding captured money.
func (r *ChargeStore) RefundCharge(ctx context.Context, id string, rf cardsim.Refund) (cardsim.Record, bool, error) {
	return r.transition(ctx, "UpdateItem charge refund", id, &dynamodb.UpdateItemInput{
		UpdateExpression:    aws.String("SET #status = :to, #refunded = :amt, #key = :key, #u = :now, #v = #v + :one"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #status = :from"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#status": attrChargeStatus, "#refunded": attrChargeRefundedAmount,
			"#key": attrChargeRefundKey, "#u": attrUpdatedAt, "#v": attrVersion,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":from": &types.AttributeValueMemberS{Value: string(rf.From)},
			":to":   &types.AttributeValueMemberS{Value: string(rf.To)},
			":amt":  &types.AttributeValueMemberN{Value: strconv.FormatInt(rf.Amount, 10)},
			":key":  &types.AttributeValueMemberS{Value: rf.Key},
			":now":  &types.AttributeValueMemberS{Value: formatTime(rf.At)},
			":one":  &types.AttributeValueMemberN{Value: "1"},
		},
	})
}
