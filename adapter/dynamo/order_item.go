package dynamo

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
)

// OrderRepository is order.Repository on the single table, one file per access pattern
// (order_reserve.go, order_transitions.go, order_list.go, …).
type OrderRepository struct{ s *Store }

var _ order.Repository = (*OrderRepository)(nil)

// Orders returns the order repository.
func (s *Store) Orders() *OrderRepository { return &OrderRepository{s: s} }

// orderItem is an order as stored (key formats in keys.go, orderKeys). The lines live in
// the item, so one read returns a whole order.
type orderItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	GSI2PK string `dynamodbav:"GSI2PK"`
	GSI2SK string `dynamodbav:"GSI2SK"`
	Type   string `dynamodbav:"_type"`

	ID             string          `dynamodbav:"id"`
	Customer       string          `dynamodbav:"customer"`
	Status         string          `dynamodbav:"status"`
	Stage          string          `dynamodbav:"stage"`
	Lines          []orderLineItem `dynamodbav:"items"`
	Currency       string          `dynamodbav:"currency"`
	Subtotal       int             `dynamodbav:"subtotal"`
	Total          int             `dynamodbav:"total"`
	PaymentToken   string          `dynamodbav:"paymentToken"`
	PendingSince   string          `dynamodbav:"pendingSince"`
	FailureCode    string          `dynamodbav:"failureCode"`
	FailureMessage string          `dynamodbav:"failureMessage"`
	CreatedAt      string          `dynamodbav:"createdAt"`
	UpdatedAt      string          `dynamodbav:"updatedAt"`
	Version        int64           `dynamodbav:"version"`
}

type orderLineItem struct {
	ProductID string `dynamodbav:"productId"`
	Quantity  int    `dynamodbav:"quantity"`
	UnitPrice int    `dynamodbav:"unitPrice"`
	LineTotal int    `dynamodbav:"lineTotal"`
}

// orderGuardItem holds the order placed with one (customer, paymentToken).
type orderGuardItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Type     string `dynamodbav:"_type"`
	OrderID  string `dynamodbav:"orderId"`
	Customer string `dynamodbav:"customer"`
}

func orderKey(id string) item { return primaryKey(orderKeys.PK(id), orderKeys.SK) }

func newOrderItem(o *order.Order) orderItem {
	it := orderItem{
		PK: orderKeys.PK(o.ID), SK: orderKeys.SK, GSI1PK: orderKeys.GSI1PK(o.Customer), GSI1SK: orderKeys.GSI1SK(o.ID),
		GSI2PK: orderKeys.GSI2PK, GSI2SK: orderKeys.GSI2SK(string(o.Status), o.ID), Type: entityOrder,
		ID: o.ID, Customer: o.Customer, Status: string(o.Status), Stage: string(o.Stage), Currency: o.Currency,
		Subtotal: o.Subtotal, Total: o.Total, PaymentToken: o.PaymentToken, PendingSince: formatTime(o.PendingSince),
		FailureCode: string(o.FailureCode), FailureMessage: o.FailureMessage,
		CreatedAt: formatTime(o.CreatedAt), UpdatedAt: formatTime(o.UpdatedAt), Version: o.Version,
	}
	for _, l := range o.Lines {
		it.Lines = append(it.Lines, orderLineItem(l))
	}
	return it
}

// orderItemFrom is attributevalue.UnmarshalMap(raw, &orderItem{}) without reflection
// (itemReader); item_reader_test.go fails when a field of orderItem is not read here.
func orderItemFrom(raw item) (orderItem, error) {
	r := itemReader{raw: raw}
	it := orderItem{
		PK: r.str(AttrPK), SK: r.str(AttrSK),
		GSI1PK: r.str(AttrGSI1PK), GSI1SK: r.str(AttrGSI1SK), GSI2PK: r.str(AttrGSI2PK), GSI2SK: r.str(AttrGSI2SK),
		Type:           r.str(AttrType),
		ID:             r.str("id"),
		Customer:       r.str("customer"),
		Status:         r.str("status"),
		Stage:          r.str("stage"),
		Currency:       r.str("currency"),
		Subtotal:       r.int("subtotal"),
		Total:          r.int("total"),
		PaymentToken:   r.str("paymentToken"),
		PendingSince:   r.str("pendingSince"),
		FailureCode:    r.str("failureCode"),
		FailureMessage: r.str("failureMessage"),
		CreatedAt:      r.str("createdAt"),
		UpdatedAt:      r.str(attrUpdatedAt),
		Version:        r.int64(attrVersion, 64),
	}
	r.maps("items", func(l *itemReader) {
		it.Lines = append(it.Lines, orderLineItem{
			ProductID: l.str("productId"), Quantity: l.int("quantity"),
			UnitPrice: l.int("unitPrice"), LineTotal: l.int("lineTotal"),
		})
	})
	return it, r.err
}

func decodeOrder(raw item) (*order.Order, error) {
	it, err := orderItemFrom(raw)
	if err != nil {
		return nil, storeError("decode order", err)
	}
	o := &order.Order{
		ID: it.ID, Customer: it.Customer, Status: order.Status(it.Status), Stage: saga.Stage(it.Stage),
		Currency: it.Currency, Subtotal: it.Subtotal, Total: it.Total, PaymentToken: it.PaymentToken,
		FailureCode: apperr.Code(it.FailureCode), FailureMessage: it.FailureMessage, Version: it.Version,
	}
	for _, l := range it.Lines {
		o.Lines = append(o.Lines, order.Line(l))
	}
	for _, t := range []struct {
		dst *time.Time
		v   string
	}{{&o.PendingSince, it.PendingSince}, {&o.CreatedAt, it.CreatedAt}, {&o.UpdatedAt, it.UpdatedAt}} {
		var err error
		if *t.dst, err = parseTime(t.v); err != nil {
			return nil, storeError("decode order", fmt.Errorf("order %s: %w", it.ID, err))
		}
	}
	return o, nil
}

// orderPut is the transaction item that writes next over the stored order, conditional on
// the stored version being prevVersion (attribute_not_exists for a new order: 0).
func (r *OrderRepository) orderPut(next *order.Order, prevVersion int64) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(newOrderItem(next))
	if err != nil {
		return types.TransactWriteItem{}, storeError("encode order", err)
	}
	put := &types.Put{TableName: aws.String(r.s.table), Item: av}
	if prevVersion == 0 {
		put.ConditionExpression = aws.String("attribute_not_exists(#pk)")
		put.ExpressionAttributeNames = map[string]string{"#pk": AttrPK}
	} else {
		put.ConditionExpression = aws.String("#v = :v")
		put.ExpressionAttributeNames = map[string]string{"#v": attrVersion}
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": intValue(prevVersion)}
	}
	return types.TransactWriteItem{Put: put}, nil
}

// stockChange is the transaction item that moves a line's units on its product: stock by
// dStock and held by dHeld. Taking stock (dStock < 0) is conditional on enough being
// left; every change is conditional on the product existing (an update must never
// create a product out of nothing).
func (r *OrderRepository) stockChange(productID string, dStock, dHeld int) types.TransactWriteItem {
	cond := "attribute_exists(#pk)"
	values := map[string]types.AttributeValue{":ds": intValue(int64(dStock)), ":dh": intValue(int64(dHeld))}
	if dStock < 0 {
		cond += " AND #stock >= :need"
		values[":need"] = intValue(int64(-dStock))
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(r.s.table), Key: productKey(productID),
		UpdateExpression:          aws.String("SET #stock = #stock + :ds, #held = #held + :dh"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#stock": attrProductStock, "#held": attrProductHeld},
		ExpressionAttributeValues: values,
	}}
}

func orderConflict(id string) error {
	return apperr.New(apperr.Conflict, "order %s was changed concurrently; read it again", id)
}
