package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skygraph/skygraph/domain/product"
)

// Get reads one product (GetItem, strongly consistent: stock must be current).
func (r *ProductRepository) Get(ctx context.Context, id string) (*product.Product, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(r.s.table), Key: productKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, storeError("GetItem product", err)
	}
	if len(out.Item) == 0 {
		return nil, productNotFound(id)
	}
	return decodeProduct(out.Item)
}

// GetMany reads products by id with BatchGetItem (the ProductByID loader and the order
// saga's pricing read).
func (r *ProductRepository) GetMany(ctx context.Context, ids []string) (map[string]*product.Product, error) {
	return getMany(ctx, r.s, ids, productKey, decodeProduct, func(p *product.Product) string { return p.ID })
}
