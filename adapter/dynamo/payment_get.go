package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Charge reads a charge by id, strongly consistent: a capture or refund is visible to the
// next read, which the saga relies on to settle an unknown outcome.
func (r *ChargeStore) Charge(ctx context.Context, id string) (cardsim.Record, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.s.table),
		Key:            chargeKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return cardsim.Record{}, storeError("GetItem charge", err)
	}
	if len(out.Item) == 0 {
		return cardsim.Record{}, chargeNotFound(id)
	}
	return decodeCharge(out.Item)
}

// Idempotency reads the record of an authorisation idempotency key by its hash,
// strongly consistent. An expired record that TTL has not deleted yet is returned; the
// processor checks ExpiresAt.
func (r *ChargeStore) Idempotency(ctx context.Context, keyHash string) (cardsim.Idempotency, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.s.table),
		Key:            chargeIdempotencyKey(keyHash),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return cardsim.Idempotency{}, storeError("GetItem charge idempotency", err)
	}
	if len(out.Item) == 0 {
		return cardsim.Idempotency{}, apperr.New(apperr.NotFound, "idempotency key not found")
	}
	var it chargeIdempotencyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return cardsim.Idempotency{}, storeError("decode charge idempotency", err)
	}
	return cardsim.Idempotency{
		KeyHash: keyHash, ChargeID: it.ChargeID, Fingerprint: it.Fingerprint, ExpiresAt: unixTime(it.ExpiresAt),
	}, nil
}
