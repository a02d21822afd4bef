package dynamo

import (
	"fmt"

	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/internal/apperr"
)

// productItem is a product as stored (key formats in keys.go, productKeys).
type productItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI2PK string `dynamodbav:"GSI2PK"`
	GSI2SK string `dynamodbav:"GSI2SK"`
	Type   string `dynamodbav:"_type"`

	ID          string `dynamodbav:"id"`
	SKU         string `dynamodbav:"sku"`
	Name        string `dynamodbav:"name"`
	Description string `dynamodbav:"description"`
	Price       int    `dynamodbav:"price"`
	Currency    string `dynamodbav:"currency"`
	// Stock and Held are the hot attributes: orders change them without touching version.
	Stock     int    `dynamodbav:"stock"`
	Held      int    `dynamodbav:"held"`
	CreatedAt string `dynamodbav:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	Version   int64  `dynamodbav:"version"`
}

// productSKUItem is the guard that makes a SKU unique.
type productSKUItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"_type"`
	ProductID string `dynamodbav:"productId"`
}

// Attribute names used in product expressions; they must match the tags above.
const (
	attrProductStock = "stock"
	attrProductHeld  = "held"
	attrProductGuard = "productId"
)

func productKey(id string) item     { return primaryKey(productKeys.PK(id), productKeys.SK) }
func productSKUKey(sku string) item { return primaryKey(productKeys.SKUPK(sku), productKeys.SKUSK) }

func newProductItem(p *product.Product) productItem {
	return productItem{
		PK: productKeys.PK(p.ID), SK: productKeys.SK, GSI2PK: productKeys.GSI2PK, GSI2SK: productKeys.GSI2SK(p.ID),
		Type: entityProduct, ID: p.ID, SKU: p.SKU, Name: p.Name, Description: p.Description, Price: p.Price,
		Currency: p.Currency, Stock: p.Stock, Held: p.Held,
		CreatedAt: formatTime(p.CreatedAt), UpdatedAt: formatTime(p.UpdatedAt), Version: p.Version,
	}
}

// productItemFrom is attributevalue.UnmarshalMap(raw, &productItem{}) without reflection
// (itemReader); item_reader_test.go fails when a field of productItem is not read here.
func productItemFrom(raw item) (productItem, error) {
	r := itemReader{raw: raw}
	it := productItem{
		PK: r.str(AttrPK), SK: r.str(AttrSK), GSI2PK: r.str(AttrGSI2PK), GSI2SK: r.str(AttrGSI2SK),
		Type:        r.str(AttrType),
		ID:          r.str("id"),
		SKU:         r.str("sku"),
		Name:        r.str("name"),
		Description: r.str("description"),
		Price:       r.int("price"),
		Currency:    r.str("currency"),
		Stock:       r.int(attrProductStock),
		Held:        r.int(attrProductHeld),
		CreatedAt:   r.str("createdAt"),
		UpdatedAt:   r.str(attrUpdatedAt),
		Version:     r.int64(attrVersion, 64),
	}
	return it, r.err
}

func decodeProduct(raw item) (*product.Product, error) {
	it, err := productItemFrom(raw)
	if err != nil {
		return nil, storeError("decode product", err)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return nil, storeError("decode product", fmt.Errorf("product %s: createdAt: %w", it.ID, err))
	}
	updated, err := parseTime(it.UpdatedAt)
	if err != nil {
		return nil, storeError("decode product", fmt.Errorf("product %s: updatedAt: %w", it.ID, err))
	}
	return &product.Product{
		ID: it.ID, SKU: it.SKU, Name: it.Name, Description: it.Description, Price: it.Price, Currency: it.Currency,
		Stock: it.Stock, Held: it.Held, CreatedAt: created, UpdatedAt: updated, Version: it.Version,
	}, nil
}

func productNotFound(id string) error { return apperr.New(apperr.NotFound, "product %s not found", id) }
