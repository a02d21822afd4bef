package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/event"
)

// The three WebSocket protocols, one executor: graphql-transport-ws and the legacy
// graphql-ws at /graphql, AppSync's realtime protocol at /graphql/realtime.
const (
	protoTransportWS = "graphql-transport-ws"
	protoLegacyWS    = "graphql-ws"
	protoAppSync     = "appsync"
)

var protocols = []string{protoTransportWS, protoLegacyWS, protoAppSync}

// subClient is a real WebSocket client of one protocol, through the real HTTP stack.
type subClient struct {
	t     *testing.T
	proto string
	conn  *websocket.Conn
	token string
	// pending is an error frame read while waiting for start_ack.
	pending *wsMsg
}

// appsyncHeader is Amplify's `header-<base64url JSON>` subprotocol.
func appsyncHeader(auth map[string]string) string {
	b, _ := json.Marshal(auth)
	return "header-" + base64.RawURLEncoding.EncodeToString(b)
}

// dialSub connects with token ("" anonymous) and completes the protocol's handshake.
func dialSub(t *testing.T, srvURL, proto, token string) *subClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang guard
	defer cancel()
	base := "ws" + strings.TrimPrefix(srvURL, "http")
	url, subprotocols := base+"/graphql", []string{proto}
	if proto == protoAppSync {
		h := map[string]string{"host": "localhost"}
		if token != "" {
			h["Authorization"] = token
		}
		url, subprotocols = base+"/graphql/realtime", []string{"graphql-ws", appsyncHeader(h)}
	}
	conn, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: subprotocols})
	require.NoError(t, err)
	if res.Body != nil {
		_ = res.Body.Close()
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	c := &subClient{t: t, proto: proto, conn: conn, token: token}
	switch proto {
	case protoAppSync:
		c.send(wsMsg{Type: "connection_init"}) // Amplify's: no payload
	default:
		payload := json.RawMessage(`{}`)
		if token != "" {
			payload, _ = json.Marshal(map[string]string{"Authorization": token})
		}
		c.send(wsMsg{Type: "connection_init", Payload: payload})
	}
	m, err := c.next(time.Minute)
	require.NoError(t, err)
	require.Equal(t, "connection_ack", m.Type, "%s", m.Payload)
	return c
}

func (c *subClient) send(m wsMsg) {
	c.t.Helper()
	b, err := json.Marshal(m)
	require.NoError(c.t, err)
	require.NoError(c.t, c.conn.Write(context.Background(), websocket.MessageText, b))
}

// next returns the next message that is not a keep-alive, or an error when none
// arrives within the hang guard (keep-alives do not extend it).
func (c *subClient) next(within time.Duration) (wsMsg, error) {
	deadline := time.Now().Add(within)
	for {
		m, err := wsRead(c.conn, time.Until(deadline))
		if err != nil || m.Type != "ka" {
			return m, err
		}
	}
}

// subscribe starts operation id with the protocol's message (AppSync: the stringified
// data and the credentials in extensions.authorization, as Amplify sends them).
func (c *subClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	op, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	switch c.proto {
	case protoTransportWS:
		c.send(wsMsg{ID: id, Type: "subscribe", Payload: op})
	case protoLegacyWS:
		c.send(wsMsg{ID: id, Type: "start", Payload: op})
	case protoAppSync:
		auth := map[string]string{"host": "localhost"}
		if c.token != "" {
			auth["Authorization"] = c.token
		}
		payload, _ := json.Marshal(map[string]any{"data": string(op), "extensions": map[string]any{"authorization": auth}})
		c.send(wsMsg{ID: id, Type: "start", Payload: payload})
		m, err := c.next(time.Minute)
		require.NoError(c.t, err)
		if m.Type == "error" {
			c.pending = &m
			return
		}
		require.Equal(c.t, "start_ack", m.Type, "%s", m.Payload)
		require.Equal(c.t, id, m.ID)
	}
}

// event is one thing a subscription delivered: data, or errors.
type subEvent struct {
	Data   map[string]any
	Errors []map[string]any
	Done   bool // complete
}

// read returns the next event of the connection.
func (c *subClient) read(within time.Duration) (subEvent, error) {
	var m wsMsg
	if c.pending != nil {
		m, c.pending = *c.pending, nil
	} else {
		var err error
		if m, err = c.next(within); err != nil {
			return subEvent{}, err
		}
	}
	switch m.Type {
	case "next", "data":
		var p struct {
			Data   map[string]any   `json:"data"`
			Errors []map[string]any `json:"errors"`
		}
		require.NoError(c.t, json.Unmarshal(m.Payload, &p), "%s", m.Payload)
		return subEvent{Data: p.Data, Errors: p.Errors}, nil
	case "error":
		var errs []map[string]any
		if json.Unmarshal(m.Payload, &errs) != nil { // graphql-transport-ws: a list
			var p struct {
				Errors []map[string]any `json:"errors"`
			}
			require.NoError(c.t, json.Unmarshal(m.Payload, &p), "%s", m.Payload)
			errs = p.Errors
		}
		return subEvent{Errors: errs}, nil
	case "complete":
		return subEvent{Done: true}, nil
	}
	return subEvent{}, fmt.Errorf("unexpected message %s: %s", m.Type, m.Payload)
}

// waitStatus reads events until field's booking id has status, failing on errors.
func (c *subClient) waitStatus(field, id string, status booking.Status) map[string]any {
	c.t.Helper()
	for {
		ev, err := c.read(time.Minute)
		require.NoError(c.t, err, "waiting for %s %s", id, status)
		require.Empty(c.t, ev.Errors)
		require.False(c.t, ev.Done, "the subscription ended before %s", status)
		b, _ := ev.Data[field].(map[string]any)
		require.NotNil(c.t, b, "%v", ev.Data)
		require.Equal(c.t, id, b["id"], "only the subscribed booking")
		if b["status"] == string(status) {
			return b
		}
	}
}

// waitListening waits until the hub has n subscriptions of kind (graphql-ws acknowledges
// no subscribe, so a test waits for the server to be listening before it acts).
func waitListening(t *testing.T, e *env, kind event.Kind, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // a hang guard
	for e.app.Events.Subscribers(kind) < n {
		require.True(t, time.Now().Before(deadline), "subscriptions to %s never started", kind)
		time.Sleep(5 * time.Millisecond)
	}
}

const (
	onBookingChangedDoc = `subscription OnBookingChanged($id: ID) { onBookingChanged(id: $id) {
  id status customer bookingReference checkedIn outboundFlight { id flightNumber } } }`
	onUpdateBookingDoc = `subscription OnUpdateBooking($filter: ModelSubscriptionBookingFilterInput, $customer: String, $id: ID) {
  onUpdateBooking(filter: $filter, customer: $customer, id: $id) { id status customer bookingReference paymentToken } }`
)

// TestBookingSubscriptions is issue 14's test, per transport, through the real HTTP stack:
// customer A sees A's booking turn CONFIRMED (from the mutation; another booking from the
// recovery sweep) and then CANCELLED live, with the full object whatever the mutation
// selected; customer B subscribing with A's booking id gets an authorization error and,
// subscribed to their own bookings, nothing of A's; Admin receives both.
func TestBookingSubscriptions(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			crash := &trigger{step: booking.StepReserve, phase: booking.After, err: booking.ErrKilled}
			e := newEnvWith(t, b, app.Options{BookingHook: crash.hook, BookingRecoverAfter: time.Nanosecond})
			srv := httptest.NewServer(e.app.Handler)
			defer srv.Close()
			admin := e.signIn(t, adminEmail, adminPassword)
			for _, proto := range protocols {
				t.Run(proto, func(t *testing.T) {
					ca, cb := newCustomer(t, e), newCustomer(t, e)
					f := newFlight(t, e, 5, 100, 10)

					a := dialSub(t, srv.URL, proto, ca.token)
					bc := dialSub(t, srv.URL, proto, cb.token)
					ad := dialSub(t, srv.URL, proto, admin)
					n := e.app.Events.Subscribers(event.BookingUpdated)
					a.subscribe("a", onBookingChangedDoc, nil)
					bc.subscribe("b", onBookingChangedDoc, nil)
					ad.subscribe("admin", onUpdateBookingDoc, map[string]any{"customer": ca.sub})
					waitListening(t, e, event.BookingUpdated, n+3)

					// From the mutation: processBooking selects only id; the subscribers get it all.
					_, out := e.raw(t, `mutation($input: CreateBookingInput!) { processBooking(input: $input) { id } }`,
						map[string]any{"input": map[string]any{"paymentToken": authorize(t, e, ca, f, cardsim.TokenVisa), "bookingOutboundFlightId": f.ID}},
						"Authorization", ca.token)
					id := out["data"].(map[string]any)["processBooking"].(map[string]any)["id"].(string)
					got := a.waitStatus("onBookingChanged", id, booking.Confirmed)
					require.Equal(t, ca.sub, got["customer"])
					require.NotEmpty(t, got["bookingReference"])
					require.Equal(t, f.ID, got["outboundFlight"].(map[string]any)["id"])
					ad.waitStatus("onUpdateBooking", id, booking.Confirmed)

					// B may not subscribe to A's booking: an authorization error, nothing else.
					bc2 := dialSub(t, srv.URL, proto, cb.token)
					bc2.subscribe("spy", onUpdateBookingDoc, map[string]any{"id": id})
					ev, err := bc2.read(time.Minute)
					require.NoError(t, err)
					require.NotEmpty(t, ev.Errors, "an authorization error")
					requireUnauthorized(t, proto, ev.Errors)
					require.Nil(t, ev.Data["onUpdateBooking"])
					// Nor may B ask for A's bookings by customer.
					bc2.subscribe("spy2", onUpdateBookingDoc, map[string]any{"customer": ca.sub})
					for {
						ev, err = bc2.read(time.Minute)
						require.NoError(t, err)
						if !ev.Done {
							break
						}
					}
					requireUnauthorized(t, proto, ev.Errors)

					// Cancelled by the mutation: A and Admin see it live.
					_, out = e.raw(t, `mutation($id: ID!) { cancelBooking(id: $id) { id } }`, map[string]any{"id": id}, "Authorization", ca.token)
					require.Nil(t, out["errors"], "%v", out)
					a.waitStatus("onBookingChanged", id, booking.Cancelled)
					ad.waitStatus("onUpdateBooking", id, booking.Cancelled)

					// From the recovery sweep: the saga dies after reserving; the sweep confirms.
					crash.arm(ca.sub)
					id2, out := book(t, e, ca, authorize(t, e, ca, f, cardsim.TokenVisa), f.ID)
					require.Empty(t, id2, "the saga was killed: %v", out)
					id2 = unconfirmedOf(t, e, ca.sub)
					a.waitStatus("onBookingChanged", id2, booking.Unconfirmed)
					_, err = e.app.Bookings.Recover(context.Background())
					require.NoError(t, err)
					got = a.waitStatus("onBookingChanged", id2, booking.Confirmed)
					require.NotEmpty(t, got["bookingReference"])

					// B received nothing of A's: their stream holds only their own (none) — a
					// booking of B's own arrives, and is the first thing B hears.
					idB, _ := book(t, e, cb, authorize(t, e, cb, f, cardsim.TokenVisa), f.ID)
					require.NotEmpty(t, idB)
					bc.waitStatus("onBookingChanged", idB, booking.Confirmed)
				})
			}
		})
	}
}

// unconfirmedOf returns the id of the customer's UNCONFIRMED booking (a killed saga's).
func unconfirmedOf(t *testing.T, e *env, sub string) string {
	t.Helper()
	p, err := e.app.Bookings.ByCustomer(context.Background(), booking.Caller{ID: sub}, &sub, nil, nil, nil, nil, nil)
	require.NoError(t, err)
	for _, b := range p.Items {
		if b.Status == booking.Unconfirmed {
			return b.ID
		}
	}
	t.Fatalf("no UNCONFIRMED booking of %s", sub)
	return ""
}

// requireUnauthorized checks an authorization error: AppSync's realtime frames carry
// errorType UnauthorizedException (what Amplify looks for); graphql-ws carries our
// extensions.errorType.
func requireUnauthorized(t *testing.T, proto string, errs []map[string]any) {
	t.Helper()
	require.NotEmpty(t, errs, "an authorization error")
	if proto == protoAppSync {
		require.Equal(t, "UnauthorizedException", errs[0]["errorType"], "%v", errs)
		return
	}
	ext, _ := errs[0]["extensions"].(map[string]any)
	require.Equal(t, "Unauthorized", ext["errorType"], "%v", errs)
}

// startSubscription starts doc over the AppSync realtime protocol as token ("" anonymous)
// and returns the errors of its start (none: start_ack).
func startSubscription(t *testing.T, srvURL, token, doc string) []map[string]any {
	t.Helper()
	c := dialSub(t, srvURL, protoAppSync, token)
	defer func() { _ = c.conn.CloseNow() }()
	c.subscribe("m", doc, nil)
	if c.pending == nil {
		return nil
	}
	ev, err := c.read(time.Minute)
	require.NoError(t, err)
	return ev.Errors
}
