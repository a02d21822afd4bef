package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/event"
)

// realtimeDial opens /graphql/realtime as Amplify v6 does: subprotocols graphql-ws and
// header-<base64url JSON, no padding>.
func realtimeDial(t *testing.T, srvURL string, header map[string]string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang guard
	defer cancel()
	b, _ := json.Marshal(header)
	enc := base64.RawURLEncoding.EncodeToString(b)
	require.NotContains(t, enc, "=")
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srvURL, "http")+"/graphql/realtime",
		&websocket.DialOptions{Subprotocols: []string{"graphql-ws", "header-" + enc}})
	require.NoError(t, err)
	if res.Body != nil {
		_ = res.Body.Close()
	}
	require.Equal(t, "graphql-ws", c.Subprotocol())
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// frame reads the next frame as raw JSON (keep-alives included).
func frame(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	return frameBy(t, c, time.Now().Add(time.Minute)) // a hang guard
}

func frameBy(t *testing.T, c *websocket.Conn, deadline time.Time) map[string]any {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	_, b, err := c.Read(ctx)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	return m
}

// frameSkipKA reads the next frame that is not ka (keep-alives do not extend the guard).
func frameSkipKA(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if m := frameBy(t, c, deadline); m["type"] != "ka" {
			return m
		}
	}
}

func sendRaw(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	require.NoError(t, c.Write(context.Background(), websocket.MessageText, []byte(s)))
}

// startFrame is Amplify's start: payload.data is the operation as a JSON string.
func startFrame(id, query string, vars map[string]any, authz map[string]string) string {
	data, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	b, _ := json.Marshal(map[string]any{"id": id, "type": "start", "payload": map[string]any{
		"data": string(data), "extensions": map[string]any{"authorization": authz},
	}})
	return string(b)
}

// TestAppSyncRealtimeFrames replays the frames AWS Amplify v6 exchanges with AppSync's
// realtime endpoint, and checks each answer's exact shape.
func TestAppSyncRealtimeFrames(t *testing.T) {
	const apiKey = "da2-realtime-test-key-0123456789"
	e := embeddedEnv(t, func(c *app.Config) { c.APIKeys = []string{apiKey} })
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()
	ca, cb := newCustomer(t, e), newCustomer(t, e)
	f := newFlight(t, e, 5, 100, 10)
	id, out := book(t, e, ca, authorize(t, e, ca, f, cardsim.TokenVisa), f.ID)
	require.NotEmpty(t, id, "%v", out)
	userPool := func(tok string) map[string]string {
		return map[string]string{"Authorization": tok, "host": "localhost:8080"}
	}

	t.Run("user pool: init, ack, ka, start, start_ack, data, stop, complete", func(t *testing.T) {
		c := realtimeDial(t, srv.URL, userPool(ca.token))
		sendRaw(t, c, `{"type":"connection_init"}`)
		require.Equal(t, map[string]any{"type": "connection_ack", "payload": map[string]any{"connectionTimeoutMs": float64(300000)}}, frame(t, c))
		require.Equal(t, map[string]any{"type": "ka"}, frame(t, c))

		sendRaw(t, c, startFrame("sub-1", onUpdateBookingDoc, map[string]any{"id": id}, userPool(ca.token)))
		require.Equal(t, map[string]any{"id": "sub-1", "type": "start_ack"}, frameSkipKA(t, c))

		_, out := e.raw(t, `mutation($id: ID!) { cancelBooking(id: $id) { id } }`, map[string]any{"id": id}, "Authorization", ca.token)
		require.Nil(t, out["errors"])
		var last map[string]any
		for {
			m := frameSkipKA(t, c)
			require.Equal(t, "data", m["type"], "%v", m)
			require.Equal(t, "sub-1", m["id"])
			last = m["payload"].(map[string]any)["data"].(map[string]any)["onUpdateBooking"].(map[string]any)
			require.Equal(t, id, last["id"])
			if last["status"] == string(booking.Cancelled) {
				break
			}
		}
		require.Equal(t, ca.sub, last["customer"], "the full object, whatever cancelBooking selected")
		require.NotEmpty(t, last["paymentToken"])

		sendRaw(t, c, `{"id":"sub-1","type":"stop"}`)
		require.Equal(t, map[string]any{"id": "sub-1", "type": "complete"}, frameSkipKA(t, c))
		deadline := time.Now().Add(time.Minute)
		for e.app.Events.Subscribers(event.BookingUpdated) != 0 {
			require.True(t, time.Now().Before(deadline), "stop released the subscription")
			time.Sleep(5 * time.Millisecond)
		}
	})

	t.Run("unauthorized start", func(t *testing.T) {
		c := realtimeDial(t, srv.URL, userPool(cb.token))
		sendRaw(t, c, `{"type":"connection_init"}`)
		require.Equal(t, "connection_ack", frameSkipKA(t, c)["type"])
		// B asks for A's booking: AppSync's error frame, errorType first.
		sendRaw(t, c, startFrame("spy", onUpdateBookingDoc, map[string]any{"id": id}, userPool(cb.token)))
		m := frameSkipKA(t, c)
		require.Equal(t, "error", m["type"], "%v", m)
		require.Equal(t, "spy", m["id"])
		errs := m["payload"].(map[string]any)["errors"].([]any)
		require.Equal(t, "UnauthorizedException", errs[0].(map[string]any)["errorType"])
		require.Equal(t, "Not Authorized to access onUpdateBooking on type Subscription", errs[0].(map[string]any)["message"])
		// A forged token in the start's authorization.
		sendRaw(t, c, startFrame("forged", onBookingChangedDoc, nil, userPool("garbage")))
		m = frameSkipKA(t, c)
		require.Equal(t, "error", m["type"])
		require.Equal(t, "forged", m["id"])
		require.Equal(t, "UnauthorizedException", m["payload"].(map[string]any)["errors"].([]any)[0].(map[string]any)["errorType"])
		// A start whose authorization names no credentials is anonymous: refused here.
		sendRaw(t, c, startFrame("anon", onBookingChangedDoc, nil, map[string]string{"host": "localhost"}))
		m = frameSkipKA(t, c)
		require.Equal(t, "error", m["type"])
		require.Equal(t, "UnauthorizedException", m["payload"].(map[string]any)["errors"].([]any)[0].(map[string]any)["errorType"])
		// A start without extensions runs with the connection's credentials (B's own bookings).
		data, _ := json.Marshal(map[string]any{"query": onBookingChangedDoc})
		b, _ := json.Marshal(map[string]any{"id": "own", "type": "start", "payload": map[string]any{"data": string(data)}})
		sendRaw(t, c, string(b))
		require.Equal(t, map[string]any{"id": "own", "type": "start_ack"}, frameSkipKA(t, c))
		// A query is not a subscription.
		sendRaw(t, c, startFrame("q", `{ listFlights(limit: 1) { items { id } } }`, nil, userPool(cb.token)))
		m = frameSkipKA(t, c)
		require.Equal(t, "error", m["type"])
		require.Equal(t, "UnsupportedOperation", m["payload"].(map[string]any)["errors"].([]any)[0].(map[string]any)["errorType"])
		// A malformed start.
		sendRaw(t, c, `{"id":"bad","type":"start","payload":{"data":"{not json"}}`)
		m = frameSkipKA(t, c)
		require.Equal(t, "error", m["type"])
		require.Equal(t, "MalformedRequest", m["payload"].(map[string]any)["errors"].([]any)[0].(map[string]any)["errorType"])
	})

	t.Run("connection_error for bad credentials", func(t *testing.T) {
		c := realtimeDial(t, srv.URL, userPool("garbage"))
		m := frame(t, c)
		require.Equal(t, "connection_error", m["type"])
		errs := m["payload"].(map[string]any)["errors"].([]any)
		require.Equal(t, "UnauthorizedException", errs[0].(map[string]any)["errorType"])
		require.Equal(t, "401", fmt.Sprint(errs[0].(map[string]any)["errorCode"]))
		_, _, err := c.Read(context.Background())
		require.Equal(t, websocket.StatusCode(4401), websocket.CloseStatus(err), "%v", err)
	})

	t.Run("api key mode", func(t *testing.T) {
		h := map[string]string{"host": "localhost:8080", "x-amz-date": "20261202T070000Z", "x-api-key": apiKey}
		c := realtimeDial(t, srv.URL, h)
		sendRaw(t, c, `{"type":"connection_init"}`)
		require.Equal(t, "connection_ack", frameSkipKA(t, c)["type"])
		sendRaw(t, c, startFrame("flights", `subscription { onCreateFlight { id flightNumber } }`, nil, h))
		require.Equal(t, map[string]any{"id": "flights", "type": "start_ack"}, frameSkipKA(t, c))
		f2 := newFlight(t, e, 3, 50, 11)
		m := frameSkipKA(t, c)
		require.Equal(t, "data", m["type"])
		require.Equal(t, f2.ID, m["payload"].(map[string]any)["data"].(map[string]any)["onCreateFlight"].(map[string]any)["id"])
		// An API key is not a signed-in user.
		sendRaw(t, c, startFrame("bookings", onBookingChangedDoc, nil, h))
		m = frameSkipKA(t, c)
		require.Equal(t, "error", m["type"])
		require.Equal(t, "UnauthorizedException", m["payload"].(map[string]any)["errors"].([]any)[0].(map[string]any)["errorType"])
		// A wrong key is refused at the start.
		bad := map[string]string{"host": "localhost:8080", "x-api-key": "da2-wrong"}
		sendRaw(t, c, startFrame("wrong", `subscription { onCreateFlight { id } }`, nil, bad))
		m = frameSkipKA(t, c)
		require.Equal(t, "error", m["type"])
		require.Equal(t, "UnauthorizedException", m["payload"].(map[string]any)["errors"].([]any)[0].(map[string]any)["errorType"])
	})

	t.Run("plain HTTP is refused", func(t *testing.T) {
		res, err := http.Get(srv.URL + "/graphql/realtime")
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
	})
}

// TestRealtimeInitTimeout: a connection that sends neither connection_init nor start is
// closed with 4408.
func TestRealtimeInitTimeout(t *testing.T) {
	e := embeddedEnv(t, func(c *app.Config) { c.WebSocketInitTimeout = 300 * time.Millisecond })
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()
	c := realtimeDial(t, srv.URL, map[string]string{"host": "localhost"})
	_, _, err := c.Read(context.Background())
	require.Equal(t, websocket.StatusCode(4408), websocket.CloseStatus(err), "%v", err)
}

// TestSubscriptionEndsWithToken: on every transport, a subscription whose token expires is
// ended (AppSync: an UnauthorizedException error frame, then the connection closes with
// 4401; graphql-ws: the connection closes), never before the token's exp.
func TestSubscriptionEndsWithToken(t *testing.T) {
	const ttl = 15 * time.Second
	e := embeddedEnv(t, func(c *app.Config) { c.LocalTokenTTL = ttl })
	srv := httptest.NewServer(e.app.Handler)
	t.Cleanup(srv.Close) // the parallel subtests run after this function returns
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			ca := newCustomer(t, e)
			exp := time.Now().Add(ttl - time.Second) // issued before now
			c := dialSub(t, srv.URL, proto, ca.token)
			c.subscribe("1", onBookingChangedDoc, nil)
			var err error
			var sawError bool
			for err == nil {
				var ev subEvent
				ev, err = c.read(ttl + time.Minute)
				if err == nil && len(ev.Errors) > 0 {
					require.Equal(t, "UnauthorizedException", ev.Errors[0]["errorType"], "%v", ev.Errors)
					sawError = true
				}
			}
			require.NotErrorIs(t, err, context.DeadlineExceeded, "the server ended it")
			require.False(t, time.Now().Before(exp), "not before the token expired")
			if proto == protoAppSync {
				require.True(t, sawError, "Amplify is told why (UnauthorizedException), so it refreshes its tokens")
				require.Equal(t, websocket.StatusCode(4401), websocket.CloseStatus(err), "%v", err)
			}
		})
	}
}

// TestSubscriptionEndsOnGroupRemoval: an Admin's subscription that hears every customer's
// bookings ends when the user is removed from Admin, although the token still lists it.
func TestSubscriptionEndsOnGroupRemoval(t *testing.T) {
	e := embeddedEnv(t, nil)
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			u := newCustomer(t, e)
			require.NoError(t, e.app.Accounts.AddUserToGroup(context.Background(), true, u.sub, account.GroupAdmin))
			tok := e.signIn(t, u.email, "Booker1234!")
			c := dialSub(t, srv.URL, proto, tok)
			n := e.app.Events.Subscribers(event.BookingUpdated)
			c.subscribe("all", onUpdateBookingDoc, nil)
			waitListening(t, e, event.BookingUpdated, n+1)
			require.NoError(t, e.app.Accounts.RemoveUserFromGroup(context.Background(), true, u.email, account.GroupAdmin))
			ev, err := c.read(time.Minute)
			require.NoError(t, err)
			if proto == protoAppSync {
				require.Equal(t, "UnauthorizedException", ev.Errors[0]["errorType"], "%v", ev)
			} else {
				require.True(t, ev.Done, "complete: %v", ev)
			}
		})
	}
}
