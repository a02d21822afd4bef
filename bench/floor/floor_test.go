package floor_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/bench/floor"
)

type env struct {
	app     *app.App
	calls   *dynamotest.Counter
	fixture *floor.Fixture
	backend string
}

func newEnv(tb testing.TB, be dynamotest.Backend, size floor.Size) *env {
	tb.Helper()
	return newEnvWith(tb, be, size, nil)
}

// newEnvWith is newEnv with wrap (when not nil) around the client, below the counter.
func newEnvWith(tb testing.TB, be dynamotest.Backend, size floor.Size, wrap func(dynamo.API) dynamo.API) *env {
	tb.Helper()
	cfg, err := app.FromEnv(func(string) string { return "" })
	require.NoError(tb, err)
	cfg.Table = dynamotest.NewTable(tb, dynamotest.Client(tb, be))
	cfg.DynamoDBEndpoint = be.Endpoint
	cfg.SeedDays, cfg.Playground = 0, false
	e := &env{backend: be.Name}
	a, err := app.New(tb.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{API: func(api dynamo.API) dynamo.API {
		if wrap != nil {
			api = wrap(api)
		}
		e.calls = dynamotest.NewCounter(api)
		return e.calls
	}})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = a.Close() })
	e.app = a
	e.fixture, err = floor.Seed(tb.Context(), a, size)
	require.NoError(tb, err)
	return e
}

func do(tb testing.TB, h http.Handler, r floor.Request) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, r.Path, bytes.NewReader(r.Body))
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func data(tb testing.TB, body []byte) map[string]any {
	tb.Helper()
	var out map[string]any
	require.NoError(tb, json.Unmarshal(body, &out), "%s", body)
	require.Nil(tb, out["errors"], "%s", body)
	require.NotNil(tb, out["data"], "%s", body)
	return out["data"].(map[string]any)
}

// TestFloorAnswersAsSkygraph: for every workload the floor answers with the same JSON data
// as skygraph (processBooking: both confirm a booking), with the same number of DynamoDB
// calls. This is what makes the floor a fair measuring stick; `make test` runs it (it never
// times anything).
func TestFloorAnswersAsSkygraph(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be, floor.Size{Bookings: 2, Orders: 3, Customers: 2, Page: 4})
			fh := floor.Handler(e.app)
			for _, name := range floor.Names {
				w := e.fixture.Get(name)
				require.NotNil(t, w, name)
				e.calls.Reset()
				code, sky := do(t, e.app.Handler, w.Skygraph[0])
				require.Equal(t, http.StatusOK, code, "%s: %s", name, sky)
				skyCalls := e.calls.Total()
				e.calls.Reset()
				code, fl := do(t, fh, w.Floor[0])
				require.Equal(t, http.StatusOK, code, "%s: %s", name, fl)
				require.Equal(t, skyCalls, e.calls.Total(), "%s: DynamoDB calls of skygraph and the floor", name)
				sd, fd := data(t, sky), data(t, fl)
				if name == floor.Process {
					for _, d := range []map[string]any{sd, fd} {
						require.Equal(t, "CONFIRMED", d["processBooking"].(map[string]any)["status"], "%s", d)
					}
					continue
				}
				require.Equal(t, sd, fd, name)
				t.Logf("%s: %d DynamoDB calls, %d bytes", name, skyCalls, len(fl))
			}
		})
	}
}

// BenchmarkWorkload runs every workload in process through skygraph's handler and the
// floor's (allocations and DynamoDB calls per operation; `make bench` prints them next to
// the load run's numbers).
func BenchmarkWorkload(b *testing.B) {
	for _, be := range dynamotest.Backends(b) {
		e := newEnv(b, be, floor.Size{Bookings: 100, Orders: 20})
		fh := floor.Handler(e.app)
		for _, name := range floor.Names {
			w := e.fixture.Get(name)
			for _, side := range []struct {
				name string
				h    http.Handler
				reqs []floor.Request
			}{{"skygraph", e.app.Handler, w.Skygraph}, {"floor", fh, w.Floor}} {
				b.Run(name+"/"+be.Name+"/"+side.name, func(b *testing.B) {
					b.ReportAllocs()
					e.calls.Reset()
					i := 0
					for b.Loop() {
						r := side.reqs[0]
						if w.Consumed {
							// b.Loop sets no b.N up front, so the prepared requests are
							// checked as they are used.
							if i == len(side.reqs) {
								b.Fatalf("%s consumes a prepared request per operation and %d are prepared: run it with -benchtime %dx or fewer", name, len(side.reqs), len(side.reqs))
							}
							r = side.reqs[i]
							i++
						}
						if code, body := do(b, side.h, r); code != http.StatusOK {
							b.Fatalf("HTTP %d: %s", code, body)
						}
					}
					b.ReportMetric(float64(e.calls.Total())/float64(b.N), "ddb-calls/op")
				})
			}
			if w.Consumed {
				// The next backend's consumed requests are its own; nothing to reset here.
				continue
			}
		}
	}
}
