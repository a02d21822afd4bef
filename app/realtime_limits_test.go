package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/app"
)

// TestRealtimeLimits: the realtime endpoint shares the WebSocket limits of /graphql: at most
// MaxSubscriptions running on one connection (the next start is an error frame), at most
// MaxWebSockets connections (HTTP 503 before the upgrade); a stopped subscription frees its
// place.
func TestRealtimeLimits(t *testing.T) {
	e := embeddedEnv(t, func(c *app.Config) { c.MaxSubscriptions = 1; c.MaxWebSockets = 1 })
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()
	h := map[string]string{"host": "localhost"}
	c := realtimeDial(t, srv.URL, h)
	sendRaw(t, c, `{"type":"connection_init"}`)
	require.Equal(t, "connection_ack", frameSkipKA(t, c)["type"])
	const doc = `subscription { onCreateFlight { id } }`
	sendRaw(t, c, startFrame("1", doc, nil, h))
	require.Equal(t, map[string]any{"id": "1", "type": "start_ack"}, frameSkipKA(t, c))
	sendRaw(t, c, startFrame("2", doc, nil, h))
	m := frameSkipKA(t, c)
	require.Equal(t, "error", m["type"])
	require.Equal(t, "2", m["id"])
	require.Equal(t, "SUBSCRIPTION_LIMIT_EXCEEDED", m["payload"].(map[string]any)["errors"].([]any)[0].(map[string]any)["errorType"])
	sendRaw(t, c, `{"id":"1","type":"stop"}`)
	require.Equal(t, map[string]any{"id": "1", "type": "complete"}, frameSkipKA(t, c))
	sendRaw(t, c, startFrame("3", doc, nil, h))
	require.Equal(t, map[string]any{"id": "3", "type": "start_ack"}, frameSkipKA(t, c), "the stopped one's place is free")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql/realtime",
		&websocket.DialOptions{Subprotocols: []string{"graphql-ws", appsyncHeader(h)}})
	require.Error(t, err, "a second connection is over the limit")
	require.NotNil(t, res)
	defer func() { _ = res.Body.Close() }()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
}
