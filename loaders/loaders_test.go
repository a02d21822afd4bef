package loaders

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/apperr"
)

// fakeFlights records each GetMany call; panics when told to.
type fakeFlights struct {
	mu    sync.Mutex
	calls [][]string
	panic bool
}

func (f *fakeFlights) GetMany(_ context.Context, ids []string) (map[string]*flight.Flight, error) {
	f.mu.Lock()
	f.calls = append(f.calls, append([]string(nil), ids...))
	boom := f.panic
	f.mu.Unlock()
	if boom {
		panic("boom")
	}
	out := map[string]*flight.Flight{}
	for _, id := range ids {
		if id != "missing" {
			out[id] = &flight.Flight{ID: id}
		}
	}
	return out, nil
}

// TestPrefetchIsOneBatchAndLoadsWaitForIt: keys looked ahead are one read, duplicates
// included; loads of those keys wait for it and read nothing more; a key nobody looked
// ahead for is read at once, alone; a missing one is NotFound.
func TestPrefetchIsOneBatchAndLoadsWaitForIt(t *testing.T) {
	src := &fakeFlights{}
	l := New(src)
	ctx := With(context.Background(), l)
	l.flights.prefetch(ctx, []string{"a", "b", "a", "missing"})
	var wg sync.WaitGroup
	for _, id := range []string{"a", "b", "a"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := Flight(ctx, id)
			if assert.NoError(t, err) {
				assert.Equal(t, id, f.ID)
			}
		}()
	}
	wg.Wait()
	_, err := Flight(ctx, "missing")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	f, err := Flight(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, "c", f.ID)
	l.Wait()
	require.Equal(t, [][]string{{"a", "b", "missing"}, {"c"}}, src.calls)
}

// TestBatchPanicFailsItsKeysAndHangsNobody: a read that panics completes its keys with an
// Internal error, so every waiter returns.
func TestBatchPanicFailsItsKeysAndHangsNobody(t *testing.T) {
	l := New(&fakeFlights{panic: true})
	ctx := With(context.Background(), l)
	l.flights.prefetch(ctx, []string{"a", "b"})
	_, err := Flight(ctx, "a")
	require.Equal(t, apperr.Internal, apperr.CodeOf(err))
	_, err = Flight(ctx, "z")
	require.Equal(t, apperr.Internal, apperr.CodeOf(err))
	l.Wait()
}

// TestPrimeReplacesAnEntryInFlight: a flight primed while its read is in flight is what
// later loads see, and the read in flight still completes its own waiters.
func TestPrimeReplacesAnEntryInFlight(t *testing.T) {
	src := &fakeFlights{}
	l := New(src)
	ctx := With(context.Background(), l)
	l.flights.prefetch(ctx, []string{"a"})
	PrimeFlight(ctx, &flight.Flight{ID: "a", TotalSeats: 7})
	f, err := Flight(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, 7, f.TotalSeats)
	l.Wait()
}

func TestObjects(t *testing.T) {
	a, b := &flight.Flight{ID: "a"}, &flight.Flight{ID: "b"}
	require.Equal(t, []any{a}, objects(a))
	require.Equal(t, []any{a, b}, objects([]*flight.Flight{a, nil, b}))
	require.Equal(t, []any{a, b}, objects([][]*flight.Flight{{a}, {b}}))
}

// TestLoaderAllocations pins the allocations the loaders add per field, which run once
// per object of a page: a load of a cached id allocates nothing, and objects allocates one
// slice for a whole page (not one per element).
func TestLoaderAllocations(t *testing.T) {
	l := New(&fakeFlights{})
	ctx := With(context.Background(), l)
	_, err := Flight(ctx, "a")
	require.NoError(t, err)
	require.Zero(t, testing.AllocsPerRun(100, func() {
		if _, err := Flight(ctx, "a"); err != nil {
			t.Fatal(err)
		}
	}), "load of a cached id")

	page := make([]*flight.Flight, 50)
	for i := range page {
		page[i] = &flight.Flight{}
	}
	var res any = page // as the executor hands it over
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = objects(res) }), "objects of a page")
	require.Equal(t, []any{page[0], page[1]}, objects([]any{page[0], nil, any((*flight.Flight)(nil)), page[1]}))
}
