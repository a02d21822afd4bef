package loaders

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// BenchmarkLoaderBatch is the loader's own cost for a page of 50 objects that each load a
// related flight (Booking.outboundFlight on a bookings page, 10 distinct flights): one
// look-ahead batch, then 50 concurrent loads that wait for it. The source answers from
// memory, so what is measured is the batching (claims, the batch goroutine, the waits),
// not a store. `make bench` runs it.
func BenchmarkLoaderBatch(b *testing.B) {
	keys := make([]string, 50)
	for i := range keys {
		keys[i] = fmt.Sprintf("flight-%d", i%10)
	}
	src := &fakeFlights{}
	b.ReportAllocs()
	for b.Loop() {
		l := New(src)
		ctx := With(context.Background(), l)
		l.flights.prefetch(ctx, keys)
		var wg sync.WaitGroup
		for _, id := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := Flight(ctx, id); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		l.Wait()
		src.mu.Lock()
		src.calls = src.calls[:0]
		src.mu.Unlock()
	}
}
