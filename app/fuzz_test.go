package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/internal/hostile"
)

// FuzzGraphQLBody posts any body to /graphql: never a 500, always a JSON answer of
// bounded size. `go test` runs the seeds (every hostile case among them); `make fuzz`
// fuzzes, e.g. `go test ./app -run '^$' -fuzz FuzzGraphQLBody -fuzztime 60s`.
func FuzzGraphQLBody(f *testing.F) {
	for _, c := range hostile.Cases() {
		if len(c.Body) < 64<<10 { // the fuzzer's corpus stays small; big ones are in the suite
			f.Add(c.Body)
		}
	}
	for _, s := range []string{
		`{"query":"{ listFlights(limit: 2) { items { id flightNumber } nextToken } }"}`,
		`{"query":"query($d: String) { getFlightBySchedule(departureAirportCode: \"LGW\", arrivalAirportCodeDepartureDate: {beginsWith: {arrivalAirportCode: \"MAD\", departureDate: $d}}) { items { id } } }","variables":{"d":"2026-01-01"}}`,
		`{"query":"mutation { signIn(email: \"demo@example.com\", password: \"x\") { idToken } }"}`,
		`{"query":"{ listFlights(nextToken: \"AAAA\") { items { id } } }"}`,
		`{"query":"{ __schema { types { name } } }"}`,
		`{"query":"{ getFlight(id: \"x\") { id } }","operationName":"nope"}`,
		`{"query": 1}`, `[]`, `null`, `{"query":"{","variables":[]}`, `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}`,
		"\xff\xfe", ``,
	} {
		f.Add([]byte(s))
	}
	e := newEnvTB(f, dynamotest.Backends(f)[0], func(c *app.Config) { c.RequestTimeout = 5e9 })
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.app.Handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not JSON for %q: %q", body, rec.Body.String())
		}
		if rec.Body.Len() > 4<<20 {
			t.Fatalf("answer of %d bytes for a body of %d", rec.Body.Len(), len(body))
		}
	})
}
