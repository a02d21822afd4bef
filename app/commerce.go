package app

import (
	"context"
	"fmt"
	"time"

	"github.com/skygraph/skygraph/app/demo"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/loaders"
	"github.com/skygraph/skygraph/resolvers"
)

// The commerce wiring (issue 11: products, orders, users), kept out of app.go so that
// other features' wiring merges cleanly.

// buildCommerce builds the commerce services over the store. The order saga shares the
// booking saga's recovery delay (both are swept by the same job).
func (a *App) buildCommerce(opts Options, recoverAfter time.Duration) {
	a.Products = product.NewService(a.Store.Products(), opts.Now, nil)
	a.Users = user.NewService(a.Store.Users(), opts.Now)
	a.Orders = order.NewService(a.Store.Orders(), a.Products, a.Payments, order.Config{
		Now: opts.Now, Hook: opts.OrderHook, RecoverAfter: recoverAfter,
	})
}

// commerceSources are the batch reads behind the commerce loaders.
func (a *App) commerceSources() loaders.CommerceSources {
	return loaders.CommerceSources{Products: a.Products, Users: a.Users, Orders: resolvers.OrderSource(a.Orders)}
}

// seedCommerce seeds the demo product catalog (embedded mode).
func (a *App) seedCommerce(ctx context.Context) error {
	start := time.Now()
	n, err := demo.SeedProducts(ctx, a.Store.Products(), start)
	if err != nil {
		return fmt.Errorf("seed demo products: %w", err)
	}
	a.log.Info("seeded demo products", "products", n, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}
