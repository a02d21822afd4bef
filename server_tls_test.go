package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/testcert"
)

// startWith runs the program with env (PORT=0 and quiet logs added) and returns its
// listening address once it listens, or run's error if it stops first.
func startWith(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	result := make(chan error, 1)
	env["PORT"], env["SKYGRAPH_LOG_LEVEL"], env["SKYGRAPH_SEED_DAYS"] = "0", "warn", "2"
	go func() {
		result <- run(ctx, nil, func(k string) string { return env[k] }, io.Discard,
			&hooks{listening: func(a string) { addr <- a }})
	}()
	select {
	case a := <-addr:
		t.Cleanup(func() {
			cancel()
			<-result
		})
		return strings.Replace(a, "[::]", "127.0.0.1", 1), nil
	case err := <-result:
		cancel()
		return "", err
	}
}

// With SKYGRAPH_TLS_CERT and SKYGRAPH_TLS_KEY the server speaks HTTPS and wss:// only, with
// that certificate: a client that trusts it queries and opens a WebSocket; one that does
// not refuses the server; plain HTTP on the port gets no GraphQL answer.
func TestTLSListener(t *testing.T) {
	cert := testcert.New(t)
	addr, err := startWith(t, map[string]string{"SKYGRAPH_TLS_CERT": cert.CertFile, "SKYGRAPH_TLS_KEY": cert.KeyFile})
	require.NoError(t, err)
	base := "https://" + addr
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}, ForceAttemptHTTP2: true}}

	body, _ := json.Marshal(map[string]any{"query": "{ __typename }"})
	res, err := trusting.Post(base+"/graphql", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NotNil(t, res.TLS, "the answer came over TLS")
	out, _ := io.ReadAll(res.Body)
	require.JSONEq(t, `{"data":{"__typename":"Query"}}`, string(out))
	require.Equal(t, "h2", res.TLS.NegotiatedProtocol, "queries may use HTTP/2")

	// A WebSocket over TLS (what Amplify's wss:// needs) upgrades over HTTP/1.1.
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	wsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}}}
	c, wres, err := websocket.Dial(ctx, "wss://"+addr+"/graphql", &websocket.DialOptions{
		HTTPClient: wsClient, Subprotocols: []string{"graphql-transport-ws"},
	})
	require.NoError(t, err)
	if wres.Body != nil {
		_ = wres.Body.Close()
	}
	defer func() { _ = c.CloseNow() }()
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init"}`)))
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	require.Contains(t, string(msg), `"connection_ack"`)

	untrusted, err := http.Get(base + "/healthz") // the system's roots do not hold a self-signed certificate
	if err == nil {
		untrusted.Body.Close()
	}
	require.Error(t, err)
	require.Contains(t, err.Error(), "certificate")

	plain, err := http.Get("http://" + addr + "/healthz")
	require.NoError(t, err)
	plain.Body.Close()
	require.Equal(t, http.StatusBadRequest, plain.StatusCode, "plain HTTP to the TLS port")
}

// A missing half or an unreadable file fails the start with a message naming the setting.
func TestTLSSettingErrors(t *testing.T) {
	cert := testcert.New(t)
	missing := filepath.Join(t.TempDir(), "nope.pem")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("not a certificate"), 0o600))
	for _, tc := range []struct {
		cert, key, want string
	}{
		{cert.CertFile, "", "SKYGRAPH_TLS_KEY"},
		{"", cert.KeyFile, "SKYGRAPH_TLS_CERT"},
		{missing, cert.KeyFile, "nope.pem"},
		{cert.CertFile, missing, "nope.pem"},
		{garbage, cert.KeyFile, "SKYGRAPH_TLS_CERT"},
		{cert.KeyFile, cert.CertFile, "SKYGRAPH_TLS_CERT"}, // swapped
	} {
		_, err := startWith(t, map[string]string{"SKYGRAPH_TLS_CERT": tc.cert, "SKYGRAPH_TLS_KEY": tc.key})
		require.Error(t, err, "%+v", tc)
		require.Contains(t, err.Error(), tc.want)
	}
}

func TestOpenMessageSaysHTTPS(t *testing.T) {
	require.Contains(t, openMessage(&net.TCPAddr{Port: 8443}, true, true), "open https://localhost:8443/")
	require.Contains(t, openMessage(&net.TCPAddr{Port: 8080}, false, false), "at http://localhost:8080/graphql")
}
