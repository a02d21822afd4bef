package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/payment"
)

// Load and retry tests of placeOrder through the real HTTP server over loopback, on every
// backend, as the processBooking ones are. No duration is asserted: CI machines are slow.

const loadOrderDoc = `mutation($in: PlaceOrderInput!) {
  placeOrder(input: $in) { id status customerId total paymentToken payment { status capturedAmount } }
}`

type loadOrder struct {
	ID, Status, CustomerID, PaymentToken string
	Total                                int64
	Payment                              *struct {
		Status         string
		CapturedAmount int64
	}
}

// TestConcurrentOrdersNeverOversell: 100 customers, each with a valid hold, race for the
// 10 units of one product with 100 simultaneous placeOrder requests. Exactly 10 orders are
// PAID and 90 refused OutOfStock; the stock ends at 0 with 10 units held, and exactly the
// 10 winners' charges are captured (for exactly the price), every other hold untouched.
func TestConcurrentOrdersNeverOversell(t *testing.T) {
	const (
		stock     = 10
		customers = 100
		price     = 4250
	)
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			var table string
			e := newEnvTB(t, be, loadTableName(&table))
			p := newProduct(t, e, price, stock)
			decoy := newProduct(t, e, price, stock) // untouched by the rush
			cs := newLoadCustomers(t, e, "order-rush", customers)
			charges := loadAuthorize(t, e, loadSubs(cs), price, "EUR")
			lb := newLoadServer(t, e)

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			results := make([]loadResult, customers)
			errs := make([]error, customers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range customers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i], errs[i] = lb.post(ctx, cs[i].token, loadOrderDoc, orderVars(charges[i], line{p.ID, 1}))
				}()
			}
			e.calls.Reset()
			t0 := time.Now()
			close(start)
			wg.Wait()
			elapsed := time.Since(t0)
			t.Logf("%s: %d concurrent placeOrder requests over HTTP in %v (%.0f requests/s); %d DynamoDB calls",
				be.Name, customers, elapsed.Round(time.Millisecond), float64(customers)/elapsed.Seconds(), e.calls.Total())

			paid := map[int]loadOrder{}
			var outOfStock int
			var other []string
			for i := range customers {
				if errs[i] != nil {
					other = append(other, fmt.Sprintf("customer %d: transport: %v", i, errs[i]))
					continue
				}
				r := results[i]
				if r.status != http.StatusOK {
					other = append(other, fmt.Sprintf("customer %d: HTTP %d %v", i, r.status, r.Errors))
					continue
				}
				if len(r.Errors) > 0 {
					ge := r.Errors[0]
					if len(r.Errors) == 1 && ge.ErrorType == "OutOfStock" && ge.code() == "OutOfStock" {
						outOfStock++
						continue
					}
					other = append(other, fmt.Sprintf("customer %d: %v", i, r.Errors))
					continue
				}
				var d struct{ PlaceOrder *loadOrder }
				if err := json.Unmarshal(r.Data, &d); err != nil || d.PlaceOrder == nil {
					other = append(other, fmt.Sprintf("customer %d: no order and no error: %s", i, r.Data))
					continue
				}
				paid[i] = *d.PlaceOrder
			}
			if len(other) > 0 {
				t.Fatalf("%d answers are neither a PAID order nor OutOfStock (%d paid, %d OutOfStock), e.g.:\n%s",
					len(other), len(paid), outOfStock, strings.Join(other[:min(len(other), 10)], "\n"))
			}
			require.Len(t, paid, stock, "exactly one order per unit (%d OutOfStock)", outOfStock)
			require.Equal(t, customers-stock, outOfStock)
			for i, o := range paid {
				require.Equal(t, "PAID", o.Status, "customer %d", i)
				require.Equal(t, cs[i].sub, o.CustomerID)
				require.Equal(t, charges[i], o.PaymentToken)
				require.EqualValues(t, price, o.Total)
				require.Equal(t, "CAPTURED", o.Payment.Status)
				require.EqualValues(t, price, o.Payment.CapturedAmount)
			}

			s, h := stockOf(t, e, p.ID)
			require.Equal(t, []int{0, stock}, []int{s, h}, "stock 0, every unit held by a PAID order")
			s, h = stockOf(t, e, decoy.ID)
			require.Equal(t, []int{stock, 0}, []int{s, h})
			captured := 0
			for i, c := range cs {
				ch, err := e.app.Payments.Get(ctx, c.sub, charges[i])
				require.NoError(t, err)
				if _, won := paid[i]; won {
					require.Equal(t, payment.StatusCaptured, ch.Status)
					captured++
				} else {
					require.Equal(t, payment.StatusAuthorized, ch.Status, "a refused customer is never charged (customer %d)", i)
				}
			}
			require.Equal(t, stock, captured, "exactly the winners are captured")

			// A second opinion straight from the table.
			tab := loadCountTable(t, be, table)
			require.Equal(t, stock, tab.byType["Order"], "%v", tab.byType)
			require.Equal(t, stock, tab.byStatus["Order/PAID"], "%v", tab.byStatus)
			require.Equal(t, stock, tab.byType["OrderGuard"], "%v", tab.byType)
			require.Zero(t, tab.byType["OrderPending"], "%v", tab.byType)
			require.Equal(t, stock, tab.byStatus["Charge/CAPTURED"], "%v", tab.byStatus)
			requireOrderInvariants(t, e)
		})
	}
}

// TestRetriedPlaceOrderIsIdempotent: one client sends the same placeOrder 5 times at once,
// then once more, then with other items: one order, one reservation, one capture; the
// last is a Conflict naming the token.
func TestRetriedPlaceOrderIsIdempotent(t *testing.T) {
	const retries = 5
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			var table string
			e := newEnvTB(t, be, loadTableName(&table))
			a, b := newProduct(t, e, 1000, 10), newProduct(t, e, 250, 10)
			c := newLoadCustomers(t, e, "order-retry", 1)[0]
			total := int64(2*1000 + 3*250)
			token := loadAuthorize(t, e, []string{c.sub}, total, "EUR")[0]
			lb := newLoadServer(t, e)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			vars := orderVars(token, line{a.ID, 2}, line{b.ID, 3})

			results := make([]loadResult, retries)
			errs := make([]error, retries)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range retries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i], errs[i] = lb.post(ctx, c.token, loadOrderDoc, vars)
				}()
			}
			close(start)
			wg.Wait()
			var first string
			for i := range retries {
				require.NoError(t, errs[i])
				var d struct{ PlaceOrder *loadOrder }
				require.NoError(t, results[i].decode(&d), "request %d", i)
				require.Equal(t, "PAID", d.PlaceOrder.Status)
				if i == 0 {
					first = d.PlaceOrder.ID
				}
				require.Equal(t, first, d.PlaceOrder.ID, "request %d: the same order", i)
			}
			state := func(when string) {
				t.Helper()
				s, h := stockOf(t, e, a.ID)
				require.Equal(t, []int{8, 2}, []int{s, h}, when)
				s, h = stockOf(t, e, b.ID)
				require.Equal(t, []int{7, 3}, []int{s, h}, when)
				ch, err := e.app.Payments.Get(ctx, c.sub, token)
				require.NoError(t, err)
				require.Equal(t, payment.StatusCaptured, ch.Status, when)
				require.EqualValues(t, total, ch.CapturedAmount, when)
				require.EqualValues(t, 2, ch.Version, "%s: authorized, then captured once", when)
				tab := loadCountTable(t, be, table)
				require.Equal(t, 1, tab.byType["Order"], "%s: %v", when, tab.byType)
				require.Equal(t, 1, tab.byType["OrderGuard"], "%s: %v", when, tab.byType)
				require.Zero(t, tab.byType["OrderPending"], "%s: %v", when, tab.byType)
			}
			state("after the concurrent retries")
			r, err := lb.post(ctx, c.token, loadOrderDoc, vars)
			require.NoError(t, err)
			var d struct{ PlaceOrder *loadOrder }
			require.NoError(t, r.decode(&d))
			require.Equal(t, first, d.PlaceOrder.ID)
			state("after a sequential retry")
			r, err = lb.post(ctx, c.token, loadOrderDoc, orderVars(token, line{a.ID, 1}))
			require.NoError(t, err)
			require.Len(t, r.Errors, 1, "%v", r.Errors)
			require.Equal(t, "Conflict", r.Errors[0].ErrorType)
			require.Contains(t, r.Errors[0].Message, token)
			state("after reusing the token for other items")
			rep, err := e.app.Orders.Recover(ctx)
			require.NoError(t, err)
			require.Zero(t, rep.Pending)
			o, err := e.app.Orders.Get(ctx, order.Caller{ID: c.sub}, first)
			require.NoError(t, err)
			require.Equal(t, order.Paid, o.Status)
		})
	}
}
