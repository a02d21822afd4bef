package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

// chargeItem is a simulated charge as stored.
type chargeItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"_type"`

	ID             string `dynamodbav:"id"`
	Customer       string `dynamodbav:"customer"`
	Amount         int64  `dynamodbav:"amount"`
	Currency       string `dynamodbav:"currency"`
	Status         string `dynamodbav:"status"`
	CapturedAmount int64  `dynamodbav:"capturedAmount"`
	RefundedAmount int64  `dynamodbav:"refundedAmount"`
	Receipt        string `dynamodbav:"receipt"`
	CardBrand      string `dynamodbav:"cardBrand"`
	CardLast4      string `dynamodbav:"cardLast4"`
	FailureCode    string `dynamodbav:"failureCode"`
	FailureMessage string `dynamodbav:"failureMessage"`
	CardToken      string `dynamodbav:"cardToken"`
	// CaptureKey and RefundKey are "" until the capture or refund; they are written with
	// SET only (never REMOVE), which minidyn v0.8.2 would ignore next to SET.
	CaptureKey string `dynamodbav:"captureKey"`
	RefundKey  string `dynamodbav:"refundKey"`
	CreatedAt  string `dynamodbav:"createdAt"`
	UpdatedAt  string `dynamodbav:"updatedAt"`
	Version    int64  `dynamodbav:"version"`
}

// chargeIdempotencyItem remembers which charge an authorisation idempotency key made.
// ExpiresAt is the table's TTL attribute.
type chargeIdempotencyItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Type        string `dynamodbav:"_type"`
	ChargeID    string `dynamodbav:"chargeId"`
	Fingerprint string `dynamodbav:"fingerprint"`
	ExpiresAt   int64  `dynamodbav:"expiresAt"`
}

// Attribute names used in charge expressions; they must match the tags above.
const (
	attrChargeStatus         = "status"
	attrChargeAmount         = "amount"
	attrChargeCapturedAmount = "capturedAmount"
	attrChargeRefundedAmount = "refundedAmount"
	attrChargeReceipt        = "receipt"
	attrChargeCaptureKey     = "captureKey"
	attrChargeRefundKey      = "refundKey"
	attrChargeCardToken      = "cardToken"
)

func chargeKey(id string) item { return primaryKey(chargeKeys.PK(id), chargeKeys.SK) }

func chargeIdempotencyKey(hash string) item {
	return primaryKey(chargeKeys.IdempotencyPK(hash), chargeKeys.IdempotencySK)
}

func newChargeItem(r cardsim.Record) chargeItem {
	return chargeItem{
		PK: chargeKeys.PK(r.ID), SK: chargeKeys.SK, Type: entityCharge,
		ID: r.ID, Customer: r.Customer, Amount: r.Amount, Currency: r.Currency, Status: string(r.Status),
		CapturedAmount: r.CapturedAmount, RefundedAmount: r.RefundedAmount, Receipt: r.Receipt,
		CardBrand: r.CardBrand, CardLast4: r.CardLast4, FailureCode: r.FailureCode, FailureMessage: r.FailureMessage,
		CardToken: r.CardToken, CaptureKey: r.CaptureKey, RefundKey: r.RefundKey,
		CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTime(r.UpdatedAt), Version: r.Version,
	}
}

func decodeCharge(raw item) (cardsim.Record, error) {
	var it chargeItem
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return cardsim.Record{}, storeError("decode charge", err)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return cardsim.Record{}, storeError("decode charge", fmt.Errorf("charge %s: createdAt: %w", it.ID, err))
	}
	updated, err := parseTime(it.UpdatedAt)
	if err != nil {
		return cardsim.Record{}, storeError("decode charge", fmt.Errorf("charge %s: updatedAt: %w", it.ID, err))
	}
	return cardsim.Record{
		Charge: payment.Charge{
			ID: it.ID, Customer: it.Customer, Amount: it.Amount, Currency: it.Currency, Status: payment.Status(it.Status),
			CapturedAmount: it.CapturedAmount, RefundedAmount: it.RefundedAmount, Receipt: it.Receipt,
			CardBrand: it.CardBrand, CardLast4: it.CardLast4, FailureCode: it.FailureCode, FailureMessage: it.FailureMessage,
			CreatedAt: created, UpdatedAt: updated, Version: it.Version,
		},
		CardToken: it.CardToken, CaptureKey: it.CaptureKey, RefundKey: it.RefundKey,
	}, nil
}

// transition runs a conditional UpdateItem of the charge id that returns the new item,
// and on a failed condition the current one (ReturnValuesOnConditionCheckFailure, or a
// strongly consistent read when the endpoint returned none, as minidyn may). A missing
// charge is NotFound.
func (r *ChargeStore) transition(ctx context.Context, op, id string, in *dynamodb.UpdateItemInput) (cardsim.Record, bool, error) {
	in.TableName = aws.String(r.s.table)
	in.Key = chargeKey(id)
	in.ReturnValues = types.ReturnValueAllNew
	in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	out, err := r.s.api.UpdateItem(ctx, in)
	if ccf, ok := isConditionFailed(err); ok {
		if len(ccf.Item) > 0 {
			rec, err := decodeCharge(ccf.Item)
			return rec, false, err
		}
		rec, err := r.Charge(ctx, id)
		return rec, false, err
	}
	if err != nil {
		return cardsim.Record{}, false, storeError(op, err)
	}
	rec, err := decodeCharge(out.Attributes)
	return rec, err == nil, err
}

// chargeNotFound is the store's NotFound for a charge id.
func chargeNotFound(id string) error { return apperr.New(apperr.NotFound, "charge %s not found", id) }

func epochValue(t time.Time) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(t.Unix(), 10)}
}
