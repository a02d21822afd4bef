// Package producttest is the contract every product.Repository must pass: one suite, run
// against each store, so that no implementation drifts.
package producttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Make returns a valid product.
func Make(id, sku string, price, stock int) *product.Product {
	now := time.Date(2030, 1, 1, 0, 0, 0, 123456789, time.UTC)
	return &product.Product{
		ID: id, SKU: sku, Name: "Product " + id, Description: "about " + id, Price: price, Currency: "EUR",
		Stock: stock, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
}

// edit returns the next version of p with f applied, as product.Service.Update builds it.
func edit(p *product.Product, f func(*product.Product)) *product.Product {
	n := *p
	f(&n)
	n.Version = p.Version + 1
	n.UpdatedAt = p.UpdatedAt.Add(time.Second)
	return &n
}

// RunRepositoryContract runs the contract against fresh, empty repositories from newRepo.
func RunRepositoryContract(t *testing.T, newRepo func(t *testing.T) product.Repository) {
	ctx := context.Background()

	t.Run("CreateGet", func(t *testing.T) {
		r := newRepo(t)
		p := Make("p1", "SKU-1", 1999, 7)
		require.NoError(t, r.Create(ctx, p))
		got, err := r.Get(ctx, "p1")
		require.NoError(t, err)
		require.Equal(t, p, got)
		_, err = r.Get(ctx, "nope")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})

	t.Run("SKUIsUniqueAndARefusedCreateWritesNothing", func(t *testing.T) {
		r := newRepo(t)
		require.NoError(t, r.Create(ctx, Make("p1", "SKU-1", 100, 1)))
		err := r.Create(ctx, Make("p2", "SKU-1", 200, 2))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		_, err = r.Get(ctx, "p2")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "no product without its guard")
		err = r.Create(ctx, Make("p1", "SKU-2", 200, 2))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		// The id collision must not have claimed SKU-2.
		require.NoError(t, r.Create(ctx, Make("p3", "SKU-2", 300, 3)))
	})

	t.Run("ConcurrentCreatesOfOneSKUOneWins", func(t *testing.T) {
		r := newRepo(t)
		errs := make(chan error, 8)
		for i := range 8 {
			go func() { errs <- r.Create(ctx, Make(fmt.Sprintf("c%d", i), "HOT", 100, 1)) }()
		}
		wins := 0
		for range 8 {
			err := <-errs
			if err == nil {
				wins++
				continue
			}
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		}
		require.Equal(t, 1, wins)
	})

	t.Run("GetMany", func(t *testing.T) {
		r := newRepo(t)
		var ids []string
		for i := range 120 {
			id := fmt.Sprintf("p%03d", i)
			require.NoError(t, r.Create(ctx, Make(id, "S"+id, 100+i, i)))
			ids = append(ids, id)
		}
		got, err := r.GetMany(ctx, append(append(ids, ids[:5]...), "missing"))
		require.NoError(t, err)
		require.Len(t, got, 120)
		require.Equal(t, 150, got["p050"].Price)
	})

	t.Run("UpdateIsConditionalOnVersion", func(t *testing.T) {
		r := newRepo(t)
		p := Make("p1", "SKU-1", 100, 5)
		require.NoError(t, r.Create(ctx, p))
		next := edit(p, func(n *product.Product) { n.Name = "New"; n.Price = 250 })
		require.NoError(t, r.Update(ctx, p, next))
		got, err := r.Get(ctx, "p1")
		require.NoError(t, err)
		require.Equal(t, next, got)
		stale := edit(p, func(n *product.Product) { n.Name = "Stale" })
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Update(ctx, p, stale)))
		got, _ = r.Get(ctx, "p1")
		require.Equal(t, "New", got.Name)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(errOrNotFound(r.Update(ctx, Make("gone", "G", 1, 1), Make("gone", "G", 1, 1)), r, "gone")))
	})

	t.Run("UpdateShiftsStockAndNeverBelowZero", func(t *testing.T) {
		r := newRepo(t)
		p := Make("p1", "SKU-1", 100, 5)
		require.NoError(t, r.Create(ctx, p))
		v2 := edit(p, func(n *product.Product) { n.Stock = 0 })
		require.NoError(t, r.Update(ctx, p, v2))
		// A stale copy that still sees 5 units asks to take 5 away: only 0 are left.
		stale := *v2
		stale.Stock = 5
		err := r.Update(ctx, &stale, edit(&stale, func(n *product.Product) { n.Stock = 0 }))
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%v", err)
		got, _ := r.Get(ctx, "p1")
		require.Equal(t, 0, got.Stock)
		require.Equal(t, int64(2), got.Version, "a refused update writes nothing")
		// Restocking from a stale copy adds what the Admin added.
		require.NoError(t, r.Update(ctx, &stale, edit(&stale, func(n *product.Product) { n.Stock = 8 })))
		got, _ = r.Get(ctx, "p1")
		require.Equal(t, 3, got.Stock)
	})

	t.Run("ChangingTheSKUMovesItsGuard", func(t *testing.T) {
		r := newRepo(t)
		p := Make("p1", "OLD", 100, 1)
		require.NoError(t, r.Create(ctx, p))
		require.NoError(t, r.Create(ctx, Make("p2", "TAKEN", 100, 1)))
		err := r.Update(ctx, p, edit(p, func(n *product.Product) { n.SKU = "TAKEN" }))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		got, _ := r.Get(ctx, "p1")
		require.Equal(t, "OLD", got.SKU)
		require.NoError(t, r.Update(ctx, p, edit(p, func(n *product.Product) { n.SKU = "NEW" })))
		require.NoError(t, r.Create(ctx, Make("p3", "OLD", 100, 1)), "the old SKU is free again")
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Create(ctx, Make("p4", "NEW", 100, 1))))
	})

	t.Run("DeleteFreesTheSKUAndIsConditionalOnVersion", func(t *testing.T) {
		r := newRepo(t)
		p := Make("p1", "SKU-1", 100, 1)
		require.NoError(t, r.Create(ctx, p))
		v2 := edit(p, func(n *product.Product) { n.Name = "v2" })
		require.NoError(t, r.Update(ctx, p, v2))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Delete(ctx, p)), "stale version")
		require.NoError(t, r.Delete(ctx, v2))
		_, err := r.Get(ctx, "p1")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		require.NoError(t, r.Create(ctx, Make("p2", "SKU-1", 100, 1)))
	})

	t.Run("ListPagesFiltersAndRejectsForeignTokens", func(t *testing.T) {
		r := newRepo(t)
		for i := range 25 {
			cur := "EUR"
			if i%5 == 0 {
				cur = "USD"
			}
			p := Make(fmt.Sprintf("p%03d", i), fmt.Sprintf("S%03d", i), 100+i, i)
			p.Currency = cur
			require.NoError(t, r.Create(ctx, p))
		}
		var ids []string
		tok := ""
		for {
			page, err := r.List(ctx, product.ListQuery{Limit: 7, NextToken: tok})
			require.NoError(t, err)
			for _, p := range page.Items {
				ids = append(ids, p.ID)
			}
			if page.NextToken == "" {
				break
			}
			tok = page.NextToken
		}
		require.Len(t, ids, 25)
		require.Equal(t, "p000", ids[0])
		require.Equal(t, "p024", ids[24])
		usd := &product.Filter{Currency: &filter.StringInput{Eq: ptr("USD")}}
		page, err := r.List(ctx, product.ListQuery{Limit: 3, Filter: usd})
		require.NoError(t, err)
		require.Len(t, page.Items, 3)
		require.NotEmpty(t, page.NextToken)
		for _, p := range page.Items {
			require.Equal(t, "USD", p.Currency)
		}
		_, err = r.List(ctx, product.ListQuery{Limit: 3, NextToken: page.NextToken})
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "a token of another query")
	})
}

// errOrNotFound turns an update of a missing product into the NotFound a Get reports, so
// implementations may answer Conflict or NotFound for it but never succeed.
func errOrNotFound(err error, r product.Repository, id string) error {
	if err == nil {
		return nil
	}
	_, gerr := r.Get(context.Background(), id)
	return gerr
}

func ptr[T any](v T) *T { return &v }
