package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/order"
)

// ByCustomer is a customer's orders, newest first: one Query on GSI1 (projection ALL, so
// the page needs no second read), ORDER_CUSTOMER#<sub> descending by id (UUIDv7).
func (r *OrderRepository) ByCustomer(ctx context.Context, q order.CustomerQuery) (order.Page, error) {
	scope, err := scopeOf("orders.byCustomer", q.Customer)
	if err != nil {
		return order.Page{}, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(orderKeys.GSI1PK(q.Customer))},
		ScanIndexForward:          aws.Bool(false),
	}
	return r.page(ctx, in, q.Limit, q.NextToken, scope, gsi1KeyAttrs, nil)
}

// List is an Admin's listing on GSI2 (keys only): ORDERS, sorted by <status>#<id>, read
// newest first; a status narrows it with begins_with. The orders are fetched with
// BatchGetItem.
func (r *OrderRepository) List(ctx context.Context, q order.ListQuery) (order.Page, error) {
	scope, err := scopeOf("orders.list", q.Status)
	if err != nil {
		return order.Page{}, err
	}
	cond := "#pk = :pk"
	names := map[string]string{"#pk": AttrGSI2PK}
	values := map[string]types.AttributeValue{":pk": stringValue(orderKeys.GSI2PK)}
	if q.Status != nil {
		cond += " AND begins_with(#sk, :sk)"
		names["#sk"] = AttrGSI2SK
		values[":sk"] = stringValue(orderKeys.GSI2SK(string(*q.Status), ""))
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(r.s.table), IndexName: aws.String(IndexGSI2),
		KeyConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ScanIndexForward: aws.Bool(false),
	}
	return r.page(ctx, in, q.Limit, q.NextToken, scope, gsi2KeyAttrs, r.s.resolveKeys)
}

func (r *OrderRepository) page(ctx context.Context, in *dynamodb.QueryInput, limit int, token, scope string,
	keyAttrs []string, resolve func(context.Context, []item) ([]item, error),
) (order.Page, error) {
	if token != "" {
		var err error
		if in.ExclusiveStartKey, err = r.s.tokens.Open(token, scope); err != nil {
			return order.Page{}, err
		}
	}
	var out []*order.Order
	// The index entry may lag the item (GSIs are eventually consistent): an item whose
	// status no longer matches the query is skipped rather than shown under a wrong status.
	p, err := r.s.queryPage(ctx, in, limit, resolve != nil, keyAttrs, resolve, func(it item) (bool, error) {
		o, err := decodeOrder(it)
		if err != nil {
			return false, err
		}
		if sk, ok := in.ExpressionAttributeValues[":sk"]; ok && orderKeys.GSI2SK(string(o.Status), "") != stringAttr(sk) {
			return false, nil
		}
		out = append(out, o)
		return true, nil
	})
	if err != nil {
		return order.Page{}, err
	}
	next, err := r.s.sealNext(p.next, scope)
	if err != nil {
		return order.Page{}, storeError("seal nextToken", err)
	}
	return order.Page{Items: out, NextToken: next}, nil
}
