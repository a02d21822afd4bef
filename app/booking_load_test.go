package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/payment"
)

// Load and retry tests of processBooking: many customers racing for the last seats of a
// flight, and one client retrying the same mutation, through the real HTTP server over
// loopback, on every backend. The invariants are checked through the services and the
// GraphQL API (seats, charges, bookings, loyalty) and, as a second opinion, on the table.

const (
	// loadWorkers bounds the goroutines that create customers and authorizations.
	loadWorkers = 16
	// loadSampleEvery: one refused customer in this many is checked through the API too.
	loadSampleEvery = 10
	// loadSagaTimeout replaces the saga's 25 s deadline in these tests. All requests arrive
	// at once, so each waits for most of the others: on a starved 2-core machine under
	// -race 200 of them took 28 s (7/s), past the 25 s deadline, and every answer was
	// Unavailable. What the tests check is that no seat, charge or point is lost or doubled,
	// whatever the speed; the production deadline is a different concern.
	loadSagaTimeout = 15 * time.Minute
)

// loadEnv is the app for a load test: the saga's own deadline is loadSagaTimeout.
func loadEnv(t *testing.T, be dynamotest.Backend, table *string) *env {
	t.Helper()
	return newEnvWith(t, be, app.Options{BookingTimeout: loadSagaTimeout}, loadTableName(table))
}

// loadBookingDoc is the mutation the sample frontend sends, with every field the
// tests check.
const loadBookingDoc = `mutation($in: CreateBookingInput!) {
  processBooking(input: $in) {
    id status bookingReference customer paymentToken checkedIn
    outboundFlight { id }
    payment { paymentToken status capturedAmount refundedAmount }
  }
}`

// loadStateDoc reads what a customer sees of their bookings and loyalty.
const loadStateDoc = `query {
  getLoyalty { points customer history(limit: 10) { items { bookingId points status } nextToken } }
  getBookingByStatus(limit: 10) { items { id status bookingReference paymentToken outboundFlight { id } } nextToken }
}`

type loadBooking struct {
	ID               string
	Status           string
	BookingReference *string
	Customer         *string
	PaymentToken     string
	CheckedIn        *bool
	OutboundFlight   struct{ ID string }
	Payment          *struct {
		PaymentToken   string
		Status         string
		CapturedAmount int64
		RefundedAmount int64
	}
}

func (b loadBooking) reference() string {
	if b.BookingReference == nil {
		return ""
	}
	return *b.BookingReference
}

type loadState struct {
	GetLoyalty *struct {
		Points   *int64
		Customer *string
		History  *struct {
			Items []struct {
				BookingID string
				Points    int64
				Status    string
			}
			NextToken *string
		}
	}
	GetBookingByStatus *struct {
		Items []struct {
			ID               string
			Status           string
			BookingReference *string
			PaymentToken     string
			OutboundFlight   struct{ ID string }
		}
		NextToken *string
	}
}

// loadGQLError is one GraphQL error as the API formats it (AppSync's errorType plus
// extensions.code).
type loadGQLError struct {
	Message    string         `json:"message"`
	ErrorType  string         `json:"errorType"`
	Extensions map[string]any `json:"extensions"`
}

func (e loadGQLError) code() string {
	c, _ := e.Extensions["code"].(string)
	return c
}

func (e loadGQLError) String() string {
	return fmt.Sprintf("%s/%s: %s", e.ErrorType, e.code(), e.Message)
}

// loadResult is one HTTP response of the API.
type loadResult struct {
	status int
	Data   json.RawMessage `json:"data"`
	Errors []loadGQLError  `json:"errors"`
}

// decode unmarshals the data into v, failing on any GraphQL error.
func (r loadResult) decode(v any) error {
	if r.status != http.StatusOK {
		return fmt.Errorf("HTTP %d", r.status)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("GraphQL errors: %v", r.Errors)
	}
	return json.Unmarshal(r.Data, v)
}

// loadServer is the app's handler behind a real HTTP server on 127.0.0.1, and a client
// that may keep one connection per concurrent request. The client has no timeout of its
// own: the test's context bounds it, and `go test -timeout` bounds a hang.
type loadServer struct {
	url string
	hc  *http.Client
}

func newLoadServer(tb testing.TB, e *env) *loadServer {
	tb.Helper()
	srv := httptest.NewServer(e.app.Handler) // listens on 127.0.0.1
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true}
	tb.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return &loadServer{url: srv.URL + "/graphql", hc: &http.Client{Transport: tr}}
}

// post sends one GraphQL request with the ID token. It is safe for concurrent use and
// never calls testing functions.
func (l *loadServer) post(ctx context.Context, token, query string, vars map[string]any) (loadResult, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return loadResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		return loadResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := l.hc.Do(req)
	if err != nil {
		return loadResult{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return loadResult{}, err
	}
	out := loadResult{status: res.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		return loadResult{}, fmt.Errorf("HTTP %d, undecodable body %q: %w", res.StatusCode, raw, err)
	}
	return out, nil
}

// loadParallel runs fn(0..n-1) on at most workers goroutines and returns the first error.
func loadParallel(n, workers int, fn func(i int) error) error {
	var g errgroup.Group
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error { return fn(i) })
	}
	return g.Wait()
}

// newLoadCustomers signs up, confirms and signs in n customers through the account service
// (in parallel), prefix keeping their emails apart.
func newLoadCustomers(tb testing.TB, e *env, prefix string, n int) []customer {
	tb.Helper()
	ctx := tb.Context()
	out := make([]customer, n)
	err := loadParallel(n, loadWorkers, func(i int) error {
		var err error
		out[i], err = signUpCustomer(ctx, e, fmt.Sprintf("%s-%04d@example.com", prefix, i))
		return err
	})
	require.NoError(tb, err)
	return out
}

// loadAuthorize places a tok_visa hold of amount for each customer subs[i] and returns the
// paymentTokens, in order.
func loadAuthorize(tb testing.TB, e *env, subs []string, amount int64, currency string) []string {
	tb.Helper()
	ctx := tb.Context()
	out := make([]string, len(subs))
	err := loadParallel(len(subs), loadWorkers, func(i int) error {
		ch, err := e.app.Payments.Authorize(ctx, subs[i], payment.AuthorizeInput{Amount: amount, Currency: currency, CardToken: "tok_visa"})
		if err != nil {
			return fmt.Errorf("authorize for %s: %w", subs[i], err)
		}
		if ch.Status != payment.StatusAuthorized || ch.Amount != amount || !payment.ValidChargeID(ch.ID) {
			return fmt.Errorf("authorize for %s: got %+v", subs[i], ch)
		}
		out[i] = ch.ID
		return nil
	})
	require.NoError(tb, err)
	return out
}

func loadSubs(cs []customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.sub
	}
	return out
}

func loadBookingVars(paymentToken, flightID string) map[string]any {
	return map[string]any{"in": map[string]any{"paymentToken": paymentToken, "bookingOutboundFlightId": flightID}}
}

// loadTableName is a mutate function for newEnvTB that records the test table's name.
func loadTableName(name *string) func(*app.Config) {
	return func(c *app.Config) { *name = c.Table }
}

// loadTable is what the table holds, read straight from the backend (a consistent Scan),
// bypassing the application: items by _type and by _type/status, points by _type/status,
// and the same per customer (items with a customer attribute).
type loadTable struct {
	byType, byStatus map[string]int
	points           map[string]int64
	customers        map[string]*loadTable
}

func newLoadTable() *loadTable {
	return &loadTable{byType: map[string]int{}, byStatus: map[string]int{}, points: map[string]int64{}}
}

func (l *loadTable) add(it map[string]any) {
	typ := fmt.Sprint(it["_type"])
	l.byType[typ]++
	key := typ
	if s, ok := it["status"]; ok {
		key += "/" + fmt.Sprint(s)
		l.byStatus[key]++
	}
	if p, ok := it["points"].(float64); ok {
		l.points[key] += int64(p)
	}
}

// customer returns the items of one customer (empty when there are none).
func (l *loadTable) customer(sub string) *loadTable {
	if c, ok := l.customers[sub]; ok {
		return c
	}
	return newLoadTable()
}

func loadCountTable(t *testing.T, be dynamotest.Backend, table string) *loadTable {
	t.Helper()
	out := newLoadTable()
	out.customers = map[string]*loadTable{}
	for _, it := range dynamotest.Items(t, dynamotest.Client(t, be), table) {
		out.add(it)
		if sub, ok := it["customer"].(string); ok && sub != "" {
			if out.customers[sub] == nil {
				out.customers[sub] = newLoadTable()
			}
			out.customers[sub].add(it)
		}
	}
	return out
}

// TestConcurrentBookingsNeverOverbook: 80 customers, each with a valid hold for the
// ticket price, race for the 16 seats of one flight with 80 simultaneous processBooking
// requests over HTTP. Exactly 16 are CONFIRMED and the other 64 are told SoldOut; no seat
// is sold twice or lost, only the 16 winners are charged (once each), and only they earn
// loyalty points. Most of its time is the set-up (sign-ups and sign-ins: bcrypt and RS256
// under -race, and the embedded store's whole-table scans); the logs split it out.
//
// Sized to hold on a machine 4x slower than a 2-core laptop under -race: 80 requests for
// 16 seats attack the seat invariant as hard as 200 for 20 (every seat is contended by
// five requests at once), at 40% of the set-up; and the saga runs on loadSagaTimeout, so a
// slow machine makes the test slower, never wrong. Throughput is logged, not asserted
// (BenchmarkProcessBooking measures it).
func TestConcurrentBookingsNeverOverbook(t *testing.T) {
	const (
		seats     = 16
		customers = 80
		price     = 120
		amount    = price * 100
	)
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			var table string
			e := loadEnv(t, be, &table)
			setup := time.Now()
			fl := newFlight(t, e, seats, price, 30)
			cs := newLoadCustomers(t, e, "rush", customers)
			charges := loadAuthorize(t, e, loadSubs(cs), amount, "EUR")
			lb := newLoadServer(t, e)
			t.Logf("%s: set up %d customers with holds in %v", be.Name, customers, time.Since(setup).Round(time.Millisecond))

			ctx := t.Context()
			results := make([]loadResult, customers)
			errs := make([]error, customers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range customers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i], errs[i] = lb.post(ctx, cs[i].token, loadBookingDoc, loadBookingVars(charges[i], fl.ID))
				}()
			}
			e.calls.Reset()
			t0 := time.Now()
			close(start)
			wg.Wait()
			elapsed := time.Since(t0)
			calls := e.calls.Total()

			// Classify every answer.
			booked := map[int]loadBooking{}
			var soldOut int
			var other []string
			for i := range customers {
				if errs[i] != nil {
					other = append(other, fmt.Sprintf("customer %d: transport: %v", i, errs[i]))
					continue
				}
				r := results[i]
				if r.status != http.StatusOK {
					other = append(other, fmt.Sprintf("customer %d: HTTP %d %v", i, r.status, r.Errors))
					continue
				}
				if len(r.Errors) > 0 {
					ge := r.Errors[0]
					if len(r.Errors) == 1 && ge.ErrorType == "SoldOut" && ge.code() == "SoldOut" &&
						strings.Contains(ge.Message, "sold out") && strings.Contains(ge.Message, fl.ID) {
						soldOut++
						// Nothing is returned with the error.
						var d struct{ ProcessBooking *loadBooking }
						if len(r.Data) > 0 && string(r.Data) != "null" {
							require.NoError(t, json.Unmarshal(r.Data, &d))
						}
						if d.ProcessBooking != nil {
							other = append(other, fmt.Sprintf("customer %d: SoldOut with data %+v", i, *d.ProcessBooking))
						}
						continue
					}
					other = append(other, fmt.Sprintf("customer %d: %v", i, r.Errors))
					continue
				}
				var d struct{ ProcessBooking *loadBooking }
				if err := json.Unmarshal(r.Data, &d); err != nil || d.ProcessBooking == nil {
					other = append(other, fmt.Sprintf("customer %d: no booking and no error: %s", i, r.Data))
					continue
				}
				booked[i] = *d.ProcessBooking
			}
			t.Logf("%s: %d concurrent processBooking requests over HTTP in %v: %.0f requests/s, %.1f bookings/s; %d DynamoDB calls (%.1f per request)",
				be.Name, customers, elapsed.Round(time.Millisecond), float64(customers)/elapsed.Seconds(),
				float64(len(booked))/elapsed.Seconds(), calls, float64(calls)/customers)
			if len(other) > 0 {
				t.Fatalf("%d answers are neither a CONFIRMED booking nor SoldOut (%d booked, %d SoldOut), e.g.:\n%s",
					len(other), len(booked), soldOut, strings.Join(other[:min(len(other), 10)], "\n"))
			}
			require.Len(t, booked, seats, "exactly one booking per seat (%d SoldOut)", soldOut)
			require.Equal(t, customers-seats, soldOut)

			// The bookings as returned.
			refs := map[string]int{}
			ids := map[string]bool{}
			for i, b := range booked {
				require.Equal(t, "CONFIRMED", b.Status, "customer %d", i)
				require.Len(t, b.reference(), 6, "customer %d: bookingReference %q", i, b.reference())
				refs[b.reference()]++
				ids[b.ID] = true
				require.NotNil(t, b.Customer)
				require.Equal(t, cs[i].sub, *b.Customer, "the customer comes from the token")
				require.Equal(t, charges[i], b.PaymentToken)
				require.Equal(t, fl.ID, b.OutboundFlight.ID)
				require.NotNil(t, b.Payment, "customer %d", i)
				require.Equal(t, "CAPTURED", b.Payment.Status, "customer %d", i)
				require.EqualValues(t, amount, b.Payment.CapturedAmount, "customer %d", i)
			}
			require.Len(t, refs, seats, "distinct bookingReferences")
			require.Len(t, ids, seats, "distinct booking ids")

			// The flight: every seat sold, none twice.
			got, err := e.app.Flights.Get(ctx, fl.ID)
			require.NoError(t, err)
			require.Equal(t, 0, got.SeatCapacity, "seatCapacity")
			require.Equal(t, seats, got.TotalSeats)

			// Every customer's charge through the payment service, and what the winners and a
			// sample of the others see of their bookings and loyalty through the API (read in
			// parallel, checked here). The table check below covers every customer.
			type seen struct {
				charge payment.Charge
				state  *loadState
			}
			all := make([]seen, customers)
			losers := 0
			for i := range customers {
				if _, ok := booked[i]; ok || losers%loadSampleEvery == 0 {
					all[i].state = &loadState{}
				}
				if _, ok := booked[i]; !ok {
					losers++
				}
			}
			require.NoError(t, loadParallel(customers, loadWorkers, func(i int) error {
				ch, err := e.app.Payments.Get(ctx, cs[i].sub, charges[i])
				if err != nil {
					return fmt.Errorf("charge of customer %d: %w", i, err)
				}
				all[i].charge = ch
				if all[i].state == nil {
					return nil
				}
				r, err := lb.post(ctx, cs[i].token, loadStateDoc, nil)
				if err != nil {
					return fmt.Errorf("state of customer %d: %w", i, err)
				}
				if err := r.decode(all[i].state); err != nil {
					return fmt.Errorf("state of customer %d: %w", i, err)
				}
				return nil
			}))
			statuses := map[payment.Status]int{}
			sampled := 0
			for i, s := range all {
				statuses[s.charge.Status]++
				b, won := booked[i]
				if won {
					require.Equal(t, payment.StatusCaptured, s.charge.Status, "customer %d", i)
					require.EqualValues(t, amount, s.charge.CapturedAmount, "customer %d", i)
					require.Zero(t, s.charge.RefundedAmount, "customer %d", i)
					require.EqualValues(t, 2, s.charge.Version, "customer %d: authorized then captured once", i)
				} else {
					require.Equal(t, payment.StatusAuthorized, s.charge.Status, "customer %d: the hold of a refused booking is untouched", i)
					require.Zero(t, s.charge.CapturedAmount, "customer %d", i)
					require.EqualValues(t, 1, s.charge.Version, "customer %d: never touched", i)
				}
				st := s.state
				if st == nil {
					continue
				}
				sampled++
				require.NotNil(t, st.GetLoyalty, "customer %d", i)
				require.NotNil(t, st.GetLoyalty.Points, "customer %d", i)
				require.NotNil(t, st.GetLoyalty.History, "customer %d", i)
				require.NotNil(t, st.GetBookingByStatus, "customer %d", i)
				hist, mine := st.GetLoyalty.History.Items, st.GetBookingByStatus.Items
				if won {
					require.EqualValues(t, price, *st.GetLoyalty.Points, "customer %d", i)
					require.Len(t, hist, 1, "customer %d", i)
					require.Equal(t, b.ID, hist[0].BookingID)
					require.EqualValues(t, price, hist[0].Points)
					require.Equal(t, "ACTIVE", hist[0].Status)
					require.Len(t, mine, 1, "customer %d: exactly one booking", i)
					require.Equal(t, b.ID, mine[0].ID)
					require.Equal(t, "CONFIRMED", mine[0].Status)
					require.Equal(t, b.reference(), *mine[0].BookingReference)
				} else {
					require.Zero(t, *st.GetLoyalty.Points, "customer %d", i)
					require.Empty(t, hist, "customer %d", i)
					require.Empty(t, mine, "customer %d: a SoldOut leaves no booking behind", i)
				}
			}
			require.Greater(t, sampled, seats+(customers-seats)/loadSampleEvery-1)
			require.Equal(t, map[payment.Status]int{payment.StatusCaptured: seats, payment.StatusAuthorized: customers - seats}, statuses,
				"no charge refunded or voided")

			// No saga left pending (Recover only counts markers this young, it takes none).
			rep, err := e.app.Bookings.Recover(ctx)
			require.NoError(t, err)
			require.Zero(t, rep.Pending, "pending sagas: %+v", rep)

			// The table itself agrees: one booking, guard and loyalty entry per seat, no
			// pending marker, and 20 × 120 points in the customers' totals.
			tab := loadCountTable(t, be, table)
			require.Equal(t, seats, tab.byType["Booking"], "booking items: %v", tab.byType)
			require.Equal(t, seats, tab.byStatus["Booking/CONFIRMED"], "%v", tab.byStatus)
			require.Equal(t, seats, tab.byType["BookingGuard"], "%v", tab.byType)
			require.Zero(t, tab.byType["BookingPending"], "%v", tab.byType)
			require.Equal(t, seats, tab.byStatus["LoyaltyEntry/ACTIVE"], "%v", tab.byStatus)
			require.EqualValues(t, seats*price, tab.points["LoyaltyEntry/ACTIVE"], "%v", tab.points)
			require.EqualValues(t, seats*price, tab.points["LoyaltyTotal"], "%v", tab.points)
			require.Equal(t, customers, tab.byType["Charge"], "%v", tab.byType)
			require.Equal(t, seats, tab.byStatus["Charge/CAPTURED"], "%v", tab.byStatus)
			require.Equal(t, customers-seats, tab.byStatus["Charge/AUTHORIZED"], "%v", tab.byStatus)
			for i, c := range cs {
				mine := tab.customer(c.sub)
				if _, won := booked[i]; won {
					require.Equal(t, 1, mine.byStatus["Booking/CONFIRMED"], "customer %d: %v", i, mine.byType)
					require.Equal(t, 1, mine.byType["Booking"], "customer %d: %v", i, mine.byType)
					require.Equal(t, 1, mine.byType["BookingGuard"], "customer %d: %v", i, mine.byType)
					require.Equal(t, 1, mine.byStatus["LoyaltyEntry/ACTIVE"], "customer %d: %v", i, mine.byStatus)
					require.EqualValues(t, price, mine.points["LoyaltyTotal"], "customer %d: %v", i, mine.points)
				} else {
					require.Zero(t, mine.byType["Booking"], "customer %d: %v", i, mine.byType)
					require.Zero(t, mine.byType["BookingGuard"], "customer %d: %v", i, mine.byType)
					require.Zero(t, mine.byType["LoyaltyEntry"], "customer %d: %v", i, mine.byType)
					require.Zero(t, mine.points["LoyaltyTotal"], "customer %d: %v", i, mine.points)
				}
			}
		})
	}
}

// TestRetriedProcessBookingIsIdempotent: a client that retries processBooking (five times
// at once, then once more later) gets one booking: one seat, one capture, one loyalty
// entry. Reusing the paymentToken for another flight is a Conflict that changes nothing.
func TestRetriedProcessBookingIsIdempotent(t *testing.T) {
	const (
		seats   = 10
		price   = 120
		amount  = price * 100
		retries = 5
	)
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			var table string
			e := loadEnv(t, be, &table)
			fl := newFlight(t, e, seats, price, 30)
			otherFl := newFlight(t, e, seats, price, 31)
			c := newLoadCustomers(t, e, "retry", 1)[0]
			token := loadAuthorize(t, e, []string{c.sub}, amount, "EUR")[0]
			lb := newLoadServer(t, e)
			ctx := t.Context()

			results := make([]loadResult, retries)
			errs := make([]error, retries)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range retries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i], errs[i] = lb.post(ctx, c.token, loadBookingDoc, loadBookingVars(token, fl.ID))
				}()
			}
			close(start)
			wg.Wait()

			var first loadBooking
			for i := range retries {
				require.NoError(t, errs[i], "request %d", i)
				var d struct{ ProcessBooking *loadBooking }
				require.NoError(t, results[i].decode(&d), "request %d", i)
				require.NotNil(t, d.ProcessBooking, "request %d", i)
				b := *d.ProcessBooking
				require.Equal(t, "CONFIRMED", b.Status, "request %d", i)
				require.Len(t, b.reference(), 6, "request %d", i)
				require.Equal(t, token, b.PaymentToken)
				require.Equal(t, fl.ID, b.OutboundFlight.ID)
				if i == 0 {
					first = b
					continue
				}
				require.Equal(t, first.ID, b.ID, "request %d: the same booking", i)
				require.Equal(t, first.reference(), b.reference(), "request %d: the same reference", i)
			}

			// state checks everything that must hold after any number of retries.
			state := func(when string) {
				t.Helper()
				f, err := e.app.Flights.Get(ctx, fl.ID)
				require.NoError(t, err)
				require.Equal(t, seats-1, f.SeatCapacity, "%s: one seat taken", when)
				of, err := e.app.Flights.Get(ctx, otherFl.ID)
				require.NoError(t, err)
				require.Equal(t, seats, of.SeatCapacity, "%s: the other flight untouched", when)

				ch, err := e.app.Payments.Get(ctx, c.sub, token)
				require.NoError(t, err)
				require.Equal(t, payment.StatusCaptured, ch.Status, when)
				require.EqualValues(t, amount, ch.CapturedAmount, "%s: captured the price once", when)
				require.Zero(t, ch.RefundedAmount, when)
				require.EqualValues(t, 2, ch.Version, "%s: authorized, then captured once", when)

				r, err := lb.post(ctx, c.token, loadStateDoc, nil)
				require.NoError(t, err)
				var st loadState
				require.NoError(t, r.decode(&st), when)
				require.NotNil(t, st.GetBookingByStatus)
				require.Len(t, st.GetBookingByStatus.Items, 1, "%s: one booking for the customer", when)
				require.Equal(t, first.ID, st.GetBookingByStatus.Items[0].ID)
				require.Equal(t, "CONFIRMED", st.GetBookingByStatus.Items[0].Status)
				require.NotNil(t, st.GetLoyalty)
				require.NotNil(t, st.GetLoyalty.Points)
				require.EqualValues(t, price, *st.GetLoyalty.Points, "%s: points awarded once", when)
				require.NotNil(t, st.GetLoyalty.History)
				require.Len(t, st.GetLoyalty.History.Items, 1, "%s: one loyalty entry", when)
				require.Equal(t, first.ID, st.GetLoyalty.History.Items[0].BookingID)
				require.EqualValues(t, price, st.GetLoyalty.History.Items[0].Points)
				require.Equal(t, "ACTIVE", st.GetLoyalty.History.Items[0].Status)

				tab := loadCountTable(t, be, table)
				require.Equal(t, 1, tab.byType["Booking"], "%s: booking items: %v", when, tab.byType)
				require.Equal(t, 1, tab.byStatus["Booking/CONFIRMED"], "%s: %v", when, tab.byStatus)
				require.Equal(t, 1, tab.byType["BookingGuard"], "%s: %v", when, tab.byType)
				require.Zero(t, tab.byType["BookingPending"], "%s: %v", when, tab.byType)
				require.Equal(t, 1, tab.byType["LoyaltyEntry"], "%s: %v", when, tab.byType)
				require.EqualValues(t, price, tab.points["LoyaltyTotal"], "%s: %v", when, tab.points)
			}
			state("after the concurrent retries")

			// A later retry returns the same booking.
			r, err := lb.post(ctx, c.token, loadBookingDoc, loadBookingVars(token, fl.ID))
			require.NoError(t, err)
			var d struct{ ProcessBooking *loadBooking }
			require.NoError(t, r.decode(&d))
			require.NotNil(t, d.ProcessBooking)
			require.Equal(t, first.ID, d.ProcessBooking.ID)
			require.Equal(t, "CONFIRMED", d.ProcessBooking.Status)
			require.Equal(t, first.reference(), d.ProcessBooking.reference())
			state("after a sequential retry")

			// The same paymentToken for another flight is a Conflict.
			r, err = lb.post(ctx, c.token, loadBookingDoc, loadBookingVars(token, otherFl.ID))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, r.status)
			require.Len(t, r.Errors, 1, "%v", r.Errors)
			require.Equal(t, "Conflict", r.Errors[0].ErrorType, "%v", r.Errors[0])
			require.Equal(t, "Conflict", r.Errors[0].code(), "%v", r.Errors[0])
			require.Contains(t, r.Errors[0].Message, token)
			state("after reusing the paymentToken for another flight")

			rep, err := e.app.Bookings.Recover(ctx)
			require.NoError(t, err)
			require.Zero(t, rep.Pending, "pending sagas: %+v", rep)
		})
	}
}
