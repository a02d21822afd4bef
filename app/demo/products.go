package demo

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Products is the demo catalog of travel goods (prices in minor units).
var Products = []product.Product{
	{SKU: "BAG-CABIN-55", Name: "Cabin bag 55 cm", Description: "Hard-shell carry-on, 4 wheels", Price: 8900, Currency: "EUR", Stock: 40},
	{SKU: "PILLOW-NECK", Name: "Neck pillow", Description: "Memory foam travel pillow", Price: 1999, Currency: "EUR", Stock: 200},
	{SKU: "ADAPTER-UNI", Name: "Universal plug adapter", Description: "UK, EU, US and AU plugs, 2 USB-C", Price: 2450, Currency: "EUR", Stock: 150},
	{SKU: "LOUNGE-PASS", Name: "Airport lounge pass", Description: "One visit, any partner lounge", Price: 3900, Currency: "EUR", Stock: 10},
	{SKU: "ESIM-EU-10GB", Name: "eSIM Europe 10 GB", Description: "30 days, 30 countries", Price: 1500, Currency: "EUR", Stock: 1000},
}

// ProductID is the stable id of a demo product: seeding twice creates nothing new and
// never resets the stock that orders have changed.
func ProductID(sku string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("skygraph-demo-product/"+sku)).String()
}

// SeedProducts stores the demo catalog, skipping products that exist.
func SeedProducts(ctx context.Context, repo product.Repository, now time.Time) (int, error) {
	n := 0
	for _, p := range Products {
		p.ID, p.CreatedAt, p.UpdatedAt, p.Version = ProductID(p.SKU), now.UTC(), now.UTC(), 1
		if err := p.Normalize(); err != nil {
			return n, err
		}
		err := repo.Create(ctx, &p)
		switch {
		case apperr.Is(err, apperr.Conflict):
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	return n, nil
}
