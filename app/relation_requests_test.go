package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/domain/waitlist"
)

// Request counts of every nested relation (issue 13): each query is asked at a small and a
// larger size, and must cost the same DynamoDB requests at both, by depth, not by item
// count; the expected operations are named too. Each relation's loader or look-ahead rule
// (resolvers.Prefetch, loaders.InLine) is what keeps its count flat: remove one and its
// subtest fails (checked by hand, see the perf note).

// relationCost runs doc as token and returns the DynamoDB calls by operation.
func relationCost(t *testing.T, e *env, doc, token string) map[string]int {
	t.Helper()
	e.calls.Reset()
	_, out := e.raw(t, doc, nil, "Authorization", token)
	require.Nil(t, out["errors"], "%v", out)
	got := map[string]int{}
	for _, op := range []string{"GetItem", "BatchGetItem", "Query"} {
		if n := e.calls.Count(op); n > 0 {
			got[op] = n
		}
	}
	require.Equal(t, e.calls.Total(), got["GetItem"]+got["BatchGetItem"]+got["Query"], "reads only")
	return got
}

// TestBookingOutboundFlightCostsByDepth: a page of bookings on distinct flights and their
// outboundFlight: one Query and one BatchGetItem, for 2 bookings as for 6.
func TestBookingOutboundFlightCostsByDepth(t *testing.T) {
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			c := newCustomer(t, e)
			const doc = `{ getBookingByStatus(limit: 50) { items { id outboundFlight { id flightNumber } } } }`
			var costs []map[string]int
			for _, n := range []int{2, 6} {
				for range n - len(costs)*2 {
					f := newFlight(t, e, 5, 100, 30)
					_, out := book(t, e, c, authorize(t, e, c, f, "tok_visa"), f.ID)
					require.Nil(t, out["errors"], "%v", out)
				}
				costs = append(costs, relationCost(t, e, doc, c.token))
			}
			require.Equal(t, map[string]int{"Query": 1, "BatchGetItem": 1}, costs[0])
			require.Equal(t, costs[0], costs[1], "6 bookings cost what 2 cost")
		})
	}
}

// TestOrderRelationsCostsByDepth: OrderItem.product and Order.customer over a page of
// orders whose lines name distinct products, as the orders' owner (User.orders: one
// Query) and as an Admin (listOrders, whose Order.customer needs the UserByID loader):
// the same requests for 1 order each as for 4 (the Admin: 2 orders of 2 customers, then 8 of 5).
func TestOrderRelationsCostsByDepth(t *testing.T) {
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			ctx := context.Background()
			c := newCustomer(t, e)
			_, err := e.app.Users.Me(ctx, user.Caller{ID: c.sub, Email: c.email})
			require.NoError(t, err)
			admin := e.signIn(t, adminEmail, adminPassword)
			// The owner's orders, and for the Admin's page one order of another customer each
			// (so Order.customer has as many distinct ids as orders).
			place := func(c customer) string {
				p1, p2 := newProduct(t, e, 100, 10), newProduct(t, e, 200, 10)
				o, err := e.app.Orders.Place(ctx, order.Caller{ID: c.sub}, order.PlaceInput{PaymentToken: hold(t, e, c, 300, "tok_visa"),
					Items: []*order.LineInput{{ProductID: p1.ID, Quantity: 1}, {ProductID: p2.ID, Quantity: 1}}})
				require.NoError(t, err)
				return o.ID
			}
			var ids []string
			type run struct{ mine, byAdmin map[string]int }
			var runs []run
			for _, n := range []int{2, 8} {
				for len(ids) < n {
					other := newCustomer(t, e)
					_, err := e.app.Users.Me(ctx, user.Caller{ID: other.sub, Email: other.email})
					require.NoError(t, err)
					ids = append(ids, place(c), place(other))
				}
				mine := relationCost(t, e, `{ me { orders(limit: 50) { items { id items { product { name } } customer { id } } } } }`, c.token)
				byAdmin := relationCost(t, e, `{ listOrders(limit: 50) { items { id items { product { name } } customer { id } } } }`, admin)
				runs = append(runs, run{mine, byAdmin})
			}
			// me: the profile (GetItem, which primes UserByID for Order.customer), the orders
			// (one Query: User.orders), their products (one BatchGetItem: OrderItem.product).
			require.Equal(t, map[string]int{"GetItem": 1, "Query": 1, "BatchGetItem": 1}, runs[0].mine)
			require.Equal(t, runs[0].mine, runs[1].mine, "4 orders cost what 1 costs (owner)")
			// Admin: the page (one Query), its products and its customers (Order.customer, the
			// UserByID loader): one BatchGetItem each.
			require.Equal(t, 1, runs[0].byAdmin["Query"])
			require.LessOrEqual(t, runs[0].byAdmin["BatchGetItem"], 3, "Admin: the page's products and customers in a few batches")
			require.Equal(t, runs[0].byAdmin, runs[1].byAdmin, "4 orders cost what 1 costs (Admin)")
			require.Equal(t, runs[0].byAdmin, runs[1].byAdmin, "4 orders cost what 1 costs (Admin)")
		})
	}
}

// TestWaitlistLineCostsByDepth: an owner's dashboard read of one waitlist (its count, wait
// estimate, and every entry's position) reads the line once per operation (loaders.InLine),
// for 2 entries as for 8.
func TestWaitlistLineCostsByDepth(t *testing.T) {
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			ctx := context.Background()
			owner := waitlist.Caller{ID: localidp.DemoSub(ownerEmail), Owner: true}
			token := e.signIn(t, ownerEmail, ownerPassword)
			name, open := "Depth "+e.backend, true
			w, err := e.app.Waitlists.CreateWaitlist(ctx, owner, waitlist.WaitlistInput{Name: &name, IsOpen: &open})
			require.NoError(t, err)
			doc := fmt.Sprintf(`{ getWaitlist(id: %q) { id waitingCount estimatedWaitMinutes entries(limit: 50) { items { id position } } } }`, w.ID)
			var costs []map[string]int
			added := 0
			for _, n := range []int{2, 8} {
				for ; added < n; added++ {
					_, err := e.app.Waitlists.AddWaitee(ctx, owner, w.ID, waitlist.WaiteeInput{Name: "Walk In", Phone: "+14155550100", PartySize: 2})
					require.NoError(t, err)
				}
				costs = append(costs, relationCost(t, e, doc, token))
			}
			// The waitlist (GetItem), its entries (Query) and its line, once (Query).
			require.Equal(t, map[string]int{"GetItem": 1, "Query": 2}, costs[0])
			require.Equal(t, costs[0], costs[1], "8 entries cost what 2 cost")
			t.Logf("%s: %v", e.backend, costs[0])
		})
	}
}

// TestWaitlistEntryWaitlistCostsByDepth: a customer's entries on several waitlists
// (myWaitlistEntries) with each entry's waitlist read their waitlists in one BatchGetItem
// (loaders.Waitlists and its look-ahead rule), for 2 waitlists as for 6.
func TestWaitlistEntryWaitlistCostsByDepth(t *testing.T) {
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			ctx := context.Background()
			owner := waitlist.Caller{ID: localidp.DemoSub(ownerEmail), Owner: true}
			customer := waitlist.Caller{ID: localidp.DemoSub(demoEmail)}
			token := e.signIn(t, demoEmail, demoPassword)
			doc := `{ myWaitlistEntries(limit: 50) { items { id waitlist { id name } } } }`
			var costs []map[string]int
			joined := 0
			for _, n := range []int{2, 6} {
				for ; joined < n; joined++ {
					name, open := fmt.Sprintf("Lists %s %d", e.backend, joined), true
					w, err := e.app.Waitlists.CreateWaitlist(ctx, owner, waitlist.WaitlistInput{Name: &name, IsOpen: &open})
					require.NoError(t, err)
					_, err = e.app.Waitlists.JoinWaitlist(ctx, customer, w.ID, waitlist.WaiteeInput{Name: "Demo", Phone: "+14155550100", PartySize: 2})
					require.NoError(t, err)
				}
				costs = append(costs, relationCost(t, e, doc, token))
			}
			// The customer's entries (a Query of their index, a BatchGetItem of the entries),
			// then their waitlists in one more batch.
			require.Equal(t, map[string]int{"Query": 1, "BatchGetItem": 2}, costs[0])
			require.Equal(t, costs[0], costs[1], "6 waitlists cost what 2 cost")
			t.Logf("%s: %v", e.backend, costs[0])
		})
	}
}
