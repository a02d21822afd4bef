package dynamo

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Indexes of the reservation transaction's items; the lines' products follow.
const (
	orderReserveGuard = iota
	orderReserveOrder
	orderReservePending
	orderReserveLines
)

// Reserve takes the stock of every line and stores the order, its guard and its pending
// marker in one TransactWriteItems (see order.Repository):
//
//	[0] guard    Put, attribute_not_exists
//	[1] order    Put, attribute_not_exists
//	[2] pending  Put
//	[3+i] product of line i: stock − q, held + q; attribute_exists AND stock ≥ q
//
// The guard comes first because minidyn reports only the first failed condition: a taken
// guard must win over short stock on every endpoint. All lines or none: stock can never go
// below zero, and an order never holds part of its lines. Collisions with concurrent
// orders of the same products are retried (hotRetry, as seats are).
func (r *OrderRepository) Reserve(ctx context.Context, o *order.Order) (string, error) {
	stored := *o
	stored.Status, stored.Stage, stored.Version = order.Placed, saga.Reserved, 1
	orderPut, err := r.orderPut(&stored, 0)
	if err != nil {
		return "", err
	}
	guardAV, err := attributevalue.MarshalMap(orderGuardItem{
		PK: orderKeys.GuardPK(o.Customer, o.PaymentToken), SK: orderKeys.GuardSK, Type: entityOrderGuard,
		OrderID: o.ID, Customer: o.Customer,
	})
	if err != nil {
		return "", storeError("encode order guard", err)
	}
	pending, err := orderMarkers.put(r.s.table, o.ID, formatTime(o.PendingSince))
	if err != nil {
		return "", err
	}
	items := make([]types.TransactWriteItem, orderReserveLines, orderReserveLines+len(o.Lines))
	items[orderReserveGuard] = types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(r.s.table), Item: guardAV,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}}
	items[orderReserveOrder] = orderPut
	items[orderReservePending] = pending
	for _, l := range o.Lines {
		items = append(items, r.stockChange(l.ProductID, -l.Quantity, l.Quantity))
	}

	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems order reserve", items, hotRetry)
	switch {
	case err != nil:
		return "", err
	case len(failed) == 0:
		return "", nil
	case slices.Contains(failed, orderReserveGuard):
		id, err := r.ByPaymentToken(ctx, o.Customer, o.PaymentToken)
		if apperr.Is(err, apperr.NotFound) {
			return "", apperr.Wrap(err, apperr.Conflict, "a concurrent order with this paymentToken got in the way, retry")
		}
		return id, err
	case slices.Contains(failed, orderReserveOrder):
		return "", apperr.New(apperr.Conflict, "order %s already exists", o.ID)
	}
	return "", r.explainShortStock(ctx, o)
}

// explainShortStock names every line whose product is missing or short, reading the
// products back (DynamoDB Local names every failed condition, minidyn only the first).
func (r *OrderRepository) explainShortStock(ctx context.Context, o *order.Order) error {
	ids := make([]string, len(o.Lines))
	for i, l := range o.Lines {
		ids[i] = l.ProductID
	}
	found, err := r.s.Products().GetMany(ctx, ids)
	if err != nil {
		return err
	}
	var missing, short []string
	for _, l := range o.Lines {
		p, ok := found[l.ProductID]
		switch {
		case !ok:
			missing = append(missing, l.ProductID)
		case p.Stock < l.Quantity:
			short = append(short, p.SKU)
		}
	}
	sort.Strings(short)
	switch {
	case len(missing) > 0:
		return apperr.New(apperr.NotFound, "product %s not found", strings.Join(missing, ", "))
	case len(short) > 0:
		return apperr.New(apperr.OutOfStock, "out of stock: %s", strings.Join(short, ", "))
	}
	// Sold out in the transaction, restocked before the read: still a refusal.
	return apperr.New(apperr.OutOfStock, "out of stock; the stock changed while ordering, retry")
}
