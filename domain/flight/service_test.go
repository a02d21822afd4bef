package flight_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/flight/flighttest"
	"github.com/skygraph/skygraph/internal/apperr"
)

// TestConcurrentUpdatesAreNeverLost attacks optimistic concurrency: concurrent edits of one
// flight either succeed, each with its own version, or fail with Conflict; the stored
// flight is exactly the last successful edit and counts every success.
func TestConcurrentUpdatesAreNeverLost(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc := flight.NewService(dynamotest.NewStore(t, b, nil).Flights(), nil, nil)
			in := flighttest.Make("c1", "LGW", "MAD", 0)
			_, err := svc.Create(ctx, flight.CreateInput{
				ID: &in.ID, DepartureDate: in.DepartureDate, DepartureAirportCode: "LGW", DepartureAirportName: "G",
				DepartureCity: "L", DepartureLocale: "Europe/London", ArrivalDate: in.ArrivalDate,
				ArrivalAirportCode: "MAD", ArrivalAirportName: "B", ArrivalCity: "M", ArrivalLocale: "Europe/Madrid",
				TicketPrice: 1, TicketCurrency: "EUR", FlightNumber: 1, SeatCapacity: 10,
			}, nil)
			require.NoError(t, err)

			const writers = 8
			type result struct {
				price   int
				version int64
				err     error
			}
			results := make([]result, writers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range writers {
				wg.Go(func() {
					<-start
					price := 100 + i
					f, err := svc.Update(ctx, flight.UpdateInput{ID: "c1", TicketPrice: &price}, nil)
					results[i] = result{price: price, err: err}
					if err == nil {
						results[i].version = f.Version
					}
				})
			}
			close(start)
			wg.Wait()

			seen := map[int64]bool{}
			last := result{}
			for _, r := range results {
				if r.err != nil {
					require.Equal(t, apperr.Conflict, apperr.CodeOf(r.err), r.err)
					continue
				}
				require.False(t, seen[r.version], "two updates got version %d", r.version)
				seen[r.version] = true
				if r.version > last.version {
					last = r
				}
			}
			require.NotEmpty(t, seen)
			got, err := svc.Get(ctx, "c1")
			require.NoError(t, err)
			require.Equal(t, int64(1+len(seen)), got.Version, "every success is counted")
			require.Equal(t, last.price, got.TicketPrice, "the stored flight is the last successful edit")
		})
	}
}
