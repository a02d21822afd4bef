// Package ordertest is the contract every order.Repository must pass, run against each
// store together with the product.Repository of the same store (orders move its stock).
package ordertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/product/producttest"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Repos are an order repository and the product repository of the same store.
type Repos struct {
	Orders   order.Repository
	Products product.Repository
}

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// Make returns an order of customer paid by token, one unit of each product (price 100).
func Make(id, customer, token string, productIDs ...string) *order.Order {
	o := &order.Order{
		ID: id, Customer: customer, PaymentToken: token, Status: order.Placed, Stage: saga.Reserved, Currency: "EUR",
		CreatedAt: t0, UpdatedAt: t0, PendingSince: t0, Version: 1,
	}
	for _, p := range productIDs {
		o.Lines = append(o.Lines, order.Line{ProductID: p, Quantity: 1, UnitPrice: 100, LineTotal: 100})
		o.Subtotal += 100
	}
	o.Total = o.Subtotal
	return o
}

func stock(t *testing.T, r Repos, id string) (int, int) {
	t.Helper()
	p, err := r.Products.Get(context.Background(), id)
	require.NoError(t, err)
	return p.Stock, p.Held
}

func pendingIDs(t *testing.T, r Repos) map[string]bool {
	t.Helper()
	ps, err := r.Orders.Pending(context.Background(), 1000)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, p := range ps {
		out[p.ID] = true
	}
	return out
}

// RunRepositoryContract runs the contract against fresh, empty stores from newRepos.
func RunRepositoryContract(t *testing.T, newRepos func(t *testing.T) Repos) {
	ctx := context.Background()

	t.Run("ReserveTakesEveryLineAtomically", func(t *testing.T) {
		r := newRepos(t)
		require.NoError(t, r.Products.Create(ctx, producttest.Make("a", "A", 100, 2)))
		require.NoError(t, r.Products.Create(ctx, producttest.Make("b", "B", 100, 1)))
		o := Make("o1", "alice", "ch_1", "a", "b")
		existing, err := r.Orders.Reserve(ctx, o)
		require.NoError(t, err)
		require.Empty(t, existing)
		got, err := r.Orders.Get(ctx, "o1")
		require.NoError(t, err)
		require.Equal(t, o, got)
		many, err := r.Orders.GetMany(ctx, []string{"o1", "missing", "o1"})
		require.NoError(t, err)
		require.Equal(t, map[string]*order.Order{"o1": o}, many)
		s, h := stock(t, r, "a")
		require.Equal(t, []int{1, 1}, []int{s, h})
		s, h = stock(t, r, "b")
		require.Equal(t, []int{0, 1}, []int{s, h})
		id, err := r.Orders.ByPaymentToken(ctx, "alice", "ch_1")
		require.NoError(t, err)
		require.Equal(t, "o1", id)
		require.True(t, pendingIDs(t, r)["o1"])

		// b is sold out: a second order of a and b takes nothing, not even a.
		_, err = r.Orders.Reserve(ctx, Make("o2", "alice", "ch_2", "a", "b"))
		require.Equal(t, apperr.OutOfStock, apperr.CodeOf(err), "%v", err)
		s, h = stock(t, r, "a")
		require.Equal(t, []int{1, 1}, []int{s, h}, "all lines or none")
		_, err = r.Orders.Get(ctx, "o2")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		_, err = r.Orders.ByPaymentToken(ctx, "alice", "ch_2")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "no guard without its order")

		_, err = r.Orders.Reserve(ctx, Make("o3", "alice", "ch_3", "nope"))
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})

	t.Run("AProductHeldByAnOpenOrderCannotBeDeleted", func(t *testing.T) {
		r := newRepos(t)
		p := producttest.Make("a", "A", 100, 5)
		require.NoError(t, r.Products.Create(ctx, p))
		o := Make("o1", "alice", "ch_1", "a")
		_, err := r.Orders.Reserve(ctx, o)
		require.NoError(t, err)
		// p is the product as read before the order: its Held (0) is stale, and only the
		// store's condition can refuse the delete.
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Products.Delete(ctx, p)))
		_, err = r.Products.Get(ctx, "a")
		require.NoError(t, err, "the order keeps its product")
		paid, err := r.Orders.MarkPaid(ctx, o, t0)
		require.NoError(t, err)
		shipped, err := r.Orders.SetStatus(ctx, paid, order.Shipped, t0)
		require.NoError(t, err)
		_, err = r.Orders.SetStatus(ctx, shipped, order.Delivered, t0)
		require.NoError(t, err)
		require.NoError(t, r.Products.Delete(ctx, p), "delivered orders hold nothing")
	})

	t.Run("TheGuardWinsOverStock", func(t *testing.T) {
		r := newRepos(t)
		require.NoError(t, r.Products.Create(ctx, producttest.Make("a", "A", 100, 1)))
		_, err := r.Orders.Reserve(ctx, Make("o1", "alice", "ch_1", "a"))
		require.NoError(t, err)
		existing, err := r.Orders.Reserve(ctx, Make("o2", "alice", "ch_1", "a"))
		require.NoError(t, err, "a retry is answered with the first order even when sold out")
		require.Equal(t, "o1", existing)
		// Another customer's token of the same text is another key.
		_, err = r.Orders.Reserve(ctx, Make("o3", "bob", "ch_1", "a"))
		require.Equal(t, apperr.OutOfStock, apperr.CodeOf(err))
	})

	t.Run("ConcurrentReservesNeverOversell", func(t *testing.T) {
		r := newRepos(t)
		require.NoError(t, r.Products.Create(ctx, producttest.Make("a", "A", 100, 5)))
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
			errs []error
		)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := r.Orders.Reserve(ctx, Make(fmt.Sprintf("o%02d", i), "alice", fmt.Sprintf("ch_%d", i), "a"))
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else {
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
		require.Equal(t, 5, wins)
		for _, err := range errs {
			require.Equal(t, apperr.OutOfStock, apperr.CodeOf(err), "%v", err)
		}
		s, h := stock(t, r, "a")
		require.Equal(t, []int{0, 5}, []int{s, h})
	})

	t.Run("TransitionsAreConditionalOnVersionAndMoveStock", func(t *testing.T) {
		r := newRepos(t)
		require.NoError(t, r.Products.Create(ctx, producttest.Make("a", "A", 100, 3)))
		o := Make("o1", "alice", "ch_1", "a")
		_, err := r.Orders.Reserve(ctx, o)
		require.NoError(t, err)
		paid, err := r.Orders.MarkPaid(ctx, o, t0.Add(time.Second))
		require.NoError(t, err)
		require.Equal(t, order.Paid, paid.Status)
		require.Equal(t, saga.Done, paid.Stage)
		require.Equal(t, int64(2), paid.Version)
		require.False(t, pendingIDs(t, r)["o1"])
		got, _ := r.Orders.Get(ctx, "o1")
		require.Equal(t, paid, got)
		_, err = r.Orders.MarkPaid(ctx, o, t0)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "stale version")

		shipped, err := r.Orders.SetStatus(ctx, paid, order.Shipped, t0.Add(2*time.Second))
		require.NoError(t, err)
		_, err = r.Orders.SetStatus(ctx, paid, order.Shipped, t0)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "two writers of one version: one wins")
		_, err = r.Orders.SetStatus(ctx, shipped, order.Delivered, t0.Add(3*time.Second))
		require.NoError(t, err)
		s, h := stock(t, r, "a")
		require.Equal(t, []int{2, 0}, []int{s, h}, "delivered: sold, no longer held")

		o2 := Make("o2", "alice", "ch_2", "a")
		_, err = r.Orders.Reserve(ctx, o2)
		require.NoError(t, err)
		marked, err := r.Orders.MarkCancelling(ctx, o2, apperr.PaymentDeclined, "declined", t0.Add(time.Minute))
		require.NoError(t, err)
		require.Equal(t, saga.Cancelling, marked.Stage)
		require.True(t, pendingIDs(t, r)["o2"])
		_, err = r.Orders.MarkPaid(ctx, o2, t0)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "CANCELLING is a one-way door")
		cancelled, err := r.Orders.Cancel(ctx, marked, t0.Add(2*time.Minute))
		require.NoError(t, err)
		require.Equal(t, order.Cancelled, cancelled.Status)
		require.Equal(t, apperr.PaymentDeclined, cancelled.FailureCode)
		s, h = stock(t, r, "a")
		require.Equal(t, []int{2, 0}, []int{s, h}, "cancelled: back in stock")
		require.False(t, pendingIDs(t, r)["o2"])
		_, err = r.Orders.Cancel(ctx, marked, t0)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "released once")
		s, _ = stock(t, r, "a")
		require.Equal(t, 2, s)
	})

	t.Run("ListingsPageAndRejectForeignTokens", func(t *testing.T) {
		r := newRepos(t)
		require.NoError(t, r.Products.Create(ctx, producttest.Make("a", "A", 100, 100)))
		var mine []string
		for i := range 12 {
			who := "alice"
			if i%3 == 0 {
				who = "bob"
			}
			o := Make(fmt.Sprintf("o%02d", i), who, fmt.Sprintf("ch_%d", i), "a")
			_, err := r.Orders.Reserve(ctx, o)
			require.NoError(t, err)
			if i%2 == 0 {
				_, err = r.Orders.MarkPaid(ctx, o, t0)
				require.NoError(t, err)
			}
			if who == "alice" {
				mine = append([]string{o.ID}, mine...)
			}
		}
		var got []string
		tok := ""
		for {
			p, err := r.Orders.ByCustomer(ctx, order.CustomerQuery{Customer: "alice", Limit: 3, NextToken: tok})
			require.NoError(t, err)
			for _, o := range p.Items {
				got = append(got, o.ID)
			}
			if p.NextToken == "" {
				break
			}
			tok = p.NextToken
		}
		require.Equal(t, mine, got, "own orders, newest first")

		paid := order.Paid
		var ids []string
		tok = ""
		for {
			p, err := r.Orders.List(ctx, order.ListQuery{Status: &paid, Limit: 4, NextToken: tok})
			require.NoError(t, err)
			for _, o := range p.Items {
				require.Equal(t, order.Paid, o.Status)
				ids = append(ids, o.ID)
			}
			if p.NextToken == "" {
				break
			}
			_, err = r.Orders.ByCustomer(ctx, order.CustomerQuery{Customer: "alice", Limit: 4, NextToken: p.NextToken})
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "a token of another query")
			tok = p.NextToken
		}
		require.Equal(t, []string{"o10", "o08", "o06", "o04", "o02", "o00"}, ids)
		all, err := r.Orders.List(ctx, order.ListQuery{Limit: 100})
		require.NoError(t, err)
		require.Len(t, all.Items, 12)
	})

	t.Run("PendingMarkers", func(t *testing.T) {
		r := newRepos(t)
		require.NoError(t, r.Products.Create(ctx, producttest.Make("a", "A", 100, 100)))
		for i := range 40 {
			_, err := r.Orders.Reserve(ctx, Make(fmt.Sprintf("o%02d", i), "alice", fmt.Sprintf("ch_%d", i), "a"))
			require.NoError(t, err)
		}
		ps, err := r.Orders.Pending(ctx, 1000)
		require.NoError(t, err)
		require.Len(t, ps, 40)
		require.True(t, ps[0].Since.Equal(t0))
		ps, err = r.Orders.Pending(ctx, 7)
		require.NoError(t, err)
		require.Len(t, ps, 7)
		require.NoError(t, r.Orders.DeletePending(ctx, "o00"))
		require.NoError(t, r.Orders.DeletePending(ctx, "o00"))
		require.False(t, pendingIDs(t, r)["o00"])
	})
}
