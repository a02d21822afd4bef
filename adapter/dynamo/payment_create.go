package dynamo

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/internal/apperr"
)

// CreateCharge puts the idempotency record and the charge in one transaction: the record
// on condition that no live one holds the key (none, or one past its expiresAt that TTL
// has not deleted yet), the charge on condition that its id is new. Of concurrent
// authorisations with one key exactly one creates a charge; the others get created=false
// and write nothing.
func (r *ChargeStore) CreateCharge(ctx context.Context, rec cardsim.Record, idem cardsim.Idempotency, now time.Time) (bool, error) {
	guard, err := attributevalue.MarshalMap(chargeIdempotencyItem{
		PK: chargeKeys.IdempotencyPK(idem.KeyHash), SK: chargeKeys.IdempotencySK, Type: entityChargeIdempotency,
		ChargeID: idem.ChargeID, Fingerprint: idem.Fingerprint, ExpiresAt: idem.ExpiresAt.Unix(),
	})
	if err != nil {
		return false, storeError("encode charge idempotency", err)
	}
	charge, err := attributevalue.MarshalMap(newChargeItem(rec))
	if err != nil {
		return false, storeError("encode charge", err)
	}
	items := []types.TransactWriteItem{
		{Put: &types.Put{
			TableName:                 aws.String(r.s.table),
			Item:                      guard,
			ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #exp <= :now"),
			ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#exp": AttrTTL},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": epochValue(now)},
		}},
		{Put: &types.Put{
			TableName:                aws.String(r.s.table),
			Item:                     charge,
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
		}},
	}
	failed, err := r.s.transact(ctx, "TransactWriteItems charge", items)
	switch {
	case err != nil:
		return false, err
	case slices.Contains(failed, 1):
		return false, apperr.Errorf("charge id %s is already taken", rec.ID)
	case len(failed) > 0:
		return false, nil
	}
	return true, nil
}
