package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/internal/hostile"
)

// TestDefaultServerIsPrivate (issue 10, item 9) runs the program as `go run .` does: the
// API listens on 127.0.0.1 only, the embedded store refuses a client without this
// process's key (so another local user can neither read password hashes nor join Admin),
// and every line of the process's log is JSON, gqlgen's and net/http's own included, after
// the hostile cases and a broken WebSocket upgrade (which gqlgen reports with log.Printf).
func TestDefaultServerIsPrivate(t *testing.T) {
	logs := &lockedBuffer{}
	s := startServerWith(t, serverOptions{env: map[string]string{"PORT": "0", "SKYGRAPH_SEED_DAYS": "1"}, log: logs})
	a := s.addr
	host, _, err := net.SplitHostPort(a)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", host, "embedded mode binds loopback only")

	for _, c := range hostile.Cases() {
		res, err := http.Post("http://"+a+"/graphql", "application/json", bytes.NewReader(c.Body))
		require.NoError(t, err)
		require.Equal(t, c.Status, res.StatusCode, c.Name)
		_ = res.Body.Close()
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+a+"/graphql", nil)
	require.NoError(t, err)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()

	// The embedded store, reached as another local user would: right endpoint, no key.
	var endpoint string
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["endpoint"] != nil {
			endpoint, _ = rec["endpoint"].(string)
		}
	}
	require.NotEmpty(t, endpoint)
	c, err := dynamo.NewClient(context.Background(), dynamo.ClientOptions{Endpoint: endpoint, Region: "us-east-1", StaticCredentials: true})
	require.NoError(t, err)
	_, err = c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("skygraph")})
	require.ErrorContains(t, err, "UnrecognizedClientException")

	s.stop()
	require.NoError(t, <-s.result)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Greater(t, len(lines), 5)
	for _, line := range lines {
		require.True(t, json.Valid([]byte(line)), "not JSON: %s", line)
	}
	require.Contains(t, logs.String(), "unable to upgrade", "gqlgen's log.Printf line is there, as JSON")
	require.NotContains(t, logs.String(), "superfluous", "one status per response")
}
