package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/loyalty"
)

var primaryKeyAttrs = []string{AttrPK, AttrSK}

// History pages through the customer's ledger, newest booking first: one Query on the
// customer's partition, ENTRY# prefix, backwards (booking ids are time-ordered), strongly
// consistent. Its nextTokens are bound to the customer.
func (r *LoyaltyRepository) History(ctx context.Context, customer string, limit int, nextToken string) (loyalty.Page, error) {
	if limit <= 0 {
		limit = loyalty.DefaultLimit
	}
	scope, err := scopeOf("loyalty.history", customer)
	if err != nil {
		return loyalty.Page{}, err
	}
	in := &dynamodb.QueryInput{
		TableName:              aws.String(r.s.table),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#sk": AttrSK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": stringValue(loyaltyKeys.PK(customer)), ":prefix": stringValue(loyaltyKeys.EntryPrefix),
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
	}
	if nextToken != "" {
		if in.ExclusiveStartKey, err = r.s.tokens.Open(nextToken, scope); err != nil {
			return loyalty.Page{}, err
		}
	}
	var entries []*loyalty.Entry
	p, err := r.s.queryPage(ctx, in, limit, false, primaryKeyAttrs, nil, func(it item) (bool, error) {
		e, err := decodeLoyaltyEntry(it)
		if err != nil {
			return false, err
		}
		entries = append(entries, e)
		return true, nil
	})
	if err != nil {
		return loyalty.Page{}, err
	}
	next, err := r.s.sealNext(p.next, scope)
	if err != nil {
		return loyalty.Page{}, storeError("seal nextToken", err)
	}
	return loyalty.Page{Items: entries, NextToken: next}, nil
}
