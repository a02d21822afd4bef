package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Get reads one order (strongly consistent: the saga decides on it).
func (r *OrderRepository) Get(ctx context.Context, id string) (*order.Order, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(r.s.table), Key: orderKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, storeError("GetItem order", err)
	}
	if len(out.Item) == 0 {
		return nil, apperr.New(apperr.NotFound, "order %s not found", id)
	}
	return decodeOrder(out.Item)
}

// ByPaymentToken reads the guard of (customer, paymentToken), strongly consistent.
func (r *OrderRepository) ByPaymentToken(ctx context.Context, customer, paymentToken string) (string, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(r.s.table), ConsistentRead: aws.Bool(true),
		Key: primaryKey(orderKeys.GuardPK(customer, paymentToken), orderKeys.GuardSK),
	})
	if err != nil {
		return "", storeError("GetItem order guard", err)
	}
	if len(out.Item) == 0 {
		return "", apperr.New(apperr.NotFound, "no order for this paymentToken")
	}
	var g orderGuardItem
	if err := attributevalue.UnmarshalMap(out.Item, &g); err != nil {
		return "", storeError("decode order guard", err)
	}
	return g.OrderID, nil
}

// Pending reads the order saga's pending markers (saga_pending.go).
func (r *OrderRepository) Pending(ctx context.Context, limit int) ([]order.Pending, error) {
	return r.s.pending(ctx, orderMarkers, limit)
}

// DeletePending removes the pending marker of id; a missing one is no error.
func (r *OrderRepository) DeletePending(ctx context.Context, id string) error {
	return r.s.deletePending(ctx, orderMarkers, id)
}

// GetMany reads orders by id with BatchGetItem, strongly consistent (the order loader:
// aliased getOrder fields). Missing ids are absent from the map.
func (r *OrderRepository) GetMany(ctx context.Context, ids []string) (map[string]*order.Order, error) {
	return getMany(ctx, r.s, ids, orderKey, decodeOrder, func(o *order.Order) string { return o.ID })
}
