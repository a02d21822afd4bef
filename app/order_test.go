package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Order tests: the placeOrder saga end to end through the GraphQL API, on every backend.

const placeOrderDoc = `mutation($in: PlaceOrderInput!) {
  placeOrder(input: $in) {
    id customerId status currency subtotal total paymentToken failureReason
    items { productId quantity unitPrice lineTotal product { sku name } }
    payment { status capturedAmount refundedAmount }
  }
}`

type orderOut struct {
	ID, CustomerID, Status, Currency, PaymentToken string
	Subtotal, Total                                int
	FailureReason                                  *string
	Items                                          []struct {
		ProductID                      string
		Quantity, UnitPrice, LineTotal int
		Product                        *struct{ SKU, Name string }
	}
	Payment *struct {
		Status                         string
		CapturedAmount, RefundedAmount int64
	}
}

var productSeq atomic.Int64

// newProduct creates a product (EUR unless currency is given) through the service.
func newProduct(t testing.TB, e *env, price, stock int, currency ...string) *product.Product {
	t.Helper()
	cur := "EUR"
	if len(currency) > 0 {
		cur = currency[0]
	}
	p, err := e.app.Products.Create(context.Background(), product.CreateInput{
		SKU: fmt.Sprintf("T-%d-%d", time.Now().UnixNano(), productSeq.Add(1)), Name: "Test product", Price: price, Currency: cur, Stock: stock,
	})
	require.NoError(t, err)
	productInitial.mu.Lock()
	productInitial.m[p.ID] = stock
	productInitial.mu.Unlock()
	return p
}

// hold authorizes amount (EUR unless given) on card for customer c and returns the token.
func hold(t testing.TB, e *env, c customer, amount int64, card string, currency ...string) string {
	t.Helper()
	cur := "EUR"
	if len(currency) > 0 {
		cur = currency[0]
	}
	ch, err := e.app.Payments.Authorize(context.Background(), c.sub, payment.AuthorizeInput{Amount: amount, Currency: cur, CardToken: card})
	if card == cardsim.TokenChargeDeclined {
		require.Equal(t, apperr.PaymentDeclined, apperr.CodeOf(err))
	} else {
		require.NoError(t, err)
	}
	return ch.ID
}

type line struct {
	id string
	q  int
}

func orderVars(token string, lines ...line) map[string]any {
	items := make([]any, len(lines))
	for i, l := range lines {
		items[i] = map[string]any{"productId": l.id, "quantity": l.q}
	}
	return map[string]any{"in": map[string]any{"items": items, "paymentToken": token}}
}

// place runs placeOrder as c and returns the order (nil on error) and the raw answer.
func place(t *testing.T, e *env, c customer, token string, lines ...line) (*orderOut, map[string]any) {
	t.Helper()
	_, out := e.raw(t, placeOrderDoc, orderVars(token, lines...), "Authorization", c.token)
	d, _ := out["data"].(map[string]any)
	if d == nil || d["placeOrder"] == nil {
		return nil, out
	}
	raw, err := json.Marshal(d["placeOrder"])
	require.NoError(t, err)
	var o orderOut
	require.NoError(t, json.Unmarshal(raw, &o))
	return &o, out
}

func stockOf(t testing.TB, e *env, id string) (stock, held int) {
	t.Helper()
	p, err := e.app.Store.Products().Get(context.Background(), id)
	require.NoError(t, err)
	return p.Stock, p.Held
}

// TestPlaceOrderFlow: pricing from the catalog, one capture of exactly the total, every
// invalid line reported at once with nothing stored, reads only for the owner and Admin,
// and cancellation giving money and stock back.
func TestPlaceOrderFlow(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnvTB(t, b)
			ctx := context.Background()
			mug, tee := newProduct(t, e, 1250, 5), newProduct(t, e, 1999, 2)
			usd := newProduct(t, e, 500, 9, "USD")
			alice, bob := newCustomer(t, e), newCustomer(t, e)
			admin := e.signIn(t, adminEmail, adminPassword)

			// Every invalid line at once, nothing stored, the hold untouched.
			tok := hold(t, e, alice, 10_000, cardsim.TokenVisa)
			_, out := place(t, e, alice, tok, line{mug.ID, 0}, line{"no-such-product", 1}, line{mug.ID, 1}, line{usd.ID, 1})
			msg := requireCode(t, out, "BadRequest")["message"].(string)
			for _, want := range []string{"items[0].quantity", "items[1].productId", "items[2].productId"} {
				require.Contains(t, msg, want)
			}
			_, out = place(t, e, alice, tok, line{tee.ID, 1}, line{"no-such-product", 1}, line{usd.ID, 1})
			msg = requireCode(t, out, "BadRequest")["message"].(string)
			require.Contains(t, msg, "items[1].productId: product no-such-product not found")
			require.Contains(t, msg, "one currency")
			_, out = place(t, e, alice, tok, line{tee.ID, 3})
			requireCode(t, out, "OutOfStock")
			_, err := e.app.Store.Orders().ByPaymentToken(ctx, alice.sub, tok)
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "a refused order stores nothing")
			require.Equal(t, payment.StatusAuthorized, chargeStatus(t, e, alice, tok))
			s, h := stockOf(t, e, tee.ID)
			require.Equal(t, []int{2, 0}, []int{s, h})

			// A hold below the total is refused before any stock is taken.
			small := hold(t, e, alice, 1000, cardsim.TokenVisa)
			_, out = place(t, e, alice, small, line{mug.ID, 1})
			requireCode(t, out, "BadRequest")
			s, _ = stockOf(t, e, mug.ID)
			require.Equal(t, 5, s)

			// The paid order: priced from the catalog, exactly the total captured.
			o, out := place(t, e, alice, tok, line{mug.ID, 2}, line{tee.ID, 1})
			require.Nil(t, out["errors"], "%v", out)
			require.Equal(t, "PAID", o.Status)
			require.Equal(t, alice.sub, o.CustomerID)
			require.Equal(t, 2*1250+1999, o.Total)
			require.Equal(t, o.Total, o.Subtotal)
			require.Equal(t, 2500, o.Items[0].LineTotal)
			require.Equal(t, mug.SKU, o.Items[0].Product.SKU)
			require.Equal(t, "CAPTURED", o.Payment.Status)
			require.EqualValues(t, o.Total, o.Payment.CapturedAmount)
			s, h = stockOf(t, e, mug.ID)
			require.Equal(t, []int{3, 2}, []int{s, h})

			// Reads: the owner and Admin see it; another customer gets null, never Unauthorized.
			get := `query($id: ID!) { getOrder(id: $id) { id status } }`
			_, out = e.raw(t, get, map[string]any{"id": o.ID}, "Authorization", alice.token)
			require.Equal(t, o.ID, gqlData(t, out, "getOrder")["id"])
			_, out = e.raw(t, get, map[string]any{"id": o.ID}, "Authorization", admin)
			require.Equal(t, o.ID, gqlData(t, out, "getOrder")["id"])
			_, out = e.raw(t, get, map[string]any{"id": o.ID}, "Authorization", bob.token)
			require.Nil(t, out["errors"])
			require.Equal(t, map[string]any{"getOrder": nil}, out["data"])
			_, out = e.raw(t, `mutation($id: ID!) { cancelOrder(id: $id) { id } }`, map[string]any{"id": o.ID}, "Authorization", bob.token)
			requireCode(t, out, "NotFound")
			_, out = e.raw(t, `{ listOrders { items { id } } }`, nil, "Authorization", bob.token)
			require.Equal(t, []any{}, gqlData(t, out, "listOrders")["items"])
			_, out = e.raw(t, `{ listOrders { items { id customerId customer { id } } } }`, nil, "Authorization", alice.token)
			require.Equal(t, []any{map[string]any{"id": o.ID, "customerId": alice.sub, "customer": map[string]any{"id": alice.sub}}},
				gqlData(t, out, "listOrders")["items"], "alice signed up outside the API: her first placeOrder created her profile")
			_, out = e.raw(t, `{ me { id } listOrders { items { customer { id } } } }`, nil, "Authorization", alice.token)
			require.Nil(t, out["errors"], "%v", out)
			_, out = e.raw(t, `{ listOrders { items { customer { id } } } }`, nil, "Authorization", alice.token)
			require.Equal(t, []any{map[string]any{"customer": map[string]any{"id": alice.sub}}},
				gqlData(t, out, "listOrders")["items"], "Order.customer: the profile, created on first use")
			_, out = e.raw(t, `query($id: ID!) { getOrder(id: $id) { customer { id } } }`, map[string]any{"id": o.ID}, "Authorization", admin)
			require.Equal(t, map[string]any{"id": alice.sub}, gqlData(t, out, "getOrder")["customer"], "Admin sees the customer")
			_, out = e.raw(t, `{ listOrders(status: PAID) { items { id } } }`, nil, "Authorization", alice.token)
			requireCode(t, out, "BadRequest")
			_, out = e.raw(t, `{ listOrders(status: PAID) { items { id } } }`, nil, "Authorization", admin)
			require.Contains(t, fmt.Sprint(gqlData(t, out, "listOrders")["items"]), o.ID)

			// The owner cancels: refunded, stock back, idempotent.
			cancelDoc := `mutation($id: ID!) { cancelOrder(id: $id) { status payment { status refundedAmount } } }`
			_, out = e.raw(t, cancelDoc, map[string]any{"id": o.ID}, "Authorization", alice.token)
			require.Nil(t, out["errors"], "%v", out)
			c := gqlData(t, out, "cancelOrder")
			require.Equal(t, "CANCELLED", c["status"])
			require.Equal(t, "REFUNDED", c["payment"].(map[string]any)["status"])
			require.EqualValues(t, o.Total, c["payment"].(map[string]any)["refundedAmount"])
			_, out = e.raw(t, cancelDoc, map[string]any{"id": o.ID}, "Authorization", alice.token)
			require.Equal(t, "CANCELLED", gqlData(t, out, "cancelOrder")["status"])
			s, h = stockOf(t, e, mug.ID)
			require.Equal(t, []int{5, 0}, []int{s, h})

			// A product held by an open order cannot be deleted; once delivered, it can.
			tok2 := hold(t, e, alice, 1250, cardsim.TokenVisa)
			o2, out := place(t, e, alice, tok2, line{mug.ID, 1})
			require.Nil(t, out["errors"], "%v", out)
			_, out = e.raw(t, `mutation($id: ID!) { deleteProduct(id: $id) { id } }`, map[string]any{"id": mug.ID}, "Authorization", admin)
			requireCode(t, out, "Conflict")
			setStatus := `mutation($id: ID!, $s: OrderStatus!, $x: OrderStatus!) { updateOrderStatus(id: $id, status: $s, expectedStatus: $x) { status } }`
			for _, st := range [][2]string{{"SHIPPED", "PAID"}, {"DELIVERED", "SHIPPED"}} {
				_, out = e.raw(t, setStatus, map[string]any{"id": o2.ID, "s": st[0], "x": st[1]}, "Authorization", admin)
				require.Nil(t, out["errors"], "%v", out)
			}
			s, h = stockOf(t, e, mug.ID)
			require.Equal(t, []int{4, 0}, []int{s, h}, "delivered: sold for good, no longer held")
			_, out = e.raw(t, `mutation($id: ID!) { deleteProduct(id: $id) { id } }`, map[string]any{"id": mug.ID}, "Authorization", admin)
			require.Nil(t, out["errors"], "%v", out)
			// The delivered order keeps its lines and prices; the product is gone.
			_, out = e.raw(t, `query($id: ID!) { getOrder(id: $id) { status total items { unitPrice product { id } } } }`, map[string]any{"id": o2.ID}, "Authorization", alice.token)
			require.Nil(t, out["errors"], "%v", out)
			require.Equal(t, map[string]any{"status": "DELIVERED", "total": 1250.0, "items": []any{map[string]any{"unitPrice": 1250.0, "product": nil}}},
				gqlData(t, out, "getOrder"))
			requireOrderInvariants(t, e)
		})
	}
}

// TestOrderStatusTransitions: every legal and illegal updateOrderStatus from every
// status, the compare-and-set on expectedStatus, terminal states immutable, the owner's
// cancellation window, and two Admins racing one transition.
func TestOrderStatusTransitions(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) { testOrderStatusTransitions(t, newEnv(t, be, nil)) })
	}
}

func testOrderStatusTransitions(t *testing.T, e *env) {
	alice := newCustomer(t, e)
	admin := e.signIn(t, adminEmail, adminPassword)
	p := newProduct(t, e, 100, 1000)
	setStatus := `mutation($id: ID!, $s: OrderStatus!, $x: OrderStatus!) { updateOrderStatus(id: $id, status: $s, expectedStatus: $x) { status } }`
	// newAt returns a PAID order moved on to status through the API.
	newAt := func(status string) string {
		tok := hold(t, e, alice, 100, cardsim.TokenVisa)
		o, out := place(t, e, alice, tok, line{p.ID, 1})
		require.Nil(t, out["errors"], "%v", out)
		path := map[string][]string{"PAID": nil, "SHIPPED": {"SHIPPED"}, "DELIVERED": {"SHIPPED", "DELIVERED"}, "CANCELLED": {"CANCELLED"}}[status]
		from := "PAID"
		for _, s := range path {
			_, out := e.raw(t, setStatus, map[string]any{"id": o.ID, "s": s, "x": from}, "Authorization", admin)
			require.Nil(t, out["errors"], "%v", out)
			from = s
		}
		return o.ID
	}
	statuses := []string{"PLACED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"}
	legal := map[[2]string]bool{{"PAID", "SHIPPED"}: true, {"SHIPPED", "DELIVERED"}: true, {"PAID", "CANCELLED"}: true, {"SHIPPED", "CANCELLED"}: true}
	for _, from := range statuses[1:] {
		for _, to := range statuses {
			id := newAt(from)
			_, out := e.raw(t, setStatus, map[string]any{"id": id, "s": to, "x": from}, "Authorization", admin)
			if legal[[2]string{from, to}] {
				require.Nil(t, out["errors"], "%s → %s: %v", from, to, out)
				require.Equal(t, to, gqlData(t, out, "updateOrderStatus")["status"])
				continue
			}
			requireCode(t, out, "BadRequest")
			o, err := e.app.Orders.Get(context.Background(), order.Caller{Admin: true}, id)
			require.NoError(t, err)
			require.Equal(t, order.Status(from), o.Status, "%s → %s changed nothing", from, to)
		}
		// A stale expectedStatus is a Conflict.
		id := newAt(from)
		stale := "PLACED"
		_, out := e.raw(t, setStatus, map[string]any{"id": id, "s": "SHIPPED", "x": stale}, "Authorization", admin)
		requireCode(t, out, "Conflict")
	}

	// The owner may cancel PAID, not SHIPPED; Admin may.
	cancelDoc := `mutation($id: ID!) { cancelOrder(id: $id) { status } }`
	shipped := newAt("SHIPPED")
	_, out := e.raw(t, cancelDoc, map[string]any{"id": shipped}, "Authorization", alice.token)
	requireCode(t, out, "BadRequest")
	_, out = e.raw(t, cancelDoc, map[string]any{"id": shipped}, "Authorization", admin)
	require.Equal(t, "CANCELLED", gqlData(t, out, "cancelOrder")["status"])
	_, out = e.raw(t, cancelDoc, map[string]any{"id": newAt("DELIVERED")}, "Authorization", admin)
	requireCode(t, out, "BadRequest")

	// Two Admins race the same transition, many times: exactly one wins each race.
	for range 5 {
		id := newAt("PAID")
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.app.Orders.UpdateStatus(context.Background(), order.Caller{ID: "admin", Admin: true}, id, order.Shipped, order.Paid)
				switch {
				case err == nil:
					wins.Add(1)
				case apperr.Is(err, apperr.Conflict):
					conflicts.Add(1)
				default:
					t.Errorf("race: %v", err)
				}
			}()
		}
		wg.Wait()
		require.Equal(t, int32(1), wins.Load())
		require.Equal(t, int32(1), conflicts.Load())
	}
	requireOrderInvariants(t, e)
}

// requireOrderInvariants checks the at-rest invariants of every order and product: no saga
// pending; captured money ⇔ a PAID-or-later order (a cancelled one keeps neither money nor
// hold), captured = total; every product's stock = what it would be without the orders −
// the units of every non-cancelled order, i.e. stock + held + delivered = its initial
// stock, with held = the units of open orders.
func requireOrderInvariants(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	pending, err := e.app.Store.Orders().Pending(ctx, 1000)
	require.NoError(t, err)
	require.Empty(t, pending, "every order saga is finished")
	var all []*order.Order
	var next *string
	admin := order.Caller{ID: "admin", Admin: true}
	for {
		p, err := e.app.Orders.List(ctx, admin, nil, ptrInt(order.MaxLimit), next)
		require.NoError(t, err)
		all = append(all, p.Items...)
		if p.NextToken == "" {
			break
		}
		next = &p.NextToken
	}
	held, sold := map[string]int{}, map[string]int{}
	for _, o := range all {
		require.Equal(t, saga.Done, o.Stage, "order %s", o.ID)
		ch, err := e.app.Payments.Get(ctx, o.Customer, o.PaymentToken)
		require.NoError(t, err)
		switch o.Status {
		case order.Paid, order.Shipped, order.Delivered:
			require.Equal(t, payment.StatusCaptured, ch.Status, "order %s", o.ID)
			require.EqualValues(t, o.Total, ch.CapturedAmount, "order %s", o.ID)
		case order.Cancelled:
			require.NotEqual(t, payment.StatusCaptured, ch.Status, "a cancelled order keeps no money (order %s)", o.ID)
			require.NotEqual(t, payment.StatusAuthorized, ch.Status, "a cancelled order keeps no hold (order %s)", o.ID)
		default:
			t.Fatalf("order %s at rest in status %s", o.ID, o.Status)
		}
		for _, l := range o.Lines {
			switch o.Status {
			case order.Paid, order.Shipped:
				held[l.ProductID] += l.Quantity
			case order.Delivered:
				sold[l.ProductID] += l.Quantity
			}
		}
	}
	products, err := e.app.Products.List(ctx, nil, ptrInt(product.MaxLimit), nil)
	require.NoError(t, err)
	initial := productInitial.snapshot()
	for _, p := range products.Items {
		require.Equal(t, held[p.ID], p.Held, "product %s: held = units of open orders", p.ID)
		if n, ok := initial[p.ID]; ok {
			require.Equal(t, n, p.Stock+held[p.ID]+sold[p.ID], "product %s: stock = initial − held − delivered", p.ID)
		}
	}
}

// productInitial records the stock each test product was created with (newProduct).
var productInitial = &initialStock{m: map[string]int{}}

type initialStock struct {
	mu sync.Mutex
	m  map[string]int
}

func (s *initialStock) snapshot() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}
