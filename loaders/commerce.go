package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/internal/apperr"
)

// ProductSource is the batch read behind ProductByID (product.Service implements it).
type ProductSource interface {
	GetMany(ctx context.Context, ids []string) (map[string]*product.Product, error)
}

// CommerceSources are the batch reads of the commerce loaders (issue 11), kept apart from
// New's arguments so that the flight loaders' wiring does not change.
type CommerceSources struct {
	Products ProductSource
}

// WithCommerce adds the commerce loaders to l (fresh, like every loader of the operation)
// and returns l.
func (l *Loaders) WithCommerce(src CommerceSources) *Loaders {
	if src.Products != nil {
		l.productByID = dataloader.NewBatchedLoader(batchProducts(src.Products),
			dataloader.WithWait[string, *product.Product](wait),
			dataloader.WithBatchCapacity[string, *product.Product](batchCapacity))
	}
	return l
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

// PrimeProduct caches a product the operation already has (just written).
func PrimeProduct(ctx context.Context, p *product.Product) {
	if l, err := For(ctx); err == nil && l.productByID != nil {
		l.productByID.Clear(ctx, p.ID).Prime(ctx, p.ID, p)
	}
}
