package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkPlaceOrder is placeOrder end to end through the GraphQL handler (auth, gqlgen,
// the saga: charge and catalog reads, the reservation of two lines' stock, capture, the
// PAID transaction) under concurrency, as BenchmarkProcessBooking measures bookings. Each
// op is one order of two products with its own authorization; customers, holds and
// products are made before the timer starts. It reports orders/s and ddb-calls/op. Run
// on both stores with:
//
//	bash scripts/with-services.sh go test -run '^$' -bench PlaceOrder -benchtime 2s ./app
func BenchmarkPlaceOrder(b *testing.B) {
	const (
		customers = 64
		priceA    = 1200
		priceB    = 350
	)
	doc := `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id status total } }`
	for _, e := range benchEnvs(b) {
		cs := newLoadCustomers(b, e, "order-bench", customers)
		b.Run(e.backend, func(b *testing.B) {
			// Every op takes one unit of each product; there is stock for all of them.
			pa, pb := newProduct(b, e, priceA, b.N), newProduct(b, e, priceB, b.N)
			subs := make([]string, b.N)
			for i := range subs {
				subs[i] = cs[i%customers].sub
			}
			tokens := loadAuthorize(b, e, subs, priceA+priceB, "EUR")
			bodies := make([][]byte, b.N)
			for i := range bodies {
				body, err := json.Marshal(map[string]any{"query": doc, "variables": orderVars(tokens[i], line{pa.ID, 1}, line{pb.ID, 1})})
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
			b.RunParallel(func(p *testing.PB) {
				for p.Next() {
					i := next.Add(1) - 1
					req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(bodies[i]))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", cs[int(i)%customers].token)
					rec := httptest.NewRecorder()
					e.app.Handler.ServeHTTP(rec, req)
					var out struct {
						Data   struct{ PlaceOrder *struct{ ID, Status string } }
						Errors []loadGQLError
					}
					err := json.Unmarshal(rec.Body.Bytes(), &out)
					if err == nil && (rec.Code != http.StatusOK || len(out.Errors) > 0 ||
						out.Data.PlaceOrder == nil || out.Data.PlaceOrder.Status != "PAID") {
						err = fmt.Errorf("HTTP %d: %s", rec.Code, rec.Body.String())
					}
					if err != nil {
						failed.Add(1)
						firstErr.Do(func() { b.Errorf("order %d: %v", i, err) })
					}
				}
			})
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d of %d orders failed", n, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
			reportCalls(b, e)
		})
	}
}
