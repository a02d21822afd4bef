package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/payment"
)

func gqlData(t *testing.T, out map[string]any, field string) map[string]any {
	t.Helper()
	require.Nil(t, out["errors"], "%v", out)
	v, _ := out["data"].(map[string]any)[field].(map[string]any)
	return v
}

// TestBookingIsOnlyTheOwners attacks every path to another customer's booking: by id,
// by customer, in lists, through mutations and by reusing their paymentToken. Admin sees
// and may do everything.
func TestBookingIsOnlyTheOwners(t *testing.T) {
	e := embeddedEnv(t, nil)
	a, b := newCustomer(t, e), newCustomer(t, e)
	admin := e.signIn(t, adminEmail, adminPassword)
	f := newFlight(t, e, 5, 90, 10)
	tokA := authorize(t, e, a, f, cardsim.TokenVisa)
	id, out := book(t, e, a, tokA, f.ID)
	require.Nil(t, out["errors"], "%v", out)

	getDoc := `query($id: ID!) { getBooking(id: $id) { id customer payment { status } } }`
	_, out = e.raw(t, getDoc, map[string]any{"id": id}, "Authorization", b.token)
	require.Nil(t, out["errors"])
	require.Nil(t, out["data"].(map[string]any)["getBooking"], "another customer's booking reads as missing")

	for _, doc := range []string{
		`mutation($id: ID!) { cancelBooking(id: $id) { id } }`,
		`mutation($id: ID!) { checkIn(bookingId: $id) { id } }`,
	} {
		_, out = e.raw(t, doc, map[string]any{"id": id}, "Authorization", b.token)
		requireCode(t, out, "NotFound")
	}
	_, out = e.raw(t, getBookingByStatusDoc, map[string]any{"customer": a.sub}, "Authorization", b.token)
	requireCode(t, out, "Unauthorized")
	_, out = e.raw(t, `{ listBookings { items { id } } }`, nil, "Authorization", b.token)
	require.Empty(t, gqlData(t, out, "listBookings")["items"])
	_, out = e.raw(t, `query($c: String) { getLoyalty(customer: $c) { points } }`, map[string]any{"c": a.sub}, "Authorization", b.token)
	requireCode(t, out, "Unauthorized")

	// B cannot pay with A's authorization: it is not B's, and nothing is reserved.
	_, out = book(t, e, b, tokA, f.ID)
	requireCode(t, out, "NotFound")
	require.Equal(t, 4, seatsLeft(t, e, f.ID))

	// Admin: reads everything, and the nested payment of another customer's booking.
	_, out = e.raw(t, getDoc, map[string]any{"id": id}, "Authorization", admin)
	got := gqlData(t, out, "getBooking")
	require.Equal(t, a.sub, got["customer"])
	require.Equal(t, "CAPTURED", got["payment"].(map[string]any)["status"])
	_, out = e.raw(t, getBookingByStatusDoc, map[string]any{"customer": a.sub, "status": map[string]any{"eq": "CONFIRMED"}}, "Authorization", admin)
	require.Len(t, gqlData(t, out, "getBookingByStatus")["items"], 1)
	_, out = e.raw(t, `{ listBookings(filter: {customer: {eq: "`+a.sub+`"}}) { items { id } } }`, nil, "Authorization", admin)
	require.Len(t, gqlData(t, out, "listBookings")["items"], 1)
	_, out = e.raw(t, `query($c: String) { getLoyalty(customer: $c) { points level customer } }`, map[string]any{"c": a.sub}, "Authorization", admin)
	require.EqualValues(t, 90, gqlData(t, out, "getLoyalty")["points"])

	// The owner: checks in (twice is harmless), sees the ledger.
	for range 2 {
		_, out = e.raw(t, `mutation($id: ID!) { checkIn(bookingId: $id) { checkedIn status } }`, map[string]any{"id": id}, "Authorization", a.token)
		require.Equal(t, true, gqlData(t, out, "checkIn")["checkedIn"])
	}
	_, out = e.raw(t, `{ getLoyalty { points history(limit: 5) { items { bookingId points status } nextToken } } }`, nil, "Authorization", a.token)
	hist := gqlData(t, out, "getLoyalty")["history"].(map[string]any)["items"].([]any)
	require.Len(t, hist, 1)
	require.Equal(t, id, hist[0].(map[string]any)["bookingId"])

	// Admin cancels a customer's booking: refund, seat back, points revoked.
	_, out = e.raw(t, `mutation($id: ID!) { cancelBooking(id: $id) { status payment { status refundedAmount } } }`, map[string]any{"id": id}, "Authorization", admin)
	c := gqlData(t, out, "cancelBooking")
	require.Equal(t, "CANCELLED", c["status"])
	require.Equal(t, "REFUNDED", c["payment"].(map[string]any)["status"])
	require.Equal(t, 5, seatsLeft(t, e, f.ID))
	require.Zero(t, points(t, e, a.sub))
	// Cancelling again changes nothing; checking in to a cancelled booking is refused.
	_, out = e.raw(t, `mutation($id: ID!) { cancelBooking(id: $id) { status } }`, map[string]any{"id": id}, "Authorization", a.token)
	require.Equal(t, "CANCELLED", gqlData(t, out, "cancelBooking")["status"])
	require.Equal(t, 5, seatsLeft(t, e, f.ID), "a second cancel releases nothing")
	_, out = e.raw(t, `mutation($id: ID!) { checkIn(bookingId: $id) { id } }`, map[string]any{"id": id}, "Authorization", a.token)
	requireCode(t, out, "BadRequest")
}

// TestProcessBookingRejectsBadPaymentsBeforeTakingASeat: a token that does not pay for
// this flight is refused with nothing reserved.
func TestProcessBookingRejectsBadPaymentsBeforeTakingASeat(t *testing.T) {
	e := embeddedEnv(t, nil)
	c := newCustomer(t, e)
	f := newFlight(t, e, 2, 200, 10)
	other := newFlight(t, e, 2, 200, 11)
	ctx := context.Background()
	hold := func(amount int64, currency string) string {
		ch, err := e.app.Payments.Authorize(ctx, c.sub, payment.AuthorizeInput{Amount: amount, Currency: currency, CardToken: cardsim.TokenVisa})
		require.NoError(t, err)
		return ch.ID
	}
	for name, tc := range map[string]struct {
		token, flight, code string
	}{
		"too little authorised": {hold(19_999, "EUR"), f.ID, "BadRequest"},
		"other currency":        {hold(20_000, "USD"), f.ID, "BadRequest"},
		"not a token":           {"tok_visa", f.ID, "BadRequest"},
		"unknown token":         {"ch_doesnotexist123", f.ID, "NotFound"},
		"unknown flight":        {hold(20_000, "EUR"), "no-such-flight", "NotFound"},
		"bad flight id":         {hold(20_000, "EUR"), "../x", "BadRequest"},
	} {
		_, out := book(t, e, c, tc.token, tc.flight)
		requireCode(t, out, tc.code)
		require.Equal(t, 2, seatsLeft(t, e, f.ID), name)
	}
	// A token used once cannot pay for another flight; on its own flight it is idempotent.
	tok := hold(20_000, "EUR")
	id, out := book(t, e, c, tok, f.ID)
	require.Nil(t, out["errors"], "%v", out)
	_, out = book(t, e, c, tok, other.ID)
	requireCode(t, out, "Conflict")
	require.Equal(t, 2, seatsLeft(t, e, other.ID))
	again, out := book(t, e, c, tok, f.ID)
	require.Nil(t, out["errors"], "%v", out)
	require.Equal(t, id, again)
	require.Equal(t, 1, seatsLeft(t, e, f.ID))
	// A declined authorisation never reaches a seat.
	declined := authorize(t, e, c, f, cardsim.TokenChargeDeclined)
	_, out = book(t, e, c, declined, f.ID)
	requireCode(t, out, "PaymentDeclined")
	require.Equal(t, 1, seatsLeft(t, e, f.ID))
	// Sold out is reported before anything is written, and a full flight keeps its seats.
	last := newFlight(t, e, 1, 200, 12)
	_, out = book(t, e, c, hold(20_000, "EUR"), last.ID)
	require.Nil(t, out["errors"], "%v", out)
	_, out = book(t, e, c, hold(20_000, "EUR"), last.ID)
	require.Contains(t, requireCode(t, out, "SoldOut")["message"], "sold out")
}

// TestDepartureRules: after departure a customer can neither check in nor cancel; an
// Admin can still cancel.
func TestDepartureRules(t *testing.T) {
	var clk clock
	e := newEnvWith(t, dynamotest.Backends(t)[0], app.Options{Now: clk.now})
	c := newCustomer(t, e)
	admin := e.signIn(t, adminEmail, adminPassword)
	f := newFlight(t, e, 2, 50, 1)
	id, out := book(t, e, c, authorize(t, e, c, f, cardsim.TokenVisa), f.ID)
	require.Nil(t, out["errors"], "%v", out)

	clk.advance(3 * 24 * time.Hour) // the flight has left (tokens are checked on the wall clock)
	for _, doc := range []string{`mutation($id: ID!) { checkIn(bookingId: $id) { id } }`, `mutation($id: ID!) { cancelBooking(id: $id) { id } }`} {
		_, out = e.raw(t, doc, map[string]any{"id": id}, "Authorization", c.token)
		require.Contains(t, requireCode(t, out, "BadRequest")["message"], "departed")
	}
	_, out = e.raw(t, `mutation($id: ID!) { cancelBooking(id: $id) { status } }`, map[string]any{"id": id}, "Authorization", admin)
	require.Equal(t, "CANCELLED", gqlData(t, out, "cancelBooking")["status"])
	// Booking a departed flight is refused.
	_, out = book(t, e, c, authorize(t, e, c, f, cardsim.TokenVisa), f.ID)
	requireCode(t, out, "BadRequest")
}

// TestLoyaltyTiersThroughBookings: the tier boundaries reached by real bookings.
func TestLoyaltyTiersThroughBookings(t *testing.T) {
	e := embeddedEnv(t, nil)
	c := newCustomer(t, e)
	big, small := newFlight(t, e, 5, 49_999, 20), newFlight(t, e, 5, 1, 20)
	level := func(pts int, lvl string, remaining int) {
		t.Helper()
		_, out := e.raw(t, getLoyaltyDoc, nil, "Authorization", c.token)
		l := gqlData(t, out, "getLoyalty")
		require.EqualValues(t, pts, l["points"])
		require.Equal(t, lvl, l["level"])
		require.EqualValues(t, remaining, l["remainingPoints"])
	}
	level(0, "bronze", 50_000)
	for _, step := range []struct {
		f         string
		pts       int
		lvl       string
		remaining int
	}{
		{big.ID, 49_999, "bronze", 1},
		{small.ID, 50_000, "silver", 50_000},
		{big.ID, 99_999, "silver", 1},
		{small.ID, 100_000, "gold", 0},
	} {
		fl := big
		if step.f == small.ID {
			fl = small
		}
		_, out := book(t, e, c, authorize(t, e, c, fl, cardsim.TokenVisa), fl.ID)
		require.Nil(t, out["errors"], "%v", out)
		level(step.pts, step.lvl, step.remaining)
	}
}

// TestClientDisconnectDoesNotAbandonTheSaga: a request whose client has gone away (its
// context cancelled) still finishes the booking, instead of leaving it half-done for the
// recovery sweep.
func TestClientDisconnectDoesNotAbandonTheSaga(t *testing.T) {
	e := embeddedEnv(t, nil)
	c := newCustomer(t, e)
	f := newFlight(t, e, 2, 75, 10)
	tok := authorize(t, e, c, f, cardsim.TokenVisa)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, err := e.app.Bookings.Process(ctx, booking.Caller{ID: c.sub}, booking.CreateInput{PaymentToken: tok, FlightID: f.ID})
	require.NoError(t, err)
	require.Equal(t, booking.Confirmed, b.Status)
	require.Equal(t, payment.StatusCaptured, chargeStatus(t, e, c, tok))
}
