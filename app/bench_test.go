package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
)

// Benchmarks of the whole request path (HTTP handler → gqlgen → resolvers → loaders →
// dynamo → the store), in process. Compare ns/op within one run only (shared machines are
// noisy); ddb-calls/op is exact. Run on both stores with:
//
//	bash scripts/with-services.sh go test -run '^$' -bench . -benchtime 2s ./app
func benchEnvs(b *testing.B) []*env {
	var out []*env
	for _, be := range dynamotest.Backends(b) {
		out = append(out, newEnvTB(b, be, nil))
	}
	return out
}

func reportCalls(b *testing.B, e *env) {
	b.ReportMetric(float64(e.calls.Total())/float64(b.N), "ddb-calls/op")
}

// BenchmarkSampleSearch is the sample frontend's search (limit 5, seatCapacity > 0).
func BenchmarkSampleSearch(b *testing.B) {
	for _, e := range benchEnvs(b) {
		b.Run(e.backend, func(b *testing.B) {
			vars := []client.Option{
				client.Var("departureAirportCode", "LGW"),
				client.Var("arrivalAirportCodeDepartureDate", map[string]any{"beginsWith": map[string]any{"arrivalAirportCode": "MAD", "departureDate": day(1)}}),
				client.Var("filter", map[string]any{"seatCapacity": map[string]any{"gt": 0}}),
				client.Var("limit", 5),
			}
			e.calls.Reset()
			b.ResetTimer()
			for range b.N {
				var resp searchResp
				e.client.MustPost(sampleSearch, &resp, vars...)
			}
			reportCalls(b, e)
		})
	}
}

// BenchmarkTenFlights compares reading ten flights in one operation (aliases share the
// FlightByID loader: one BatchGetItem) with ten operations of one flight each.
func BenchmarkTenFlights(b *testing.B) {
	for _, e := range benchEnvs(b) {
		ids := someFlightIDsTB(b, e, 10)
		var q strings.Builder
		q.WriteString("{")
		for i, id := range ids {
			fmt.Fprintf(&q, " f%d: getFlight(id: %q) { id seatCapacity }", i, id)
		}
		q.WriteString(" }")
		b.Run(e.backend+"/one-operation", func(b *testing.B) {
			e.calls.Reset()
			for range b.N {
				var resp map[string]any
				e.client.MustPost(q.String(), &resp)
			}
			reportCalls(b, e)
		})
		b.Run(e.backend+"/ten-operations", func(b *testing.B) {
			e.calls.Reset()
			for range b.N {
				for _, id := range ids {
					var resp map[string]any
					e.client.MustPost(`query($id: ID!) { getFlight(id: $id) { id seatCapacity } }`, &resp, client.Var("id", id))
				}
			}
			reportCalls(b, e)
		})
	}
}

// BenchmarkAuthOverhead compares one getFlight as the anonymous caller and with an ID
// token (signature verification, claim checks, policy evaluation on every field).
func BenchmarkAuthOverhead(b *testing.B) {
	e := newEnvTB(b, dynamotest.Backends(b)[0], nil)
	id := someFlightIDsTB(b, e, 1)[0]
	tok := e.signIn(b, demoEmail, demoPassword)
	q := `query($id: ID!) { getFlight(id: $id) { id departureDate seatCapacity ticketPrice } }`
	for _, c := range []struct {
		name string
		opts []client.Option
	}{
		{"anonymous", []client.Option{client.Var("id", id)}},
		{"id-token", []client.Option{client.Var("id", id), client.AddHeader("Authorization", tok)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				var resp map[string]any
				e.client.MustPost(q, &resp, c.opts...)
			}
		})
	}
}

// BenchmarkProcessBooking is processBooking end to end through the GraphQL handler (auth,
// gqlgen, the saga: reads, reserve, capture, confirm with loyalty) under concurrency
// (b.RunParallel, 4 requests in flight per GOMAXPROCS). Each op is one booking with its own
// authorization; the customers, holds and flights (at most 1000 seats each, so bookings
// rotate over several) are made before the timer starts. It reports bookings/s and
// ddb-calls/op (DynamoDB calls per booking). Run on both stores with:
//
//	bash scripts/with-services.sh go test -run '^$' -bench ProcessBooking -benchtime 2s ./app
func BenchmarkProcessBooking(b *testing.B) {
	const (
		price = 120
		// customers are reused across holds; consecutive bookings (those in flight together)
		// belong to different customers, so their loyalty totals do not contend.
		customers = 64
		// perFlight keeps every flight below its 1000 seats with room to spare.
		perFlight = 500
	)
	doc := `mutation($in: CreateBookingInput!) { processBooking(input: $in) { id status bookingReference } }`
	for _, e := range benchEnvs(b) {
		cs := newLoadCustomers(b, e, "bench", customers)
		b.Run(e.backend, func(b *testing.B) {
			nFlights := b.N/perFlight + 1
			flights := make([]string, nFlights)
			for i := range flights {
				flights[i] = newFlight(b, e, 1000, price, 30).ID
			}
			subs := make([]string, b.N)
			for i := range subs {
				subs[i] = cs[i%customers].sub
			}
			tokens := loadAuthorize(b, e, subs, price*100, "EUR")
			bodies := make([][]byte, b.N)
			for i := range bodies {
				body, err := json.Marshal(map[string]any{"query": doc, "variables": loadBookingVars(tokens[i], flights[i%nFlights])})
				if err != nil {
					b.Fatal(err)
				}
				bodies[i] = body
			}
			var (
				next     atomic.Int64
				failed   atomic.Int64
				firstErr sync.Once
			)
			b.SetParallelism(4)
			e.calls.Reset()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1) - 1
					req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(bodies[i]))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", cs[int(i)%customers].token)
					rec := httptest.NewRecorder()
					e.app.Handler.ServeHTTP(rec, req)
					var out struct {
						Data   struct{ ProcessBooking *struct{ ID, Status string } }
						Errors []loadGQLError
					}
					err := json.Unmarshal(rec.Body.Bytes(), &out)
					if err == nil && (rec.Code != http.StatusOK || len(out.Errors) > 0 ||
						out.Data.ProcessBooking == nil || out.Data.ProcessBooking.Status != "CONFIRMED") {
						err = fmt.Errorf("HTTP %d: %s", rec.Code, rec.Body.String())
					}
					if err != nil {
						failed.Add(1)
						firstErr.Do(func() { b.Errorf("booking %d: %v", i, err) })
					}
				}
			})
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d of %d bookings failed", n, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
			reportCalls(b, e)
		})
	}
}
