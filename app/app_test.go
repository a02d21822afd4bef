package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/app/demo"
)

// env is a running app on one backend, with the DynamoDB calls counted.
type env struct {
	app     *app.App
	calls   *dynamotest.Counter
	client  *client.Client
	logs    *syncBuffer
	backend string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// seedDays keeps the seeded catalog small: tests search today and tomorrow.
const seedDays = 3

// envs starts the app on every backend: the embedded store (as `go run .` does) and
// DynamoDB Local (as production does with a configured table).
func envs(t *testing.T, mutate func(*app.Config)) []*env {
	t.Helper()
	var out []*env
	for _, b := range dynamotest.Backends(t) {
		out = append(out, newEnv(t, b, mutate))
	}
	return out
}

func newEnv(t *testing.T, b dynamotest.Backend, mutate func(*app.Config)) *env {
	t.Helper()
	return newEnvTB(t, b, mutate)
}

func newEnvTB(t testing.TB, b dynamotest.Backend, mutate ...func(*app.Config)) *env {
	t.Helper()
	return newEnvWith(t, b, app.Options{}, mutate...)
}

// newEnvWith is newEnvTB with options of the test's own (fault hooks, a clock, an API
// wrapper, which then sits below the call counter).
func newEnvWith(t testing.TB, b dynamotest.Backend, opts app.Options, mutate ...func(*app.Config)) *env {
	t.Helper()
	cfg, err := app.FromEnv(func(string) string { return "" })
	require.NoError(t, err)
	cfg.Table = dynamotest.NewTable(t, dynamotest.Client(t, b))
	cfg.DynamoDBEndpoint = b.Endpoint
	cfg.SeedDays = 0
	for _, m := range mutate {
		if m != nil {
			m(&cfg)
		}
	}
	logs := &syncBuffer{}
	e := &env{logs: logs, backend: b.Name}
	inner := opts.API
	opts.API = func(api dynamo.API) dynamo.API {
		if inner != nil {
			api = inner(api)
		}
		e.calls = dynamotest.NewCounter(api)
		return e.calls
	}
	opts.LocalBcryptCost = bcrypt.MinCost
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	_, err = demo.Seed(context.Background(), a.Flights, time.Now(), seedDays)
	require.NoError(t, err)
	require.NoError(t, a.SeedAccounts(context.Background()))
	e.app, e.client = a, client.New(a.Handler, client.Path("/graphql"))
	e.calls.Reset()
	return e
}

// signIn signs in through the API and returns the ID token.
func (e *env) signIn(t testing.TB, email, password string) string {
	t.Helper()
	var resp struct {
		SignIn struct{ IDToken, AccessToken string }
	}
	e.client.MustPost(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { idToken accessToken } }`,
		&resp, client.Var("e", email), client.Var("p", password))
	require.NotEmpty(t, resp.SignIn.IDToken)
	return resp.SignIn.IDToken
}

// The seeded demo accounts (localidp.DemoAccounts).
const (
	demoEmail, demoPassword   = "demo@example.com", "Demo1234!"
	adminEmail, adminPassword = "admin@example.com", "Admin1234!"
	ownerEmail, ownerPassword = "owner@example.com", "Owner1234!"
)

// raw posts a GraphQL request and returns the recorded response and the decoded body.
func (e *env) raw(t *testing.T, query string, vars map[string]any, header ...string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return rec, out
}

// firstError returns the first GraphQL error of a response, failing when there is none.
func firstError(t *testing.T, out map[string]any) map[string]any {
	t.Helper()
	errs, ok := out["errors"].([]any)
	require.True(t, ok && len(errs) > 0, "expected errors in %v", out)
	return errs[0].(map[string]any)
}

// requireCode checks AppSync's top-level errorType and extensions.code.
func requireCode(t *testing.T, out map[string]any, code string) map[string]any {
	t.Helper()
	e := firstError(t, out)
	require.Equal(t, code, e["errorType"], "errorType in %v", e)
	require.Equal(t, code, e["extensions"].(map[string]any)["code"], "extensions.code in %v", e)
	return e
}

func day(offset int) string { return time.Now().UTC().AddDate(0, 0, offset).Format(time.DateOnly) }

// sampleSearch is the document the AppSync sample frontend sends for flight search
// (src/frontend/src/store/catalog/graphql.js), unchanged.
const sampleSearch = `query GetFlightBySchedule(
    $departureAirportCode: String
    $arrivalAirportCodeDepartureDate: ModelFlightByDepartureScheduleCompositeKeyConditionInput
    $sortDirection: ModelSortDirection
    $filter: ModelFlightFilterInput
    $limit: Int
    $nextToken: String
  ) {
    getFlightBySchedule(
      departureAirportCode: $departureAirportCode
      arrivalAirportCodeDepartureDate: $arrivalAirportCodeDepartureDate
      sortDirection: $sortDirection
      filter: $filter
      limit: $limit
      nextToken: $nextToken
    ) {
      items {
        id
        departureDate
        departureAirportCode
        departureAirportName
        departureCity
        departureLocale
        arrivalDate
        arrivalAirportCode
        arrivalAirportName
        arrivalCity
        arrivalLocale
        ticketPrice
        ticketCurrency
        flightNumber
        seatCapacity
      }
      nextToken
    }
  }`

// flightOut has every Flight field (gqlgen's client refuses unknown response fields).
type flightOut struct {
	ID                   string
	DepartureDate        string
	DepartureAirportCode string
	DepartureAirportName string
	DepartureCity        string
	DepartureLocale      string
	ArrivalDate          string
	ArrivalAirportCode   string
	ArrivalAirportName   string
	ArrivalCity          string
	ArrivalLocale        string
	TicketPrice          int
	TicketCurrency       string
	FlightNumber         int
	SeatAllocation       *int
	SeatCapacity         int
	TotalSeats           int
	CreatedAt            string
	UpdatedAt            string
}

type searchResp struct {
	GetFlightBySchedule struct {
		Items     []flightOut
		NextToken *string
	}
}

// TestSampleFrontendSearch sends the sample frontend's search exactly as it does (the
// variables of store/catalog/actions.js) and follows nextToken to the end.
func TestSampleFrontendSearch(t *testing.T) {
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			want, err := demo.Flights(time.Now(), seedDays)
			require.NoError(t, err)
			expected := map[string]bool{}
			for _, f := range want {
				if f.DepartureAirportCode == "LGW" && f.ArrivalAirportCode == "MAD" &&
					strings.HasPrefix(f.DepartureDate, day(1)) && f.SeatCapacity > 0 {
					expected[f.ID] = true
				}
			}
			require.NotEmpty(t, expected)

			var got []string
			var token *string
			for page := 0; ; page++ {
				require.Less(t, page, 10)
				vars := []client.Option{
					client.Var("departureAirportCode", "LGW"),
					client.Var("arrivalAirportCodeDepartureDate", map[string]any{
						"beginsWith": map[string]any{"arrivalAirportCode": "MAD", "departureDate": day(1)},
					}),
					client.Var("filter", map[string]any{"seatCapacity": map[string]any{"gt": 0}}),
					client.Var("limit", 5),
					client.Var("nextToken", token),
				}
				var resp searchResp
				e.client.MustPost(sampleSearch, &resp, vars...)
				conn := resp.GetFlightBySchedule
				require.LessOrEqual(t, len(conn.Items), 5)
				prev := ""
				for _, f := range conn.Items {
					require.Equal(t, "LGW", f.DepartureAirportCode)
					require.Equal(t, "MAD", f.ArrivalAirportCode)
					require.Positive(t, f.SeatCapacity)
					require.True(t, strings.HasPrefix(f.DepartureDate, day(1)), f.DepartureDate)
					require.Greater(t, f.DepartureDate, prev, "sorted by departure")
					prev = f.DepartureDate
					got = append(got, f.ID)
				}
				if conn.NextToken == nil {
					break
				}
				token = conn.NextToken
			}
			require.Len(t, got, len(expected))
			for _, id := range got {
				require.True(t, expected[id], id)
			}
		})
	}
}

const scheduleQuery = `query($dep: String, $key: ModelFlightByDepartureScheduleCompositeKeyConditionInput, $dir: ModelSortDirection, $limit: Int, $next: String) {
  getFlightBySchedule(departureAirportCode: $dep, arrivalAirportCodeDepartureDate: $key, sortDirection: $dir, limit: $limit, nextToken: $next) {
    items { id departureDate arrivalAirportCode }
    nextToken
  }
}`

// TestCompositeKeyOperators runs every operator of the composite key condition through
// GraphQL and compares with the seeded catalog.
func TestCompositeKeyOperators(t *testing.T) {
	all, err := demo.Flights(time.Now(), seedDays)
	require.NoError(t, err)
	var lgw []string // LGW departures as arrival#date sort keys, with ids
	byKey := map[string]string{}
	for _, f := range all {
		if f.DepartureAirportCode == "LGW" {
			k := f.ArrivalAirportCode + "#" + f.DepartureDate
			lgw = append(lgw, k)
			byKey[k] = f.ID
		}
	}
	// Pick reference values from the data itself.
	var madTomorrow []string
	for _, k := range lgw {
		if strings.HasPrefix(k, "MAD#"+day(1)) {
			madTomorrow = append(madTomorrow, k)
		}
	}
	require.GreaterOrEqual(t, len(madTomorrow), 4)
	ref := madTomorrow[1]
	refDate := strings.TrimPrefix(ref, "MAD#")
	hi := madTomorrow[3]
	ids := func(pred func(k string) bool) []string {
		var keys []string
		for _, k := range lgw {
			if pred(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = byKey[k]
		}
		return out
	}
	key := func(arr, date string) map[string]any {
		m := map[string]any{"arrivalAirportCode": arr}
		if date != "" {
			m["departureDate"] = date
		}
		return m
	}
	cases := []struct {
		name string
		cond map[string]any
		want []string
	}{
		{"eq", map[string]any{"eq": key("MAD", refDate)}, ids(func(k string) bool { return k == ref })},
		{"le", map[string]any{"le": key("MAD", refDate)}, ids(func(k string) bool { return k <= ref })},
		{"lt", map[string]any{"lt": key("MAD", refDate)}, ids(func(k string) bool { return k < ref })},
		{"ge", map[string]any{"ge": key("MAD", refDate)}, ids(func(k string) bool { return k >= ref })},
		{"gt", map[string]any{"gt": key("MAD", refDate)}, ids(func(k string) bool { return k > ref })},
		{"between", map[string]any{"between": []any{key("MAD", refDate), key("MAD", strings.TrimPrefix(hi, "MAD#"))}},
			ids(func(k string) bool { return k >= ref && k <= hi })},
		{"beginsWith arrival", map[string]any{"beginsWith": key("BCN", "")}, ids(func(k string) bool { return strings.HasPrefix(k, "BCN#") })},
		{"beginsWith arrival+day", map[string]any{"beginsWith": key("MAD", day(1))}, ids(func(k string) bool { return strings.HasPrefix(k, "MAD#"+day(1)) })},
	}
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					require.NotEmpty(t, c.want)
					for _, dir := range []string{"ASC", "DESC"} {
						var got []string
						var next *string
						for range 100 {
							var resp struct {
								GetFlightBySchedule struct {
									Items     []flightOut
									NextToken *string
								}
							}
							e.client.MustPost(scheduleQuery, &resp, client.Var("dep", "LGW"), client.Var("key", c.cond),
								client.Var("dir", dir), client.Var("limit", 7), client.Var("next", next))
							for _, f := range resp.GetFlightBySchedule.Items {
								got = append(got, f.ID)
							}
							if next = resp.GetFlightBySchedule.NextToken; next == nil {
								break
							}
						}
						want := c.want
						if dir == "DESC" {
							want = reversed(want)
						}
						require.Equal(t, want, got, dir)
					}
				})
			}
		})
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
