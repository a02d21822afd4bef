package app_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/skygraph/skygraph/dynamo/dynamotest"
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
