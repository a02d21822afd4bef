package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
)

const createProductDoc = `mutation($in: CreateProductInput!) { createProduct(input: $in) { id sku name price currency stock version } }`

type productOut struct {
	ID, SKU, Name, Currency string
	Price, Stock, Version   int
}

// createProduct creates a product as Admin and returns it.
func createProduct(t *testing.T, e *env, admin, sku string, price, stock int) productOut {
	t.Helper()
	_, out := e.raw(t, createProductDoc, map[string]any{"in": map[string]any{
		"sku": sku, "name": "Product " + sku, "price": price, "currency": "EUR", "stock": stock,
	}}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	p := out["data"].(map[string]any)["createProduct"].(map[string]any)
	return productOut{
		ID: p["id"].(string), SKU: p["sku"].(string), Name: p["name"].(string), Currency: p["currency"].(string),
		Price: int(p["price"].(float64)), Stock: int(p["stock"].(float64)), Version: int(p["version"].(float64)),
	}
}

// TestProductCatalog: Admin creates, edits (compare-and-set on version) and deletes;
// SKUs are unique case-insensitively; anyone reads; invalid input is a BadRequest.
func TestProductCatalog(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) { testProductCatalog(t, newEnv(t, be, nil)) })
	}
}

func testProductCatalog(t *testing.T, e *env) {
	admin := e.signIn(t, adminEmail, adminPassword)
	p := createProduct(t, e, admin, "mug-1", 1250, 3)
	require.Equal(t, "MUG-1", p.SKU)
	require.Equal(t, 1, p.Version)

	_, out := e.raw(t, createProductDoc, map[string]any{"in": map[string]any{
		"sku": "MUG-1", "name": "Other", "price": 1, "currency": "EUR", "stock": 1,
	}}, "Authorization", admin)
	requireCode(t, out, "Conflict")
	for name, in := range map[string]map[string]any{
		"price zero":    {"sku": "X1", "name": "x", "price": 0, "currency": "EUR", "stock": 1},
		"price too big": {"sku": "X2", "name": "x", "price": 10_000_001, "currency": "EUR", "stock": 1},
		"currency":      {"sku": "X3", "name": "x", "price": 1, "currency": "euro", "stock": 1},
		"stock":         {"sku": "X4", "name": "x", "price": 1, "currency": "EUR", "stock": -1},
		"sku":           {"sku": "a b", "name": "x", "price": 1, "currency": "EUR", "stock": 1},
	} {
		_, out := e.raw(t, createProductDoc, map[string]any{"in": in}, "Authorization", admin)
		requireCode(t, out, "BadRequest")
		_ = name
	}

	const update = `mutation($in: UpdateProductInput!, $v: Int!) { updateProduct(input: $in, expectedVersion: $v) { name price stock version } }`
	_, out = e.raw(t, update, map[string]any{"in": map[string]any{"id": p.ID, "price": 1300, "stock": 5}, "v": 1}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	require.Equal(t, map[string]any{"name": "Product mug-1", "price": 1300.0, "stock": 5.0, "version": 2.0},
		out["data"].(map[string]any)["updateProduct"])
	_, out = e.raw(t, update, map[string]any{"in": map[string]any{"id": p.ID, "name": "stale"}, "v": 1}, "Authorization", admin)
	requireCode(t, out, "Conflict")

	// Anonymous reads.
	_, out = e.raw(t, `query($id: ID!) { getProduct(id: $id) { name price } }`, map[string]any{"id": p.ID})
	require.Equal(t, map[string]any{"name": "Product mug-1", "price": 1300.0}, out["data"].(map[string]any)["getProduct"])
	_, out = e.raw(t, `{ listProducts(filter: {sku: {eq: "MUG-1"}}) { items { sku } nextToken } }`, nil)
	require.Equal(t, map[string]any{"items": []any{map[string]any{"sku": "MUG-1"}}, "nextToken": nil},
		out["data"].(map[string]any)["listProducts"])

	_, out = e.raw(t, `mutation($id: ID!) { deleteProduct(id: $id) { id } }`, map[string]any{"id": p.ID}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	_, out = e.raw(t, `query($id: ID!) { getProduct(id: $id) { id } }`, map[string]any{"id": p.ID})
	require.Equal(t, map[string]any{"getProduct": nil}, out["data"])
	createProduct(t, e, admin, "MUG-1", 1, 1) // the SKU is free again
}
