package app_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
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
func TestWebSocketAuthentication(t *testing.T) {
	e := embeddedEnv(t, func(c *app.Config) { c.LocalTokenTTL = 3 * time.Second })
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()

	t.Run("bad token", func(t *testing.T) {
		c := wsDial(t, srv.URL)
		wsSend(t, c, wsMsg{Type: "connection_init", Payload: json.RawMessage(`{"Authorization":"garbage"}`)})
		m, err := wsRead(c, 5*time.Second)
		if err == nil {
			require.NotEqual(t, "connection_ack", m.Type)
			_, err = wsRead(c, 5*time.Second)
		}
		require.Error(t, err, "the connection is closed")
	})

	t.Run("good token, then expiry", func(t *testing.T) {
		admin := e.signIn(t, adminEmail, adminPassword)
		c := wsDial(t, srv.URL)
		payload, _ := json.Marshal(map[string]any{"headers": map[string]string{"Authorization": admin}})
		wsSend(t, c, wsMsg{Type: "connection_init", Payload: payload})
		m, err := wsRead(c, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, "connection_ack", m.Type)

		// An Admin-only field works over this connection: it runs as the token's user.
		wsSend(t, c, wsMsg{ID: "1", Type: "subscribe", Payload: json.RawMessage(
			`{"query":"mutation { deleteFlight(input: {id: \"nope\"}) { id } }"}`)})
		m, err = wsRead(c, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, "next", m.Type)
		require.Contains(t, string(m.Payload), "NotFound", "authorized, and the flight does not exist")
		require.NotContains(t, string(m.Payload), "Not Authorized")

		start := time.Now()
		for {
			_, err := wsRead(c, 10*time.Second)
			if err != nil {
				break
			}
		}
		require.Less(t, time.Since(start), 9*time.Second, "closed at the token's expiry")
	})
}
