package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/loyalty"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

// The sample frontend's booking operations (src/frontend/src/graphql), with Amplify's
// variable types: they must validate against the schema unchanged.
const (
	processBookingDoc = `mutation ProcessBooking($input: CreateBookingInput!) {
  processBooking(input: $input) { id }
}`
	getBookingByStatusDoc = `query GetBookingByStatus($customer: String, $status: ModelStringKeyConditionInput,
  $sortDirection: ModelSortDirection, $filter: ModelBookingFilterInput, $limit: Int, $nextToken: String) {
  getBookingByStatus(customer: $customer, status: $status, sortDirection: $sortDirection, filter: $filter,
    limit: $limit, nextToken: $nextToken) {
    items {
      id
      status
      outboundFlight {
        id departureDate departureAirportCode departureAirportName departureCity departureLocale
        arrivalDate arrivalAirportCode arrivalAirportName arrivalCity arrivalLocale
        ticketPrice ticketCurrency flightNumber seatAllocation seatCapacity
      }
      paymentToken
      checkedIn
      customer
      createdAt
      bookingReference
    }
    nextToken
  }
}`
	getLoyaltyDoc = `query GetLoyalty { getLoyalty { points level remainingPoints } }`
)

// customer is a signed-up, signed-in user.
type customer struct {
	sub, token, email string
}

var customerSeq atomic.Int64

// newCustomer signs a user up through the account service and signs them in.
func newCustomer(t testing.TB, e *env) customer {
	t.Helper()
	c, err := signUpCustomer(context.Background(), e, fmt.Sprintf("booker-%d-%d@example.com", time.Now().UnixNano(), customerSeq.Add(1)))
	require.NoError(t, err)
	return c
}

// signUpCustomer signs email up, confirms it and signs it in through the account service.
func signUpCustomer(ctx context.Context, e *env, email string) (customer, error) {
	const password = "Booker1234!"
	sub, err := e.app.Accounts.SignUp(ctx, email, password, "Booker")
	if err != nil {
		return customer{}, fmt.Errorf("sign up %s: %w", email, err)
	}
	if err := e.app.Accounts.ConfirmSignUp(ctx, email, ""); err != nil {
		return customer{}, fmt.Errorf("confirm %s: %w", email, err)
	}
	s, err := e.app.Accounts.SignIn(ctx, email, password)
	if err != nil {
		return customer{}, fmt.Errorf("sign in %s: %w", email, err)
	}
	if sub == "" || s.IDToken == "" {
		return customer{}, fmt.Errorf("%s: empty sub or ID token", email)
	}
	return customer{sub: sub, token: s.IDToken, email: email}, nil
}

var flightSeq atomic.Int64

// newFlight creates a flight departing in days days with the given seats and price (EUR).
func newFlight(t testing.TB, e *env, seats, price, days int) *flight.Flight {
	t.Helper()
	dep := time.Now().UTC().Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Minute)
	f, err := e.app.Flights.Create(context.Background(), flight.CreateInput{
		DepartureDate: dep.Format(flight.DateLayout), DepartureAirportCode: "LGW", DepartureAirportName: "Gatwick",
		DepartureCity: "London", DepartureLocale: "Europe/London",
		ArrivalDate: dep.Add(2 * time.Hour).Format(flight.DateLayout), ArrivalAirportCode: "MAD",
		ArrivalAirportName: "Barajas", ArrivalCity: "Madrid", ArrivalLocale: "Europe/Madrid",
		TicketPrice: price, TicketCurrency: "EUR", FlightNumber: int(1 + flightSeq.Add(1)%9000), SeatCapacity: seats,
	}, nil)
	require.NoError(t, err)
	return f
}

// authorize places a hold of the flight's price on card for c and returns the paymentToken.
func authorize(t testing.TB, e *env, c customer, f *flight.Flight, card string) string {
	t.Helper()
	ch, err := e.app.Payments.Authorize(context.Background(), c.sub, payment.AuthorizeInput{
		Amount: int64(f.TicketPrice) * 100, Currency: f.TicketCurrency, CardToken: card,
	})
	if card == cardsim.TokenChargeDeclined {
		require.Equal(t, apperr.PaymentDeclined, apperr.CodeOf(err))
	} else {
		require.NoError(t, err)
	}
	require.NotEmpty(t, ch.ID)
	return ch.ID
}

// book sends the sample's processBooking and returns the booking id ("" on error) and the
// response.
func book(t *testing.T, e *env, c customer, paymentToken, flightID string) (string, map[string]any) {
	t.Helper()
	_, out := e.raw(t, processBookingDoc, map[string]any{"input": map[string]any{
		"paymentToken": paymentToken, "bookingOutboundFlightId": flightID,
	}}, "Authorization", c.token)
	data, _ := out["data"].(map[string]any)
	b, _ := data["processBooking"].(map[string]any)
	if b == nil {
		return "", out
	}
	return b["id"].(string), out
}

func seatsLeft(t testing.TB, e *env, id string) int {
	t.Helper()
	f, err := e.app.Flights.Get(context.Background(), id)
	require.NoError(t, err)
	return f.SeatCapacity
}

func chargeStatus(t testing.TB, e *env, c customer, id string) payment.Status {
	t.Helper()
	ch, err := e.app.Payments.Get(context.Background(), c.sub, id)
	require.NoError(t, err)
	return ch.Status
}

func storedBooking(t testing.TB, e *env, id string) *booking.Booking {
	t.Helper()
	b, err := e.app.Bookings.Get(context.Background(), booking.Caller{Admin: true}, id)
	require.NoError(t, err)
	return b
}

func points(t testing.TB, e *env, sub string) int64 {
	t.Helper()
	l, err := e.app.Loyalty.Get(context.Background(), loyalty.Caller{ID: sub}, "")
	require.NoError(t, err)
	return l.Points
}

// TestSampleFrontendBookingFlow is acceptance 1: the sample frontend's flow, unchanged —
// search, authorize, processBooking, "My bookings" (CONFIRMED, with the flight), loyalty.
func TestSampleFrontendBookingFlow(t *testing.T) {
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			tok := e.signIn(t, demoEmail, demoPassword)
			var search struct {
				GetFlightBySchedule struct {
					Items []struct {
						ID, TicketCurrency string
						TicketPrice        int
					}
				}
			}
			doc := `query($d: String, $k: ModelFlightByDepartureScheduleCompositeKeyConditionInput, $f: ModelFlightFilterInput) {
  getFlightBySchedule(departureAirportCode: $d, arrivalAirportCodeDepartureDate: $k, filter: $f, limit: 5) {
    items { id ticketPrice ticketCurrency } } }`
			e.client.MustPost(doc, &search, client.AddHeader("Authorization", tok), client.Var("d", "LGW"),
				client.Var("k", map[string]any{"beginsWith": map[string]any{"arrivalAirportCode": "MAD", "departureDate": day(1)}}),
				client.Var("f", map[string]any{"seatCapacity": map[string]any{"gt": 0}}))
			require.NotEmpty(t, search.GetFlightBySchedule.Items)
			fl := search.GetFlightBySchedule.Items[0]
			seatsBefore := seatsLeft(t, e, fl.ID)

			_, out := e.raw(t, `mutation($a: Int!, $c: String!) { authorizePayment(amount: $a, currency: $c, cardToken: "tok_visa") { paymentToken status customer } }`,
				map[string]any{"a": fl.TicketPrice * 100, "c": fl.TicketCurrency}, "Authorization", tok)
			require.Nil(t, out["errors"])
			auth := out["data"].(map[string]any)["authorizePayment"].(map[string]any)
			sub := auth["customer"].(string)

			_, out = e.raw(t, processBookingDoc, map[string]any{"input": map[string]any{
				"paymentToken": auth["paymentToken"], "bookingOutboundFlightId": fl.ID,
			}}, "Authorization", tok)
			require.Nil(t, out["errors"], "%v", out)
			id := out["data"].(map[string]any)["processBooking"].(map[string]any)["id"].(string)
			require.Equal(t, seatsBefore-1, seatsLeft(t, e, fl.ID))

			_, out = e.raw(t, getBookingByStatusDoc, map[string]any{
				"customer": sub, "status": map[string]any{"eq": "CONFIRMED"}, "limit": 3,
			}, "Authorization", tok)
			require.Nil(t, out["errors"], "%v", out)
			items := out["data"].(map[string]any)["getBookingByStatus"].(map[string]any)["items"].([]any)
			require.Len(t, items, 1)
			b := items[0].(map[string]any)
			require.Equal(t, id, b["id"])
			require.Equal(t, "CONFIRMED", b["status"])
			require.Equal(t, sub, b["customer"])
			require.Equal(t, false, b["checkedIn"])
			require.Equal(t, auth["paymentToken"], b["paymentToken"])
			require.Len(t, b["bookingReference"], booking.ReferenceLength)
			require.NotEmpty(t, b["createdAt"])
			ob := b["outboundFlight"].(map[string]any)
			require.Equal(t, fl.ID, ob["id"])
			require.Equal(t, "LGW", ob["departureAirportCode"])

			_, out = e.raw(t, getLoyaltyDoc, nil, "Authorization", tok)
			require.Nil(t, out["errors"], "%v", out)
			l := out["data"].(map[string]any)["getLoyalty"].(map[string]any)
			require.EqualValues(t, fl.TicketPrice, l["points"])
			require.Equal(t, "bronze", l["level"])
			require.EqualValues(t, loyalty.SilverPoints-fl.TicketPrice, l["remainingPoints"])

			// The payment behind the booking, as the processor has it.
			_, out = e.raw(t, `query($id: ID!) { getBooking(id: $id) { payment { status amount capturedAmount receipt } failureReason updatedAt } }`,
				map[string]any{"id": id}, "Authorization", tok)
			require.Nil(t, out["errors"], "%v", out)
			p := out["data"].(map[string]any)["getBooking"].(map[string]any)["payment"].(map[string]any)
			require.Equal(t, "CAPTURED", p["status"])
			require.EqualValues(t, fl.TicketPrice*100, p["capturedAmount"])
			require.NotEmpty(t, p["receipt"])
		})
	}
}

// trigger is a fault that fires once, at one saga step and phase, for one customer.
type trigger struct {
	step  booking.Step
	phase booking.Phase
	err   error
	who   atomic.Value // customer sub the fault is armed for
	fired atomic.Bool
}

// arm makes the fault fire (once) for the customer sub.
func (tr *trigger) arm(sub string) { tr.who.Store(sub); tr.fired.Store(false) }

func (tr *trigger) hook(_ context.Context, b *booking.Booking, step booking.Step, phase booking.Phase) error {
	if tr == nil || step != tr.step || phase != tr.phase {
		return nil
	}
	if who, _ := tr.who.Load().(string); who == "" || who != b.Customer {
		return nil
	}
	if tr.fired.CompareAndSwap(false, true) {
		return tr.err
	}
	return nil
}

// failingAPI fails every TransactWriteItems that matches, as a store that stopped
// answering would: used for "the store fails after the capture".
type failingAPI struct {
	dynamo.API
	match func(*dynamodb.TransactWriteItemsInput) bool
}

func (f failingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.match(in) {
		return nil, fmt.Errorf("injected: the store is unreachable")
	}
	return f.API.TransactWriteItems(ctx, in, o...)
}

// isConfirmation recognises the confirmation transaction of customer sub: it puts a
// loyalty ledger entry in the customer's partition.
func isConfirmation(sub *atomic.Value) func(*dynamodb.TransactWriteItemsInput) bool {
	return func(in *dynamodb.TransactWriteItemsInput) bool {
		who, _ := sub.Load().(string)
		if who == "" {
			return false
		}
		for _, it := range in.TransactItems {
			if it.Put == nil {
				continue
			}
			if s := attrString(it.Put.Item[dynamo.AttrPK]); strings.Contains(s, who) && strings.HasPrefix(attrString(it.Put.Item[dynamo.AttrSK]), "ENTRY#") {
				return true
			}
		}
		return false
	}
}

// clock is a movable clock for the services.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// TestSagaFaults injects a failure or a crash at every step of the saga and checks what
// the client sees, what is stored, and that after the recovery sweep the invariants hold:
// every captured, unrefunded charge has exactly one CONFIRMED booking, every CONFIRMED
// booking one captured charge and one loyalty entry, and seats left = totalSeats −
// UNCONFIRMED/CONFIRMED bookings.
func TestSagaFaults(t *testing.T) {
	type want struct {
		code          apperr.Code // of processBooking; "" = success
		status        booking.Status
		charge        payment.Status
		statusAfter   booking.Status // after the recovery sweep
		chargeAfter   payment.Status
		pendingLater  bool // still pending after one sweep (processor down)
		noBooking     bool
		pointsAfter   bool
		retryConfirms bool // a client retry (instead of the sweep) completes it
	}
	killed := booking.ErrKilled
	cases := []struct {
		name    string
		card    string
		fault   *trigger
		failTx  bool
		want    want
		cancel  bool // then cancelBooking, with the fault armed for it
		cFault  *trigger
		cancelW want
	}{
		{name: "declined at authorization", card: cardsim.TokenChargeDeclined,
			want: want{code: apperr.PaymentDeclined, noBooking: true, charge: payment.StatusDeclined, chargeAfter: payment.StatusDeclined}},
		{name: "capture declined", card: cardsim.TokenCaptureFails,
			want: want{code: apperr.PaymentDeclined, status: booking.Cancelled, charge: payment.StatusVoided, statusAfter: booking.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "capture reply lost", card: cardsim.TokenCaptureUnavailableAfterCapture,
			want: want{status: booking.Confirmed, charge: payment.StatusCaptured, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true}},
		{name: "processor down at capture", card: cardsim.TokenCaptureUnavailable,
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusAuthorized, pendingLater: true,
				statusAfter: booking.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "store fails the confirmation", card: cardsim.TokenVisa, failTx: true,
			want: want{code: apperr.Unavailable, status: booking.Cancelled, charge: payment.StatusRefunded, statusAfter: booking.Cancelled, chargeAfter: payment.StatusRefunded}},
		{name: "crash before reserve", card: cardsim.TokenVisa, fault: &trigger{step: booking.StepReserve, phase: booking.Before, err: killed},
			want: want{code: apperr.Unavailable, noBooking: true, charge: payment.StatusAuthorized, chargeAfter: payment.StatusAuthorized}},
		{name: "crash after reserve", card: cardsim.TokenVisa, fault: &trigger{step: booking.StepReserve, phase: booking.After, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusAuthorized, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true}},
		{name: "crash after reserve, client retries", card: cardsim.TokenVisa, fault: &trigger{step: booking.StepReserve, phase: booking.After, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusAuthorized, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true, retryConfirms: true}},
		{name: "crash after capture before confirm", card: cardsim.TokenVisa, fault: &trigger{step: booking.StepCapture, phase: booking.After, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusCaptured, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true}},
		{name: "crash after capture, client retries", card: cardsim.TokenVisa, fault: &trigger{step: booking.StepCapture, phase: booking.After, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusCaptured, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true, retryConfirms: true}},
		{name: "crash before capture", card: cardsim.TokenVisa, fault: &trigger{step: booking.StepCapture, phase: booking.Before, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusAuthorized, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true}},
		{name: "crash before confirm", card: cardsim.TokenVisa, fault: &trigger{step: booking.StepConfirm, phase: booking.Before, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusCaptured, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true}},
		{name: "crash after confirm", card: cardsim.TokenVisa, fault: &trigger{step: booking.StepConfirm, phase: booking.After, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Confirmed, charge: payment.StatusCaptured, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true, retryConfirms: true}},
		{name: "crash after marking cancelling", card: cardsim.TokenCaptureFails, fault: &trigger{step: booking.StepMarkCancelling, phase: booking.After, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusAuthorized, statusAfter: booking.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "crash after refund before cancel", card: cardsim.TokenCaptureFails, fault: &trigger{step: booking.StepRefund, phase: booking.After, err: killed},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusVoided, statusAfter: booking.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "refund refused", card: cardsim.TokenCaptureFails, fault: &trigger{step: booking.StepRefund, phase: booking.Before, err: apperr.New(apperr.PaymentDeclined, "refund refused")},
			want: want{code: apperr.Unavailable, status: booking.Unconfirmed, charge: payment.StatusAuthorized, statusAfter: booking.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "cancelBooking killed after refund", card: cardsim.TokenVisa,
			want:   want{status: booking.Confirmed, charge: payment.StatusCaptured, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true},
			cancel: true, cFault: &trigger{step: booking.StepRefund, phase: booking.After, err: killed},
			cancelW: want{code: apperr.Unavailable, status: booking.Confirmed, charge: payment.StatusRefunded, statusAfter: booking.Cancelled, chargeAfter: payment.StatusRefunded}},
		{name: "cancelBooking", card: cardsim.TokenVisa,
			want:    want{status: booking.Confirmed, charge: payment.StatusCaptured, statusAfter: booking.Confirmed, chargeAfter: payment.StatusCaptured, pointsAfter: true},
			cancel:  true,
			cancelW: want{status: booking.Cancelled, charge: payment.StatusRefunded, statusAfter: booking.Cancelled, chargeAfter: payment.StatusRefunded}},
	}
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			var (
				mu      sync.Mutex
				active  []*trigger
				failFor atomic.Value
				clk     clock
			)
			hook := func(ctx context.Context, bk *booking.Booking, step booking.Step, phase booking.Phase) error {
				mu.Lock()
				list := append([]*trigger(nil), active...)
				mu.Unlock()
				for _, tr := range list {
					if err := tr.hook(ctx, bk, step, phase); err != nil {
						return err
					}
				}
				return nil
			}
			e := newEnvWith(t, b, app.Options{
				BookingHook: hook, Now: clk.now, BookingRecoverAfter: time.Nanosecond,
				API: func(api dynamo.API) dynamo.API { return failingAPI{API: api, match: isConfirmation(&failFor)} },
			})
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					ctx := context.Background()
					f := newFlight(t, e, 3, 150, 30)
					cu := newCustomer(t, e)
					tokenID := authorize(t, e, cu, f, c.card)
					mu.Lock()
					active = []*trigger{}
					if c.fault != nil {
						c.fault.arm(cu.sub)
						active = append(active, c.fault)
					}
					mu.Unlock()
					if c.failTx {
						failFor.Store(cu.sub)
					}
					id, out := book(t, e, cu, tokenID, f.ID)
					failFor.Store("")
					if c.want.code == "" {
						require.Nil(t, out["errors"], "%v", out)
					} else {
						requireCode(t, out, string(c.want.code))
					}
					// The booking, whatever the client saw.
					if id == "" {
						bid, err := e.app.Store.Bookings().ByPaymentToken(ctx, cu.sub, tokenID)
						if c.want.noBooking {
							require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "no booking may exist")
						} else {
							require.NoError(t, err)
							id = bid
						}
					}
					check := func(w want, after bool) {
						t.Helper()
						st, ch := w.status, w.charge
						if after {
							st, ch = w.statusAfter, w.chargeAfter
						}
						require.Equal(t, ch, chargeStatus(t, e, cu, tokenID), "charge (after sweep: %v)", after)
						if w.noBooking {
							require.Equal(t, 3, seatsLeft(t, e, f.ID))
							return
						}
						bk := storedBooking(t, e, id)
						require.Equal(t, st, bk.Status, "booking (after sweep: %v)", after)
						held := 0
						if bk.Status != booking.Cancelled {
							held = 1
						}
						require.Equal(t, 3-held, seatsLeft(t, e, f.ID), "seats (after sweep: %v)", after)
						if bk.Status == booking.Cancelled && bk.FailureCode != "" {
							require.NotEmpty(t, bk.FailureMessage)
						}
					}
					check(c.want, false)

					if c.want.retryConfirms {
						// The client's retry finishes the booking without the sweep.
						rid, out := book(t, e, cu, tokenID, f.ID)
						require.Nil(t, out["errors"], "%v", out)
						require.Equal(t, id, rid)
					}
					if c.want.pendingLater {
						rep, err := e.app.Bookings.Recover(ctx)
						require.Error(t, err, "the processor is still down")
						require.Positive(t, rep.Failed)
						check(c.want, false) // nothing changed: the seat stays held, nothing charged
						clk.advance(2 * time.Hour)
						defer clk.advance(-2 * time.Hour)
					}
					_, err := e.app.Bookings.Recover(ctx)
					require.NoError(t, err)
					check(c.want, true)
					if c.want.pointsAfter {
						require.EqualValues(t, f.TicketPrice, points(t, e, cu.sub))
					} else if !c.cancel {
						require.Zero(t, points(t, e, cu.sub))
					}

					if c.cancel {
						mu.Lock()
						if c.cFault != nil {
							c.cFault.arm(cu.sub)
							active = append(active, c.cFault)
						}
						mu.Unlock()
						_, out := e.raw(t, `mutation($id: ID!) { cancelBooking(id: $id) { id status } }`, map[string]any{"id": id}, "Authorization", cu.token)
						if c.cancelW.code == "" {
							require.Nil(t, out["errors"], "%v", out)
							require.Equal(t, "CANCELLED", out["data"].(map[string]any)["cancelBooking"].(map[string]any)["status"])
						} else {
							requireCode(t, out, string(c.cancelW.code))
						}
						check(c.cancelW, false)
						_, err := e.app.Bookings.Recover(ctx)
						require.NoError(t, err)
						check(c.cancelW, true)
						require.Zero(t, points(t, e, cu.sub), "points revoked")
						hist, err := e.app.Loyalty.History(ctx, cu.sub, nil, nil)
						require.NoError(t, err)
						require.Len(t, hist.Items, 1)
						require.Equal(t, loyalty.Revoked, hist.Items[0].Status)
					}
				})
			}
			requireInvariants(t, e)
		})
	}
}

// requireInvariants checks the at-rest invariants over every booking and charge in the
// table, and that no saga is left pending.
func requireInvariants(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	pending, err := e.app.Store.Bookings().Pending(ctx, 1000)
	require.NoError(t, err)
	require.Empty(t, pending, "every saga is finished")

	var all []*booking.Booking
	var next *string
	admin := booking.Caller{ID: "admin", Admin: true}
	for {
		p, err := e.app.Bookings.List(ctx, admin, nil, nil, next)
		require.NoError(t, err)
		all = append(all, p.Items...)
		if p.NextToken == "" {
			break
		}
		next = &p.NextToken
	}
	held := map[string]int{}
	confirmedByToken := map[string]int{}
	activePoints := map[string]int64{}
	for _, b := range all {
		ch, err := e.app.Payments.Get(ctx, b.Customer, b.PaymentToken)
		require.NoError(t, err)
		hist, err := e.app.Loyalty.History(ctx, b.Customer, ptrInt(loyalty.MaxLimit), nil)
		require.NoError(t, err)
		var entries []*loyalty.Entry
		for _, en := range hist.Items {
			if en.BookingID == b.ID {
				entries = append(entries, en)
			}
		}
		switch b.Status {
		case booking.Confirmed:
			held[b.FlightID]++
			confirmedByToken[b.PaymentToken]++
			require.Equal(t, payment.StatusCaptured, ch.Status, "booking %s", b.ID)
			require.Equal(t, b.Amount, ch.CapturedAmount)
			require.Len(t, entries, 1, "one loyalty entry per confirmed booking")
			require.Equal(t, loyalty.Active, entries[0].Status)
			activePoints[b.Customer] += entries[0].Points
		case booking.Unconfirmed:
			held[b.FlightID]++
		case booking.Cancelled:
			require.NotEqual(t, payment.StatusCaptured, ch.Status, "a cancelled booking keeps no money (booking %s)", b.ID)
			require.NotEqual(t, payment.StatusAuthorized, ch.Status, "a cancelled booking keeps no hold (booking %s)", b.ID)
			for _, en := range entries {
				require.Equal(t, loyalty.Revoked, en.Status)
			}
		}
		require.Equal(t, booking.StageDone, b.Stage)
	}
	for tok, n := range confirmedByToken {
		require.Equal(t, 1, n, "charge %s has exactly one CONFIRMED booking", tok)
	}
	for flightID, n := range held {
		f, err := e.app.Flights.Get(ctx, flightID)
		require.NoError(t, err)
		require.Equal(t, f.TotalSeats-n, f.SeatCapacity, "flight %s", flightID)
	}
	for cust, pts := range activePoints {
		require.Equal(t, pts, points(t, e, cust), "loyalty total of %s = its active entries", cust)
	}
}

func ptrInt(n int) *int { return &n }

func attrString(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// TestCloseWaitsForRunningSagas: a saga outlives its client's request on purpose, so
// App.Close waits for it before closing the store: the saga held at its capture step
// finishes CONFIRMED after Close was called, and Close returns only then.
func TestCloseWaitsForRunningSagas(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hook := func(_ context.Context, _ *booking.Booking, step booking.Step, phase booking.Phase) error {
		if step == booking.StepCapture && phase == booking.Before {
			once.Do(func() { close(entered) })
			<-release
		}
		return nil
	}
	e := newEnvWith(t, dynamotest.Backends(t)[0], app.Options{BookingHook: hook})
	f := newFlight(t, e, 3, 150, 30)
	cu := newCustomer(t, e)
	tok := authorize(t, e, cu, f, "tok_visa")

	type result struct {
		b   *booking.Booking
		err error
	}
	saga := make(chan result, 1)
	go func() {
		b, err := e.app.Bookings.Process(context.Background(), booking.Caller{ID: cu.sub},
			booking.CreateInput{PaymentToken: tok, FlightID: f.ID})
		saga <- result{b, err}
	}()
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- e.app.Close() }()
	// Only a broken Close can return here; a slow machine merely detects it less often.
	select {
	case err := <-closed:
		close(release)
		t.Fatalf("Close returned (%v) while a saga was running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	r := <-saga
	require.NoError(t, r.err)
	require.Equal(t, booking.Confirmed, r.b.Status)
	require.NoError(t, <-closed)
}
