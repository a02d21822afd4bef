package app_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/app"
)

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func wsDial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang guard
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(t, err)
	if res.Body != nil {
		_ = res.Body.Close()
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func wsSend(t *testing.T, c *websocket.Conn, m wsMsg) {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	require.NoError(t, c.Write(context.Background(), websocket.MessageText, b))
}

// wsRead returns the next message, or the error that ended the connection.
func wsRead(c *websocket.Conn, within time.Duration) (wsMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return wsMsg{}, err
		}
		var m wsMsg
		if err := json.Unmarshal(b, &m); err != nil {
			return wsMsg{}, err
		}
		if m.Type != "ping" && m.Type != "pong" {
			return m, nil
		}
	}
}

// TestWebSocketAuthentication: a WebSocket authenticates in its connection_init payload
// with the same verifier; a bad token ends the connection, a good one is acknowledged and
// its operations run as that user, and the connection is closed when the token expires.
// The token lives long enough for the steps before its expiry on a slow machine; the close
// is checked by its outcome (the connection ends, not before the token's exp), not by how
// soon it came. Reads wait generously: they return as soon as something arrives.
func TestWebSocketAuthentication(t *testing.T) {
	const ttl = 15 * time.Second
	e := embeddedEnv(t, func(c *app.Config) { c.LocalTokenTTL = ttl })
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()

	t.Run("bad token", func(t *testing.T) {
		c := wsDial(t, srv.URL)
		wsSend(t, c, wsMsg{Type: "connection_init", Payload: json.RawMessage(`{"Authorization":"garbage"}`)})
		m, err := wsRead(c, time.Minute)
		if err == nil {
			require.NotEqual(t, "connection_ack", m.Type)
			_, err = wsRead(c, time.Minute)
		}
		require.Error(t, err, "the connection is closed")
	})

	t.Run("good token, then expiry", func(t *testing.T) {
		admin := e.signIn(t, adminEmail, adminPassword)
		claims := jwt.MapClaims{}
		_, _, err := jwt.NewParser().ParseUnverified(admin, claims)
		require.NoError(t, err)
		exp, err := claims.GetExpirationTime()
		require.NoError(t, err)
		c := wsDial(t, srv.URL)
		payload, _ := json.Marshal(map[string]any{"headers": map[string]string{"Authorization": admin}})
		wsSend(t, c, wsMsg{Type: "connection_init", Payload: payload})
		m, err := wsRead(c, time.Minute)
		require.NoError(t, err)
		require.Equal(t, "connection_ack", m.Type, "acknowledged (if not, the token expired first: raise ttl)")

		// An Admin-only field works over this connection: it runs as the token's user.
		wsSend(t, c, wsMsg{ID: "1", Type: "subscribe", Payload: json.RawMessage(
			`{"query":"mutation { deleteFlight(input: {id: \"nope\"}) { id } }"}`)})
		m, err = wsRead(c, time.Minute)
		require.NoError(t, err)
		require.Equal(t, "next", m.Type)
		require.Contains(t, string(m.Payload), "NotFound", "authorized, and the flight does not exist")
		require.NotContains(t, string(m.Payload), "Not Authorized")

		for {
			if _, err = wsRead(c, ttl+time.Minute); err != nil {
				break
			}
		}
		require.NotErrorIs(t, err, context.DeadlineExceeded, "the server closed the connection (it was not left open)")
		require.False(t, time.Now().Before(exp.Time), "closed only once the token expired")
	})
}
