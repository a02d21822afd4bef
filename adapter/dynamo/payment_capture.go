package dynamo

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/domain/payment"
)

// CaptureCharge captures a charge in one UpdateItem conditional on status = AUTHORIZED and
// amount ≥ the captured amount, so no interleaving of concurrent captures can take money
// twice or take more than was authorised.
func (r *ChargeStore) CaptureCharge(ctx context.Context, id string, c cardsim.Capture) (cardsim.Record, bool, error) {
	in := &dynamodb.UpdateItemInput{
		UpdateExpression: aws.String("SET #status = :captured, #captured = :amt, #key = :key, #receipt = :receipt, " +
			"#u = :now, #v = #v + :one"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #status = :authorized AND #amount >= :amt"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#status": attrChargeStatus, "#amount": attrChargeAmount, "#captured": attrChargeCapturedAmount,
			"#key": attrChargeCaptureKey, "#receipt": attrChargeReceipt, "#u": attrUpdatedAt, "#v": attrVersion,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":authorized": &types.AttributeValueMemberS{Value: string(payment.StatusAuthorized)},
			":captured":   &types.AttributeValueMemberS{Value: string(payment.StatusCaptured)},
			":amt":        &types.AttributeValueMemberN{Value: strconv.FormatInt(c.Amount, 10)},
			":key":        &types.AttributeValueMemberS{Value: c.Key},
			":receipt":    &types.AttributeValueMemberS{Value: c.Receipt},
			":now":        &types.AttributeValueMemberS{Value: formatTime(c.At)},
			":one":        &types.AttributeValueMemberN{Value: "1"},
		},
	}
	if len(c.ExceptCards) > 0 {
		// NOT (card IN (…)) holds for a charge without a card token too.
		names := make([]string, len(c.ExceptCards))
		for i, t := range c.ExceptCards {
			names[i] = ":card" + strconv.Itoa(i)
			in.ExpressionAttributeValues[names[i]] = &types.AttributeValueMemberS{Value: t}
		}
		in.ExpressionAttributeNames["#card"] = attrChargeCardToken
		*in.ConditionExpression += " AND NOT (#card IN (" + strings.Join(names, ", ") + "))"
	}
	return r.transition(ctx, "UpdateItem charge capture", id, in)
}
