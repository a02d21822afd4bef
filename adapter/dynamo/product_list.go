package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/product"
)

// List pages through the catalog in id order: a Query on GSI2 (keys only, never a Scan),
// whose items are fetched with BatchGetItem and filtered.
func (r *ProductRepository) List(ctx context.Context, q product.ListQuery) (product.Page, error) {
	scope, err := scopeOf("products.list", q.Filter)
	if err != nil {
		return product.Page{}, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(IndexGSI2),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI2PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": stringValue(productKeys.GSI2PK)},
	}
	if q.NextToken != "" {
		if in.ExclusiveStartKey, err = r.s.tokens.Open(q.NextToken, scope); err != nil {
			return product.Page{}, err
		}
	}
	var out []*product.Product
	p, err := r.s.queryPage(ctx, in, q.Limit, q.Filter != nil, gsi2KeyAttrs, r.s.resolveKeys, func(it item) (bool, error) {
		pr, err := decodeProduct(it)
		if err != nil {
			return false, err
		}
		if !q.Filter.Match(pr) {
			return false, nil
		}
		out = append(out, pr)
		return true, nil
	})
	if err != nil {
		return product.Page{}, err
	}
	next, err := r.s.sealNext(p.next, scope)
	if err != nil {
		return product.Page{}, storeError("seal nextToken", err)
	}
	return product.Page{Items: out, NextToken: next}, nil
}
