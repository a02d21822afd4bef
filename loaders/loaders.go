// Package loaders holds the per-operation dataloaders (graph-gophers/dataloader/v7).
//
// Every nested object field (Booking.outboundFlight, …) and every root field that reads
// by id goes through a loader, so a response with N flights costs one BatchGetItem, not N
// GetItems, and an id asked twice in one operation is read once. Loaders are built fresh
// for each operation (their cache must never outlive a request, or one user could see
// another's stale data) by the server's AroundOperations hook.
package loaders

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/internal/apperr"
)

// FlightSource is the batch read behind FlightByID (flight.Service implements it).
type FlightSource interface {
	GetMany(ctx context.Context, ids []string) (map[string]*flight.Flight, error)
}

// Batch window and size. The window only needs to cover the executor starting sibling
// field resolvers, which happens within microseconds; a short one keeps single loads fast.
const (
	wait          = 500 * time.Microsecond
	batchCapacity = 500
)

// Loaders are one operation's loaders.
type Loaders struct {
	flightByID *dataloader.Loader[string, *flight.Flight]
	// The commerce loaders (commerce.go), set by WithCommerce.
	productByID *dataloader.Loader[string, *product.Product]
	userByID    *dataloader.Loader[string, *user.User]
	products    ProductSource
}

// New returns fresh loaders over the given sources.
func New(flights FlightSource) *Loaders {
	return &Loaders{
		flightByID: dataloader.NewBatchedLoader(batchFlights(flights),
			dataloader.WithWait[string, *flight.Flight](wait),
			dataloader.WithBatchCapacity[string, *flight.Flight](batchCapacity)),
	}
}

func batchFlights(src FlightSource) dataloader.BatchFunc[string, *flight.Flight] {
	return func(ctx context.Context, ids []string) []*dataloader.Result[*flight.Flight] {
		out := make([]*dataloader.Result[*flight.Flight], len(ids))
		found, err := src.GetMany(ctx, ids)
		for i, id := range ids {
			switch f, ok := found[id]; {
			case err != nil:
				out[i] = &dataloader.Result[*flight.Flight]{Error: err}
			case !ok:
				out[i] = &dataloader.Result[*flight.Flight]{Error: apperr.New(apperr.NotFound, "flight %s not found", id)}
			default:
				out[i] = &dataloader.Result[*flight.Flight]{Data: f}
			}
		}
		return out
	}
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders on ctx. Missing loaders are a wiring bug, reported as an
// Internal error by the callers rather than a panic.
func For(ctx context.Context) (*Loaders, error) {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		return nil, apperr.Errorf("loaders: none on the context (missing AroundOperations hook)")
	}
	return l, nil
}

// Flight loads one flight by id through the operation's loader (NotFound if missing).
func Flight(ctx context.Context, id string) (*flight.Flight, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	return l.flightByID.Load(ctx, id)()
}

// PrimeFlight caches a flight the operation already has (e.g. just written), so a nested
// read of it costs nothing. An existing entry is replaced: the caller's copy is newer.
func PrimeFlight(ctx context.Context, f *flight.Flight) {
	if l, err := For(ctx); err == nil {
		l.flightByID.Clear(ctx, f.ID).Prime(ctx, f.ID, f)
	}
}
