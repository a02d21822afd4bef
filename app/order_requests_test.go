package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/user"
)

// TestOrderListingRequestCount: a customer with 100 orders of 3 lines each reads, in one
// operation, their profile, every order, every line's product and every order's customer
// (the query). The profile is one GetItem (and primes the UserByID loader, so the
// 100 Order.customer fields cost nothing), the orders one Query (the lines live in the
// order item), the 300 lines' products one BatchGetItem (read once for the page,
// loaders.PrefetchProducts): 3 DynamoDB requests after authentication, whatever the
// number of orders. A second operation reads everything again: loader caches never
// outlive an operation.
func TestOrderListingRequestCount(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnvTB(t, be)
			ctx := context.Background()
			ps := []string{newProduct(t, e, 100, 1000).ID, newProduct(t, e, 200, 1000).ID, newProduct(t, e, 300, 1000).ID}
			c := newCustomer(t, e)
			const orders = 100
			tokens := loadAuthorize(t, e, subsOf(c.sub, orders), 600, "EUR")
			err := loadParallel(orders, 8, func(i int) error {
				_, err := e.app.Orders.Place(ctx, order.Caller{ID: c.sub}, order.PlaceInput{PaymentToken: tokens[i], Items: []*order.LineInput{
					{ProductID: ps[0], Quantity: 1}, {ProductID: ps[1], Quantity: 1}, {ProductID: ps[2], Quantity: 1},
				}})
				return err
			})
			require.NoError(t, err)

			_, err = e.app.Users.Me(ctx, user.Caller{ID: c.sub, Email: c.email})
			require.NoError(t, err)
			const doc = `{ me { orders(limit: 100) { items { items { product { name } } customer { name } } } } }`
			for run := range 2 {
				e.calls.Reset()
				_, out := e.raw(t, doc, nil, "Authorization", c.token)
				require.Nil(t, out["errors"], "%v", out)
				page := gqlData(t, out, "me")["orders"].(map[string]any)
				items := page["items"].([]any)
				require.Len(t, items, orders)
				for _, it := range items {
					require.Equal(t, map[string]any{"name": ""}, it.(map[string]any)["customer"])
					lines := it.(map[string]any)["items"].([]any)
					require.Len(t, lines, 3)
					for _, l := range lines {
						require.Equal(t, "Test product", l.(map[string]any)["product"].(map[string]any)["name"])
					}
				}
				require.Equal(t, 1, e.calls.Count("Query"), "run %d: the orders in one Query", run)
				require.Equal(t, 1, e.calls.Count("BatchGetItem"), "run %d: the products in one BatchGetItem", run)
				require.Equal(t, 1, e.calls.Count("GetItem"), "run %d: the profile", run)
				require.LessOrEqual(t, e.calls.Total(), 3, "run %d: DynamoDB requests", run)
				t.Logf("%s: run %d: %d DynamoDB requests for %d orders × 3 lines with their products", be.Name, run, e.calls.Total(), orders)
			}
		})
	}
}

func subsOf(sub string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = sub
	}
	return out
}

// TestAliasedGetOrderRequestCount: getOrder aliased several times in one query is one
// BatchGetItem (the order loader, looked ahead by the getOrder rule), not one GetItem per
// alias; another customer's order and a missing one are null, as with a single getOrder,
// and an anonymous query reads nothing.
func TestAliasedGetOrderRequestCount(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnvTB(t, be)
			ctx := context.Background()
			p := newProduct(t, e, 100, 1000).ID
			c, other := newCustomer(t, e), newCustomer(t, e)
			place := func(sub, token string) string {
				o, err := e.app.Orders.Place(ctx, order.Caller{ID: sub}, order.PlaceInput{PaymentToken: token,
					Items: []*order.LineInput{{ProductID: p, Quantity: 1}}})
				require.NoError(t, err)
				return o.ID
			}
			const own = 5
			var ids []string
			for _, tok := range loadAuthorize(t, e, subsOf(c.sub, own), 100, "EUR") {
				ids = append(ids, place(c.sub, tok))
			}
			foreign := place(other.sub, loadAuthorize(t, e, []string{other.sub}, 100, "EUR")[0])

			var q strings.Builder
			q.WriteString("{")
			for i, id := range ids {
				fmt.Fprintf(&q, " o%d: getOrder(id: %q) { id total }", i, id)
			}
			fmt.Fprintf(&q, " foreign: getOrder(id: %q) { id } missing: getOrder(id: %q) { id } }", foreign, "no-such-order")
			e.calls.Reset()
			_, out := e.raw(t, q.String(), nil, "Authorization", c.token)
			require.Nil(t, out["errors"], "%v", out)
			data := out["data"].(map[string]any)
			for i, id := range ids {
				require.Equal(t, map[string]any{"id": id, "total": 100.0}, data[fmt.Sprintf("o%d", i)])
			}
			require.Nil(t, data["foreign"], "another customer's order")
			require.Nil(t, data["missing"])
			require.Equal(t, 1, e.calls.Count("BatchGetItem"), "the orders in one BatchGetItem")
			require.Equal(t, 0, e.calls.Count("GetItem"), "no GetItem per alias")
			require.Equal(t, 1, e.calls.Total(), "DynamoDB requests")

			// Without a sign-in the fields are refused, and the look-ahead reads nothing.
			e.calls.Reset()
			_, out = e.raw(t, q.String(), nil)
			require.NotNil(t, out["errors"], "%v", out)
			require.Zero(t, e.calls.Total(), "DynamoDB requests of an anonymous getOrder")
		})
	}
}
