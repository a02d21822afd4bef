package app_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/domain/flight"
)

// readData reads the next event of c and returns field's object, failing on errors.
func readData(t *testing.T, c *subClient, field string) map[string]any {
	t.Helper()
	ev, err := c.read(time.Minute)
	require.NoError(t, err)
	require.Empty(t, ev.Errors)
	require.False(t, ev.Done)
	obj, _ := ev.Data[field].(map[string]any)
	require.NotNil(t, obj, "%v", ev.Data)
	return obj
}

const entryFields = `{ id status name partySize customer waitlistOwner position waitlist { id name } }`

// TestWaitlistSubscriptions: the owner's dashboard hears every entry of its list (joined,
// seated), the waiting customer hears their own entry, another customer hears nothing of
// it, and another restaurant owner may not listen to the list. On both backends.
func TestWaitlistSubscriptions(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, nil)
			srv := httptest.NewServer(e.app.Handler)
			defer srv.Close()
			owner := e.signIn(t, ownerEmail, ownerPassword)
			other := newCustomer(t, e)
			require.NoError(t, e.app.Accounts.AddUserToGroup(context.Background(), true, other.sub, account.GroupRestaurantOwner))
			otherOwner := e.signIn(t, other.email, "Booker1234!")
			_, out := e.raw(t, `mutation { createWaitlist(input: {name: "Live"}) { id } }`, nil, "Authorization", owner)
			list := out["data"].(map[string]any)["createWaitlist"].(map[string]any)["id"].(string)

			for _, proto := range protocols {
				t.Run(proto, func(t *testing.T) {
					guest, bystander := newCustomer(t, e), newCustomer(t, e)
					dash := dialSub(t, srv.URL, proto, owner)
					mine := dialSub(t, srv.URL, proto, guest.token)
					by := dialSub(t, srv.URL, proto, bystander.token)
					n := e.app.Events.Subscribers(event.WaitlistEntryChanged)
					dash.subscribe("dash", `subscription($w: ID!) { onWaitlistEntryChanged(waitlistId: $w) `+entryFields+` }`, map[string]any{"w": list})
					mine.subscribe("mine", `subscription { onMyWaitlistEntryChanged `+entryFields+` }`, nil)
					by.subscribe("by", `subscription { onMyWaitlistEntryChanged `+entryFields+` }`, nil)
					waitListening(t, e, event.WaitlistEntryChanged, n+3)

					spy := dialSub(t, srv.URL, proto, otherOwner)
					spy.subscribe("spy", `subscription($w: ID!) { onWaitlistEntryChanged(waitlistId: $w) { id } }`, map[string]any{"w": list})
					ev, err := spy.read(time.Minute)
					require.NoError(t, err)
					requireUnauthorized(t, proto, ev.Errors)

					_, out := e.raw(t, `mutation($w: ID!) { joinWaitlist(waitlistId: $w, input: {name: "Guest", phone: "+14155550100", partySize: 2}) { id } }`,
						map[string]any{"w": list}, "Authorization", guest.token)
					require.Nil(t, out["errors"], "%v", out)
					entry := out["data"].(map[string]any)["joinWaitlist"].(map[string]any)["id"].(string)
					got := readData(t, dash, "onWaitlistEntryChanged")
					require.Equal(t, entry, got["id"])
					require.Equal(t, "WAITING", got["status"])
					require.Equal(t, list, got["waitlist"].(map[string]any)["id"])
					got = readData(t, mine, "onMyWaitlistEntryChanged")
					require.Equal(t, entry, got["id"])
					require.Equal(t, guest.sub, got["customer"])

					_, out = e.raw(t, `mutation($id: ID!) { seatWaitee(id: $id) { id } }`, map[string]any{"id": entry}, "Authorization", owner)
					require.Nil(t, out["errors"], "%v", out)
					require.Equal(t, "SEATED", readData(t, dash, "onWaitlistEntryChanged")["status"])
					require.Equal(t, "SEATED", readData(t, mine, "onMyWaitlistEntryChanged")["status"])

					// The bystander heard nothing of the guest's entry: their first event is their own.
					_, out = e.raw(t, `mutation($w: ID!) { joinWaitlist(waitlistId: $w, input: {name: "By", phone: "+14155550101", partySize: 1}) { id } }`,
						map[string]any{"w": list}, "Authorization", bystander.token)
					require.Nil(t, out["errors"], "%v", out)
					own := out["data"].(map[string]any)["joinWaitlist"].(map[string]any)["id"].(string)
					require.Equal(t, own, readData(t, by, "onMyWaitlistEntryChanged")["id"])
				})
			}
		})
	}
}

// TestFlightAndLoyaltySubscriptions: flight events reach anonymous subscribers with the
// server matching their filter (seat changes from bookings included); loyalty points reach
// only their customer.
func TestFlightAndLoyaltySubscriptions(t *testing.T) {
	e := embeddedEnv(t, nil)
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			ca, cb := newCustomer(t, e), newCustomer(t, e)
			anon := dialSub(t, srv.URL, proto, "")
			n := e.app.Events.Subscribers(event.FlightUpdated)
			anon.subscribe("f", `subscription($f: ModelSubscriptionFlightFilterInput) { onUpdateFlight(filter: $f) { id seatCapacity arrivalAirportCode } }`,
				map[string]any{"f": map[string]any{"arrivalAirportCode": map[string]any{"eq": "JFK"}}})
			waitListening(t, e, event.FlightUpdated, n+1)
			la := dialSub(t, srv.URL, proto, ca.token)
			lb := dialSub(t, srv.URL, proto, cb.token)
			n = e.app.Events.Subscribers(event.LoyaltyChanged)
			la.subscribe("l", `subscription { onLoyaltyChanged { points customer level } }`, nil)
			lb.subscribe("l", `subscription { onLoyaltyChanged { points customer level } }`, nil)
			waitListening(t, e, event.LoyaltyChanged, n+2)

			// A flight to MAD changes (a seat is booked): filtered out. Then one to JFK.
			mad := newFlight(t, e, 5, 100, 10)
			id, out := book(t, e, ca, authorize(t, e, ca, mad, cardsim.TokenVisa), mad.ID)
			require.NotEmpty(t, id, "%v", out)
			got := readData(t, la, "onLoyaltyChanged")
			require.Equal(t, ca.sub, got["customer"])
			require.EqualValues(t, 100, got["points"])

			jfk := newFlight(t, e, 5, 100, 10)
			seats := 4
			_, err := e.app.Flights.Update(context.Background(), flightUpdate(jfk.ID, "JFK", seats), nil)
			require.NoError(t, err)
			got = readData(t, anon, "onUpdateFlight")
			require.Equal(t, jfk.ID, got["id"], "the MAD flight's seat change was filtered out on the server")
			require.Equal(t, "JFK", got["arrivalAirportCode"])

			// B's stream heard nothing of A's points: B's first event is B's own.
			idB, _ := book(t, e, cb, authorize(t, e, cb, mad, cardsim.TokenVisa), mad.ID)
			require.NotEmpty(t, idB)
			require.Equal(t, cb.sub, readData(t, lb, "onLoyaltyChanged")["customer"])
		})
	}
}

func flightUpdate(id, arrival string, seats int) flight.UpdateInput {
	return flight.UpdateInput{ID: id, ArrivalAirportCode: &arrival, SeatCapacity: &seats}
}
