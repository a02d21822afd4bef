package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
)

func embeddedEnv(t *testing.T, mutate func(*app.Config)) *env {
	t.Helper()
	return newEnv(t, dynamotest.Backends(t)[0], mutate)
}

// someFlightIDs returns n ids of seeded flights.
func someFlightIDs(t *testing.T, e *env, n int) []string {
	t.Helper()
	return someFlightIDsTB(t, e, n)
}

func someFlightIDsTB(t testing.TB, e *env, n int) []string {
	t.Helper()
	var resp struct{ ListFlights struct{ Items []flightOut } }
	e.client.MustPost(`query($l: Int) { listFlights(limit: $l) { items { id } } }`, &resp, client.Var("l", n))
	require.Len(t, resp.ListFlights.Items, n)
	ids := make([]string, n)
	for i, f := range resp.ListFlights.Items {
		ids[i] = f.ID
	}
	return ids
}

// TestGetFlightGoesThroughTheLoader: aliased getFlight fields of one operation cost one
// BatchGetItem and no GetItem; a second operation gets fresh loaders (no stale cache).
func TestGetFlightGoesThroughTheLoader(t *testing.T) {
	e := embeddedEnv(t, nil)
	ids := someFlightIDs(t, e, 3)
	e.calls.Reset()
	q := fmt.Sprintf(`{ a: getFlight(id: %q) { id } b: getFlight(id: %q) { id } c: getFlight(id: %q) { id } d: getFlight(id: %q) { id } }`,
		ids[0], ids[1], ids[2], ids[0])
	var resp map[string]struct{ ID string }
	e.client.MustPost(q, &resp)
	require.Equal(t, ids[0], resp["a"].ID)
	require.Equal(t, ids[2], resp["c"].ID)
	require.Equal(t, ids[0], resp["d"].ID)
	require.Equal(t, 1, e.calls.Count("BatchGetItem"))
	require.Equal(t, 0, e.calls.Count("GetItem"))
	require.Equal(t, 1, e.calls.Total())

	e.client.MustPost(q, &resp)
	require.Equal(t, 2, e.calls.Count("BatchGetItem"), "loaders are per operation")
}

// TestLoaderBatchesAreDeterministic: the flights of a page of bookings, and aliased
// getFlight fields, are one BatchGetItem every time, whatever the scheduling: the batch is
// decided by looking ahead in the query, not by a wait that a slow machine overruns. It
// runs each query many times (a batch window failed within a few on a busy machine).
func TestLoaderBatchesAreDeterministic(t *testing.T) {
	e := embeddedEnv(t, nil)
	cu := newCustomer(t, e)
	var flightIDs []string
	for i := range 4 {
		f := newFlight(t, e, 5, 100+i, 30+i)
		flightIDs = append(flightIDs, f.ID)
		_, out := book(t, e, cu, authorize(t, e, cu, f, "tok_visa"), f.ID)
		require.Nil(t, out["errors"], "%v", out)
	}
	page := func(withFlights bool) (batches, gets int, flights []string) {
		sel := "id"
		if withFlights {
			sel = "id outboundFlight { id }"
		}
		e.calls.Reset()
		_, out := e.raw(t, `query { getBookingByStatus(limit: 10) { items { `+sel+` } } }`, nil, "Authorization", cu.token)
		require.Nil(t, out["errors"], "%v", out)
		items := out["data"].(map[string]any)["getBookingByStatus"].(map[string]any)["items"].([]any)
		require.Len(t, items, 4)
		for _, it := range items {
			if f, ok := it.(map[string]any)["outboundFlight"].(map[string]any); ok {
				flights = append(flights, f["id"].(string))
			}
		}
		return e.calls.Count("BatchGetItem"), e.calls.Count("GetItem"), flights
	}
	baseBatches, baseGets, _ := page(false)
	aliased := fmt.Sprintf(`{ a: getFlight(id: %q) { id } b: getFlight(id: %q) { id } c: getFlight(id: %q) { id } d: getFlight(id: %q) { id } }`,
		flightIDs[0], flightIDs[1], flightIDs[2], flightIDs[3])
	for i := range 25 {
		batches, gets, flights := page(true)
		require.ElementsMatch(t, flightIDs, flights)
		require.Equal(t, baseBatches+1, batches, "run %d: the page's four flights are one BatchGetItem", i)
		require.Equal(t, baseGets, gets, "run %d: and no GetItem", i)

		e.calls.Reset()
		var resp map[string]struct{ ID string }
		e.client.MustPost(aliased, &resp)
		require.Equal(t, flightIDs[3], resp["d"].ID)
		require.Equal(t, 1, e.calls.Count("BatchGetItem"), "run %d: four aliased getFlight, one BatchGetItem", i)
		require.Equal(t, 1, e.calls.Total(), "run %d", i)
	}
}

func TestGetFlightMissingIsNull(t *testing.T) {
	e := embeddedEnv(t, nil)
	_, out := e.raw(t, `{ getFlight(id: "does-not-exist") { id } }`, nil)
	require.Nil(t, out["errors"])
	require.Equal(t, map[string]any{"getFlight": nil}, out["data"])
}

func TestSearchRoundTrips(t *testing.T) {
	e := embeddedEnv(t, nil)
	var resp searchResp
	e.client.MustPost(sampleSearch, &resp, client.Var("departureAirportCode", "LGW"),
		client.Var("arrivalAirportCodeDepartureDate", map[string]any{"beginsWith": map[string]any{"arrivalAirportCode": "MAD", "departureDate": day(1)}}),
		client.Var("limit", 2))
	require.Len(t, resp.GetFlightBySchedule.Items, 2)
	require.Equal(t, 1, e.calls.Total(), "a search page is one Query")
}

func TestForgedNextTokenIsBadRequest(t *testing.T) {
	e := embeddedEnv(t, nil)
	var resp searchResp
	e.client.MustPost(scheduleQuery, &resp, client.Var("dep", "LGW"), client.Var("limit", 1))
	tok := *resp.GetFlightBySchedule.NextToken
	for name, forged := range map[string]string{
		"garbage":     "not-a-token",
		"truncated":   tok[:len(tok)/2],
		"bit flipped": flipChar(tok),
		"huge":        strings.Repeat("A", 10000),
	} {
		t.Run(name, func(t *testing.T) {
			res, out := e.raw(t, scheduleQuery, map[string]any{"dep": "LGW", "limit": 1, "next": forged})
			require.Equal(t, http.StatusOK, res.Code)
			err := requireCode(t, out, "BadRequest")
			require.Contains(t, err["message"], "nextToken")
			require.Equal(t, map[string]any{"getFlightBySchedule": nil}, out["data"])
		})
	}
	t.Run("other query", func(t *testing.T) {
		_, out := e.raw(t, scheduleQuery, map[string]any{"dep": "MAD", "limit": 1, "next": tok})
		requireCode(t, out, "BadRequest")
		_, out = e.raw(t, `query($n: String) { listFlights(nextToken: $n) { nextToken } }`, map[string]any{"n": tok})
		requireCode(t, out, "BadRequest")
	})
}

func flipChar(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'x' {
		b[i] = 'y'
	} else {
		b[i] = 'x'
	}
	return string(b)
}

// TestInvalidInputs: bad arguments are BadRequest (or a validation error), never 500.
func TestInvalidInputs(t *testing.T) {
	e := embeddedEnv(t, nil)
	cases := []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"Int given a string", `query($l: Int) { listFlights(limit: $l) { nextToken } }`, map[string]any{"l": "five"}, "GRAPHQL_VALIDATION_FAILED"},
		{"Int overflow", `query($l: Int) { listFlights(limit: $l) { nextToken } }`, map[string]any{"l": 1 << 40}, "BadRequest"},
		{"Int literal overflow", `{ listFlights(limit: 99999999999) { nextToken } }`, nil, "BadRequest"},
		{"ID given an object", `query($id: ID!) { getFlight(id: $id) { id } }`, map[string]any{"id": map[string]any{"x": 1}}, "GRAPHQL_VALIDATION_FAILED"},
		{"missing required variable", `query($id: ID!) { getFlight(id: $id) { id } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"limit zero", `{ listFlights(limit: 0) { nextToken } }`, nil, "BadRequest"},
		{"limit too big", `{ listFlights(limit: 100000) { nextToken } }`, nil, "BadRequest"},
		{"unknown enum", `{ getFlightBySchedule(departureAirportCode: "LGW", sortDirection: SIDEWAYS) { nextToken } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"enum variable", `query($d: ModelSortDirection) { getFlightBySchedule(departureAirportCode: "LGW", sortDirection: $d) { nextToken } }`, map[string]any{"d": "UP"}, "GRAPHQL_VALIDATION_FAILED"},
		{"missing departure", `{ getFlightBySchedule { nextToken } }`, nil, "BadRequest"},
		{"lower-case airport", `{ getFlightBySchedule(departureAirportCode: "lgw") { nextToken } }`, nil, "BadRequest"},
		{"two key operators", `{ getFlightBySchedule(departureAirportCode: "LGW", arrivalAirportCodeDepartureDate: {eq: {arrivalAirportCode: "MAD", departureDate: "x"}, gt: {arrivalAirportCode: "MAD"}}) { nextToken } }`, nil, "BadRequest"},
		{"between one key", `{ getFlightBySchedule(departureAirportCode: "LGW", arrivalAirportCodeDepartureDate: {between: [{arrivalAirportCode: "MAD"}]}) { nextToken } }`, nil, "BadRequest"},
		{"between reversed", `{ getFlightBySchedule(departureAirportCode: "LGW", arrivalAirportCodeDepartureDate: {between: [{arrivalAirportCode: "MAN"}, {arrivalAirportCode: "MAD"}]}) { nextToken } }`, nil, "BadRequest"},
		{"date without arrival", `{ getFlightBySchedule(departureAirportCode: "LGW", arrivalAirportCodeDepartureDate: {beginsWith: {departureDate: "2026"}}) { nextToken } }`, nil, "BadRequest"},
		{"filter between arity", `{ listFlights(filter: {ticketPrice: {between: [1]}}) { nextToken } }`, nil, "BadRequest"},
		{"unknown field", `{ listFlights { items { nope } } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"syntax", `{ listFlights { `, nil, "GRAPHQL_PARSE_FAILED"},
		{"createFlight bad date", `mutation { createFlight(input: {departureDate: "tomorrow", departureAirportCode: "LGW", departureAirportName: "G", departureCity: "L", departureLocale: "Europe/London", arrivalDate: "2030-01-01T10:00+0000", arrivalAirportCode: "MAD", arrivalAirportName: "B", arrivalCity: "M", arrivalLocale: "Europe/Madrid", ticketPrice: 1, ticketCurrency: "EUR", flightNumber: 1, seatCapacity: 1}) { id } }`, nil, "BadRequest"},
	}
	admin := "Bearer " + e.signIn(t, adminEmail, adminPassword)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, out := e.raw(t, c.query, c.vars, "Authorization", admin)
			require.Less(t, res.Code, 500)
			err := firstError(t, out)
			require.Equal(t, c.code, err["extensions"].(map[string]any)["code"], "%v", err)
			require.NotEmpty(t, err["errorType"])
			require.NotContains(t, err["message"], "internal error")
		})
	}
}

// TestFilterDepthIsBounded: a huge filter is refused before any read.
func TestFilterDepthIsBounded(t *testing.T) {
	e := embeddedEnv(t, nil)
	f := `{seatCapacity: {gt: 0}}`
	for range 12 {
		f = `{not: ` + f + `}`
	}
	_, out := e.raw(t, `{ listFlights(filter: `+f+`) { nextToken } }`, nil)
	requireCode(t, out, "BadRequest")
	require.Equal(t, 0, e.calls.Total())
}

// TestInternalErrorsAreMasked: a store failure reaches the client as "internal error" with
// code Internal and the request id, never the store's message; the log has the details.
func TestInternalErrorsAreMasked(t *testing.T) {
	e := embeddedEnv(t, nil)
	e.calls.Fail = func(op string) error {
		return errors.New("secret-table-arn: AccessDeniedException for role xyz")
	}
	res, out := e.raw(t, `{ listFlights { items { id } } }`, nil, "X-Request-Id", "req-0123456789")
	require.Equal(t, "req-0123456789", res.Header().Get("x-amzn-RequestId"))
	err := requireCode(t, out, "Internal")
	require.Equal(t, "internal error", err["message"])
	require.NotContains(t, fmt.Sprint(out), "secret-table-arn")
	require.Contains(t, e.logs.String(), "secret-table-arn")
	require.Contains(t, e.logs.String(), "req-0123456789")
}

func TestCreateUpdateDeleteFlight(t *testing.T) {
	e := embeddedEnv(t, nil)
	tok := e.signIn(t, adminEmail, adminPassword)
	as := client.AddHeader("Authorization", tok)
	const create = `mutation($in: CreateFlightInput!) { createFlight(input: $in) { id departureDate seatCapacity totalSeats createdAt updatedAt } }`
	in := map[string]any{
		"id": "test-flight-1", "departureDate": "2031-03-01T09:30:00Z", "departureAirportCode": "LGW",
		"departureAirportName": "London Gatwick", "departureCity": "London", "departureLocale": "Europe/London",
		"arrivalDate": "2031-03-01T12:45+01:00", "arrivalAirportCode": "MAD", "arrivalAirportName": "Madrid Barajas",
		"arrivalCity": "Madrid", "arrivalLocale": "Europe/Madrid", "ticketPrice": 120, "ticketCurrency": "EUR",
		"flightNumber": 1831, "seatCapacity": 5, "totalSeats": 8,
	}
	var created struct {
		CreateFlight struct {
			ID, DepartureDate, CreatedAt, UpdatedAt string
			SeatCapacity, TotalSeats                int
		}
	}
	e.client.MustPost(create, &created, client.Var("in", in), as)
	require.Equal(t, "2031-03-01T09:30+0000", created.CreateFlight.DepartureDate, "dates are normalised to UTC")
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, created.CreateFlight.CreatedAt, "AWSDateTime")

	_, out := e.raw(t, create, map[string]any{"in": in}, "Authorization", tok)
	requireCode(t, out, "Conflict")

	// Adding seats keeps the sold ones sold.
	var upd struct {
		UpdateFlight struct{ SeatCapacity, TotalSeats, TicketPrice int }
	}
	e.client.MustPost(`mutation { updateFlight(input: {id: "test-flight-1", totalSeats: 10, ticketPrice: 99}) { seatCapacity totalSeats ticketPrice } }`, &upd, as)
	require.Equal(t, 7, upd.UpdateFlight.SeatCapacity)
	require.Equal(t, 10, upd.UpdateFlight.TotalSeats)
	_, out = e.raw(t, `mutation { updateFlight(input: {id: "test-flight-1", totalSeats: 2}) { id } }`, nil, "Authorization", tok)
	requireCode(t, out, "BadRequest")
	_, out = e.raw(t, `mutation { updateFlight(input: {id: "test-flight-1"}, condition: {ticketPrice: {gt: 1000}}) { id } }`, nil, "Authorization", tok)
	requireCode(t, out, "Conflict")
	_, out = e.raw(t, `mutation { updateFlight(input: {id: "nope", ticketPrice: 1}) { id } }`, nil, "Authorization", tok)
	requireCode(t, out, "NotFound")

	// The flight is now found by search.
	var resp searchResp
	e.client.MustPost(scheduleQuery, &resp, client.Var("dep", "LGW"),
		client.Var("key", map[string]any{"eq": map[string]any{"arrivalAirportCode": "MAD", "departureDate": "2031-03-01T09:30+0000"}}))
	require.Len(t, resp.GetFlightBySchedule.Items, 1)

	// Seats are sold (seatCapacity 7 of 10): the flight of a booking cannot be deleted.
	_, out = e.raw(t, `mutation { deleteFlight(input: {id: "test-flight-1"}) { id } }`, nil, "Authorization", tok)
	require.Contains(t, requireCode(t, out, "Conflict")["message"], "seats sold")
	e.client.MustPost(`mutation { updateFlight(input: {id: "test-flight-1", seatCapacity: 10}) { seatCapacity } }`, &upd, as)
	var del struct{ DeleteFlight struct{ ID string } }
	e.client.MustPost(`mutation { deleteFlight(input: {id: "test-flight-1"}) { id } }`, &del, as)
	require.Equal(t, "test-flight-1", del.DeleteFlight.ID)
	_, out = e.raw(t, `{ getFlight(id: "test-flight-1") { id } }`, nil)
	require.Equal(t, map[string]any{"getFlight": nil}, out["data"])
}

func TestIntrospectionSwitch(t *testing.T) {
	on := embeddedEnv(t, nil)
	_, out := on.raw(t, `{ __schema { queryType { name } } }`, nil)
	require.Nil(t, out["errors"])
	off := embeddedEnv(t, func(c *app.Config) { c.Introspection = false })
	_, out = off.raw(t, `{ __schema { queryType { name } } }`, nil)
	firstError(t, out)
}

func TestDepthAndComplexityLimits(t *testing.T) {
	e := embeddedEnv(t, func(c *app.Config) { c.MaxDepth = 2 })
	_, out := e.raw(t, `{ listFlights(limit: 1) { nextToken } }`, nil)
	require.Nil(t, out["errors"])
	e.calls.Reset()
	_, out = e.raw(t, `{ listFlights(limit: 1) { items { id } } }`, nil)
	require.Equal(t, "DEPTH_LIMIT_EXCEEDED", firstError(t, out)["extensions"].(map[string]any)["code"])
	// Fragments count too.
	_, out = e.raw(t, `{ ...Q } fragment Q on Query { listFlights(limit: 1) { ... on ModelFlightConnection { items { id } } } }`, nil)
	require.Equal(t, "DEPTH_LIMIT_EXCEEDED", firstError(t, out)["extensions"].(map[string]any)["code"])
	require.Equal(t, 0, e.calls.Total(), "refused before any read")

	// A connection costs its selection times its limit, so alias batching of big pages is
	// refused while one big page is fine.
	e = embeddedEnv(t, nil)
	_, out = e.raw(t, `{ listFlights(limit: 1000) { items { id departureDate ticketPrice } } }`, nil)
	require.Nil(t, out["errors"])
	var b strings.Builder
	b.WriteString("{")
	for i := range 15 { // under the root-field cap (20), over the complexity limit
		fmt.Fprintf(&b, " a%d: listFlights(limit: 1000) { items { id departureDate ticketPrice } }", i)
	}
	b.WriteString(" }")
	e.calls.Reset()
	for range 2 { // computed, then remembered for the document: refused both times
		_, out = e.raw(t, b.String(), nil)
		require.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", firstError(t, out)["extensions"].(map[string]any)["code"])
	}
	require.Equal(t, 0, e.calls.Total())

	// A document with variables is priced by its variables on every request, never by what
	// the same text cost before.
	b.Reset()
	b.WriteString("query($n: Int) {")
	for i := range 15 {
		fmt.Fprintf(&b, " a%d: listFlights(limit: $n) { items { id departureDate ticketPrice } }", i)
	}
	b.WriteString(" }")
	for _, c := range []struct {
		limit   int
		refused bool
	}{{1, false}, {1000, true}, {1, false}, {1000, true}} {
		_, out = e.raw(t, b.String(), map[string]any{"n": c.limit})
		if c.refused {
			require.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", firstError(t, out)["extensions"].(map[string]any)["code"], "limit %d", c.limit)
		} else {
			require.Nil(t, out["errors"], "limit %d", c.limit)
		}
	}
}

func TestHTTPSurface(t *testing.T) {
	e := embeddedEnv(t, nil)
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.app.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	require.Equal(t, http.StatusOK, get("/healthz").Code)
	require.Equal(t, http.StatusOK, get("/readyz").Code)
	res := get("/graphql?query=" + urlEscape(`{ listFlights(limit: 1) { items { id } } }`))
	require.Equal(t, http.StatusOK, res.Code)
	require.NotEmpty(t, res.Header().Get("x-amzn-RequestId"))
	res = get("/graphql?query=" + urlEscape(`mutation { deleteFlight(input: {id: "x"}) { id } }`))
	require.NotEqual(t, http.StatusOK, res.Code, "GET must not run mutations")

	req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Contains(t, rec.Header().Get("Access-Control-Allow-Headers"), "Authorization")

	e.calls.Fail = func(string) error { return context.DeadlineExceeded }
	require.Equal(t, http.StatusServiceUnavailable, get("/readyz").Code)
}

func urlEscape(s string) string {
	return strings.NewReplacer(" ", "%20", "{", "%7B", "}", "%7D", "\"", "%22", ":", "%3A", "(", "%28", ")", "%29").Replace(s)
}
