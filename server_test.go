package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/app/demo"
	"github.com/skygraph/skygraph/internal/browsertest"
)

// hangGuard bounds the waits of this package's tests for a process or a server to do
// something (start, answer, exit). It only catches a hang, so it is far beyond what any
// slow machine needs: how long these things take is measured by benchmarks, not asserted.
const hangGuard = 10 * time.Minute

// startServer runs the program as `go run .` does, with no configuration but PORT=0, and
// returns its base URL, how long it took to be ready, a stop function (what SIGTERM does)
// and a channel that yields run's result once it returns. It waits as long as start-up
// takes (`go test -timeout` bounds a hang): how long that is is BenchmarkStartup's to
// measure, not a test's to assert.
func startServer(t testing.TB, wrap func(http.Handler) http.Handler) (string, time.Duration, context.CancelFunc, <-chan error) {
	t.Helper()
	s := startServerWith(t, serverOptions{wrap: wrap})
	return s.url, s.ready, s.stop, s.result
}

// serverOptions configure startServerWith: the environment (default PORT=0 and warn-level
// logs), where the log goes (default nowhere) and a wrapper around the handler.
type serverOptions struct {
	env  map[string]string
	log  io.Writer
	wrap func(http.Handler) http.Handler
}

// startedServer is a program started by startServerWith.
type startedServer struct {
	url    string // base URL, with a wildcard listen address replaced by 127.0.0.1
	addr   string // the address the program reported it listens on, as is
	ready  time.Duration
	stop   context.CancelFunc
	result <-chan error // run's result, once it returns
}

// startServerWith is startServer with options; the test's cleanup stops the program and
// waits for run to return.
func startServerWith(t testing.TB, o serverOptions) startedServer {
	t.Helper()
	env := o.env
	if env == nil {
		env = map[string]string{"PORT": "0", "SKYGRAPH_LOG_LEVEL": "warn"}
	}
	logw := o.log
	if logw == nil {
		logw = io.Discard
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	result := make(chan error, 1)
	finished := make(chan struct{}) // closed when run has returned
	start := time.Now()
	go func() {
		result <- run(ctx, nil, func(k string) string { return env[k] }, logw,
			&hooks{listening: func(a string) { addr <- a }, wrapHandler: o.wrap})
		close(finished)
	}()
	select {
	case a := <-addr:
		t.Cleanup(func() {
			cancel()
			<-finished
		})
		return startedServer{
			url: "http://" + strings.Replace(a, "[::]", "127.0.0.1", 1), addr: a,
			ready: time.Since(start), stop: cancel, result: result,
		}
	case err := <-result:
		cancel()
		t.Fatalf("server did not start: %v", err)
	}
	return startedServer{}
}

func post(t *testing.T, url, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	res, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var out map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	return out
}

// TestDefaultRunAnswersSearch is acceptance 1: with no configuration the server starts on
// the embedded store, seeded, and answers LGW→MAD tomorrow. How fast it starts depends on
// the machine, so it is logged here and measured by BenchmarkStartup, never asserted.
func TestDefaultRunAnswersSearch(t *testing.T) {
	url, ready, _, _ := startServer(t, nil)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	out := post(t, url, `query($d: String) { getFlightBySchedule(departureAirportCode: "LGW",
		arrivalAirportCodeDepartureDate: {beginsWith: {arrivalAirportCode: "MAD", departureDate: $d}}) {
		items { id departureDate arrivalAirportCode } } }`, map[string]any{"d": tomorrow})
	require.Nil(t, out["errors"])
	items := out["data"].(map[string]any)["getFlightBySchedule"].(map[string]any)["items"].([]any)
	require.GreaterOrEqual(t, len(items), 3, "LGW→MAD flies several times a day")
	t.Logf("ready in %v", ready)

	for _, p := range []string{"/healthz", "/readyz", "/"} {
		res, err := http.Get(url + p)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, p)
	}
}

// TestStartupSaysWhereToGo: the first lines a person sees name the URL to open.
func TestStartupSaysWhereToGo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	addr := make(chan string, 1)
	done := make(chan error, 1)
	env := map[string]string{"PORT": "0", "SKYGRAPH_SEED_DAYS": "1"}
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, logs, &hooks{listening: func(a string) { addr <- a }})
	}()
	var a string
	select {
	case a = <-addr:
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	cancel()
	require.NoError(t, <-done)
	port := a[strings.LastIndex(a, ":")+1:]
	require.Contains(t, logs.String(), `"msg":"open http://localhost:`+port+`/ `)
}

// TestGracefulShutdown: SIGTERM (context cancellation) lets an in-flight request finish
// before run returns, and new connections are refused afterwards.
func TestGracefulShutdown(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Test-Hold") != "" {
				once.Do(func() { close(entered) })
				<-release
			}
			next.ServeHTTP(w, r)
		})
	}
	url, _, stop, done := startServer(t, wrap)

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, url+"/graphql",
			strings.NewReader(`{"query":"{ listFlights(limit: 2) { items { id } } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Hold", "1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		got <- result{status: res.StatusCode, body: string(b)}
	}()
	<-entered
	stop() // what SIGTERM does
	select {
	case err := <-done:
		t.Fatalf("run returned with a request in flight: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	r := <-got
	require.NoError(t, r.err)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `"items"`)
	require.NoError(t, <-done)
	res, err := http.Get(url + "/healthz")
	if err == nil {
		res.Body.Close()
	}
	require.Error(t, err, "the listener is closed after shutdown")
}

func TestCommands(t *testing.T) {
	env := func(k string) string { return map[string]string{}[k] }
	require.ErrorContains(t, run(context.Background(), []string{"seed"}, env, io.Discard, nil), "SKYGRAPH_TABLE")
	require.ErrorContains(t, run(context.Background(), []string{"frobnicate"}, env, io.Discard, nil), "unknown command")
	bad := func(k string) string { return map[string]string{"PORT": "http"}[k] }
	require.ErrorContains(t, run(context.Background(), nil, bad, io.Discard, nil), "PORT")
}

// TestPlaygroundInBrowser opens the playground of the real server (run, as `go run .`) in
// headless Chromium as a newcomer does: the schema has loaded (the docs explorer lists the
// root types, so GraphiQL's introspection query passed the server's limits), nothing is in
// the result pane, the first tab holds the flight search with its variables and the
// sign-in hint, and running it as it is answers flights. A query typed in runs too, and
// the page loads nothing from outside 127.0.0.1 (assets are embedded, no CDN).
func TestPlaygroundInBrowser(t *testing.T) {
	url, _, _, _ := startServer(t, nil)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	b := browsertest.NewBrowser(t)
	b.OpenPlayground(url + "/")

	require.Contains(t, b.DocsRootTypes(), "query: Query", "the docs explorer shows the schema")
	ed := b.Editors()
	require.Empty(t, ed.Result, "the result pane is empty on opening (an introspection error would show here)")
	require.Contains(t, ed.Query, "query FlightSearch(")
	require.Contains(t, ed.Query, `signIn(email: "demo@example.com"`)
	require.Contains(t, ed.Query, "Headers pane")
	require.Contains(t, ed.Variables, `"day": "`+tomorrow+`"`)

	out := b.PlaygroundRun()
	require.NotContains(t, out, `"errors"`)
	require.Contains(t, out, `"flightNumber"`)
	require.Contains(t, out, `"departureDate": "`+tomorrow)

	out = b.PlaygroundQuery(`{ getFlightBySchedule(departureAirportCode: "LGW",
  arrivalAirportCodeDepartureDate: {beginsWith: {arrivalAirportCode: "MAD", departureDate: "`+tomorrow+`"}}, limit: 2) {
    items { departureAirportCode arrivalAirportCode departureDate }
  } }`, nil)
	require.Contains(t, out, `"arrivalAirportCode": "MAD"`)
	require.Contains(t, out, tomorrow)
	require.Empty(t, b.NonLocalRequests())
	require.Empty(t, b.ConsoleErrors())
}

// TestSeedCommand runs `skygraph seed` against DynamoDB Local twice: the table is created,
// the catalog added, and the second run adds nothing (ids are deterministic).
func TestSeedCommand(t *testing.T) {
	b, ok := dynamotest.Local(t)
	if !ok {
		t.Skip("needs DynamoDB Local (make test)")
	}
	table := dynamotest.TableName(t)
	env := map[string]string{
		"SKYGRAPH_TABLE": table, "SKYGRAPH_DYNAMODB_ENDPOINT": b.Endpoint, "SKYGRAPH_SEED_DAYS": "2",
	}
	getenv := func(k string) string { return env[k] }
	var logs bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"init-table"}, getenv, &logs, nil))
	require.NoError(t, run(context.Background(), []string{"seed"}, getenv, &logs, nil))
	require.NoError(t, run(context.Background(), []string{"seed"}, getenv, &logs, nil))
	var created []float64
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "seeded demo catalog" {
			created = append(created, rec["created"].(float64))
		}
	}
	want, err := demo.Flights(time.Now(), 2)
	require.NoError(t, err)
	require.Equal(t, []float64{float64(len(want)), 0}, created)

	cfg, err := app.FromEnv(getenv)
	require.NoError(t, err)
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{})
	require.NoError(t, err)
	defer a.Close()
	page, err := a.Flights.List(context.Background(), nil, nil, nil)
	require.NoError(t, err)
	require.Len(t, page.Items, min(len(want), 100))
}

// BenchmarkStartup measures `go run .`'s start-up with no configuration: the embedded
// store started, the 30-day demo catalog and accounts seeded, the port listening; then a
// clean stop. Report it with
//
//	go test -run '^$' -bench Startup -benchtime 3x .
func BenchmarkStartup(b *testing.B) {
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		result := make(chan error, 1)
		env := map[string]string{"PORT": "0", "SKYGRAPH_LOG_LEVEL": "warn"}
		go func() {
			result <- run(ctx, nil, func(k string) string { return env[k] }, io.Discard,
				&hooks{listening: func(string) { close(ready) }})
		}()
		select {
		case <-ready:
		case err := <-result:
			cancel()
			b.Fatalf("server did not start: %v", err)
		}
		b.StopTimer()
		cancel()
		if err := <-result; err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
