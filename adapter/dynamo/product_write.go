package dynamo

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/internal/apperr"
)

// catalogRetry is for catalog writes: they share the product item with concurrent
// orders (stock), so collisions are retried like the reservations they collide with.
var catalogRetry = hotRetry

// Create puts the product and its SKU guard in one transaction, both conditional on not
// existing (the guard first: minidyn reports only the first failed condition).
func (r *ProductRepository) Create(ctx context.Context, p *product.Product) error {
	av, err := attributevalue.MarshalMap(newProductItem(p))
	if err != nil {
		return storeError("encode product", err)
	}
	guard, err := r.skuPut(p.SKU, p.ID)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{guard, {Put: &types.Put{
		TableName: aws.String(r.s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}}}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems product create", items, catalogRetry)
	switch {
	case err != nil:
		return err
	case slices.Contains(failed, 0):
		return apperr.New(apperr.Conflict, "sku %s is already used by another product", p.SKU)
	case len(failed) > 0:
		return apperr.New(apperr.Conflict, "product %s already exists", p.ID)
	}
	return nil
}

// skuPut claims sku for product id (condition: unclaimed).
func (r *ProductRepository) skuPut(sku, id string) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(productSKUItem{
		PK: productKeys.SKUPK(sku), SK: productKeys.SKUSK, Type: entityProductSKU, ProductID: id,
	})
	if err != nil {
		return types.TransactWriteItem{}, storeError("encode product sku guard", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(r.s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}}, nil
}

// skuDelete frees sku, only if product id holds it.
func (r *ProductRepository) skuDelete(sku, id string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(r.s.table), Key: productSKUKey(sku),
		ConditionExpression:       aws.String("#id = :id"),
		ExpressionAttributeNames:  map[string]string{"#id": attrProductGuard},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": stringValue(id)},
	}}
}

// Update writes next's catalog fields over prev in one transaction conditional on
// prev.Version. Stock is shifted by next.Stock − prev.Stock on the stored value (never
// set from the stale copy), refusing to go below zero; a changed SKU moves its guard in
// the same transaction. Items: [0] product, then [1] new guard and [2] old guard.
func (r *ProductRepository) Update(ctx context.Context, prev, next *product.Product) error {
	names := map[string]string{
		"#v": attrVersion, "#stock": attrProductStock, "#sku": "sku", "#name": "name", "#desc": "description",
		"#price": "price", "#cur": "currency", "#u": attrUpdatedAt,
	}
	delta := next.Stock - prev.Stock
	values := map[string]types.AttributeValue{
		":v": intValue(prev.Version), ":nv": intValue(prev.Version + 1), ":sku": stringValue(next.SKU),
		":name": stringValue(next.Name), ":desc": stringValue(next.Description), ":price": intValue(int64(next.Price)),
		":cur": stringValue(next.Currency), ":u": stringValue(formatTime(next.UpdatedAt)), ":d": intValue(int64(delta)),
	}
	cond := "attribute_exists(PK) AND #v = :v"
	if delta < 0 {
		values[":negd"] = intValue(int64(-delta))
		cond += " AND #stock >= :negd"
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(r.s.table), Key: productKey(prev.ID),
		UpdateExpression: aws.String("SET #v = :nv, #sku = :sku, #name = :name, #desc = :desc, #price = :price, " +
			"#cur = :cur, #u = :u, #stock = #stock + :d"),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}}
	if next.SKU != prev.SKU {
		guard, err := r.skuPut(next.SKU, prev.ID)
		if err != nil {
			return err
		}
		items = append(items, guard, r.skuDelete(prev.SKU, prev.ID))
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems product update", items, catalogRetry)
	switch {
	case err != nil:
		return err
	case len(failed) == 0:
		return nil
	case slices.Contains(failed, 1):
		return apperr.New(apperr.Conflict, "sku %s is already used by another product", next.SKU)
	}
	cur, err := r.Get(ctx, prev.ID)
	if err != nil {
		return err
	}
	if cur.Version != prev.Version {
		return apperr.New(apperr.Conflict, "product %s was changed concurrently", prev.ID)
	}
	return apperr.New(apperr.BadRequest, "stock: %d units were sold meanwhile; only %d are left to take away", prev.Stock-cur.Stock, cur.Stock)
}

// Delete removes the product (conditional on prev.Version and no held units) and frees
// its SKU in one transaction: an order that reserves units concurrently makes it fail.
func (r *ProductRepository) Delete(ctx context.Context, prev *product.Product) error {
	items := []types.TransactWriteItem{{Delete: &types.Delete{
		TableName: aws.String(r.s.table), Key: productKey(prev.ID),
		ConditionExpression:       aws.String("#v = :v AND #held = :zero"),
		ExpressionAttributeNames:  map[string]string{"#v": attrVersion, "#held": attrProductHeld},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": intValue(prev.Version), ":zero": intValue(0)},
	}}, r.skuDelete(prev.SKU, prev.ID)}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems product delete", items, catalogRetry)
	if err != nil || len(failed) == 0 {
		return err
	}
	cur, err := r.Get(ctx, prev.ID)
	if err != nil {
		return err
	}
	if cur.Version != prev.Version {
		return apperr.New(apperr.Conflict, "product %s was changed concurrently", prev.ID)
	}
	return apperr.New(apperr.Conflict, "product %s is held by open orders (%d units): deliver or cancel them first", prev.ID, cur.Held)
}
