package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/internal/apperr"
)

// ProductSource is the batch read behind ProductByID (product.Service implements it).
type ProductSource interface {
	GetMany(ctx context.Context, ids []string) (map[string]*product.Product, error)
}

// UserSource is the batch read behind UserByID (user.Service implements it).
type UserSource interface {
	GetMany(ctx context.Context, ids []string) (map[string]*user.User, error)
}

// CommerceSources are the batch reads of the commerce loaders (issue 11), kept apart from
// New's arguments so that the flight loaders' wiring does not change.
type CommerceSources struct {
	Products ProductSource
	Users    UserSource
}

// WithCommerce adds the commerce loaders to l (fresh, like every loader of the operation)
// and returns l.
func (l *Loaders) WithCommerce(src CommerceSources) *Loaders {
	if src.Products != nil {
		l.products = src.Products
		l.productByID = dataloader.NewBatchedLoader(batchProducts(src.Products),
			dataloader.WithWait[string, *product.Product](wait),
			dataloader.WithBatchCapacity[string, *product.Product](batchCapacity))
	}
	if src.Users != nil {
		l.userByID = dataloader.NewBatchedLoader(batchMap(src.Users.GetMany, "user"),
			dataloader.WithWait[string, *user.User](wait),
			dataloader.WithBatchCapacity[string, *user.User](batchCapacity))
	}
	return l
}

// batchMap turns a GetMany into a batch function: a missing id is NotFound.
func batchMap[T any](getMany func(context.Context, []string) (map[string]T, error), what string) dataloader.BatchFunc[string, T] {
	return func(ctx context.Context, ids []string) []*dataloader.Result[T] {
		out := make([]*dataloader.Result[T], len(ids))
		found, err := getMany(ctx, ids)
		for i, id := range ids {
			switch v, ok := found[id]; {
			case err != nil:
				out[i] = &dataloader.Result[T]{Error: err}
			case !ok:
				out[i] = &dataloader.Result[T]{Error: apperr.New(apperr.NotFound, "%s %s not found", what, id)}
			default:
				out[i] = &dataloader.Result[T]{Data: v}
			}
		}
		return out
	}
}

// User loads one profile by id through the operation's loader (NotFound if missing). The
// loader lives for one operation, which has one principal, so it never hands one caller's
// read to another; authorization still runs on every returned object.
func User(ctx context.Context, id string) (*user.User, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	if l.userByID == nil {
		return nil, apperr.Errorf("loaders: no user loader (missing WithCommerce)")
	}
	return l.userByID.Load(ctx, id)()
}

// PrimeUser caches a profile the operation already has (me, updateUser).
func PrimeUser(ctx context.Context, u *user.User) {
	if l, err := For(ctx); err == nil && l.userByID != nil {
		l.userByID.Clear(ctx, u.ID).Prime(ctx, u.ID, u)
	}
}

func batchProducts(src ProductSource) dataloader.BatchFunc[string, *product.Product] {
	return func(ctx context.Context, ids []string) []*dataloader.Result[*product.Product] {
		out := make([]*dataloader.Result[*product.Product], len(ids))
		found, err := src.GetMany(ctx, ids)
		for i, id := range ids {
			switch p, ok := found[id]; {
			case err != nil:
				out[i] = &dataloader.Result[*product.Product]{Error: err}
			case !ok:
				out[i] = &dataloader.Result[*product.Product]{Error: apperr.New(apperr.NotFound, "product %s not found", id)}
			default:
				out[i] = &dataloader.Result[*product.Product]{Data: p}
			}
		}
		return out
	}
}

// Product loads one product by id through the operation's loader (NotFound if missing).
func Product(ctx context.Context, id string) (*product.Product, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	if l.productByID == nil {
		return nil, apperr.Errorf("loaders: no product loader (missing WithCommerce)")
	}
	return l.productByID.Load(ctx, id)()
}

// PrefetchProducts reads, in one batch read now, the products a page of orders will ask
// for, and primes the ProductByID loader with them: the page's OrderItem.product fields
// then cost nothing, however the executor schedules them (loads spread over more than the
// loader's batch window would otherwise split into several reads on a busy machine).
// Products that do not exist are left to the per-field load (NotFound → null). A failed
// read is left to the per-field loads too, which report it.
func PrefetchProducts(ctx context.Context, ids []string) {
	l, err := For(ctx)
	if err != nil || l.productByID == nil || l.products == nil || len(ids) == 0 {
		return
	}
	found, err := l.products.GetMany(ctx, dedupe(ids))
	if err != nil {
		return
	}
	for id, p := range found {
		l.productByID.Prime(ctx, id, p)
	}
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// PrimeProduct caches a product the operation already has (just written).
func PrimeProduct(ctx context.Context, p *product.Product) {
	if l, err := For(ctx); err == nil && l.productByID != nil {
		l.productByID.Clear(ctx, p.ID).Prime(ctx, p.ID, p)
	}
}
