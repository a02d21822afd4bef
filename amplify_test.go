package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/testcert"
)

// nodeWithAmplify returns node's path when it and the pinned aws-amplify and ws packages
// are installed (scripts/ci-deps.sh's npm ci); without them the test skips, unless the
// run requires the local stand-ins (make test, CI), which come from the same npm ci.
func nodeWithAmplify(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node is not on PATH"
	case !exists("node_modules/aws-amplify/package.json") || !exists("node_modules/ws/package.json"):
		missing = "node_modules/aws-amplify or node_modules/ws is missing"
	}
	if missing == "" {
		return node
	}
	if os.Getenv("CI") == "true" || os.Getenv("SKYGRAPH_TEST_REQUIRE_DYNAMODB_LOCAL") == "1" {
		t.Fatalf("%s: run scripts/ci-deps.sh (npm ci)", missing)
	}
	t.Skipf("%s: run scripts/ci-deps.sh (npm ci)", missing)
	return ""
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// startTLSProc runs the server binary with a TLS certificate (cert) and env, and waits
// until /healthz answers over TLS.
func startTLSProc(t *testing.T, bin string, cert testcert.Cert, env []string) *proc {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}}}
	return launchProc(t, bin, append(env, "SKYGRAPH_TLS_CERT="+cert.CertFile, "SKYGRAPH_TLS_KEY="+cert.KeyFile), "https", hc)
}

// amplifyResult is what testdata/amplify/client.mjs prints.
type amplifyResult struct {
	SignedIn bool   `json:"signedIn"`
	Flight   string `json:"flight"`
	Payment  string `json:"payment"`
	Booking  struct {
		ID, Status, BookingReference string
	} `json:"booking"`
	Subscription struct {
		ID, Status, BookingReference, Flight string
	} `json:"subscription"`
}

// runAmplify runs the Amplify client script against endpoint, trusting cert.
func runAmplify(t *testing.T, node, endpoint string, cert testcert.Cert, env ...string) amplifyResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "amplify", "client.mjs"), endpoint)
	cmd.Env = append(append(os.Environ(), "NODE_EXTRA_CA_CERTS="+cert.CertFile,
		"HANG_GUARD_MS="+fmt.Sprint(hangGuard.Milliseconds()), "NO_UPDATE_NOTIFIER=1"), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "amplify client: %s%s", out, stderr.String())
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var r amplifyResult
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &r), "amplify client printed %s", out)
	return r
}

// TestAmplifyClientOverTLS is issue 14's acceptance 2: an unchanged Amplify v6 client
// (aws-amplify from npm, pinned in package.json) against the real server binary serving
// HTTPS with a self-signed certificate (trusted through NODE_EXTRA_CA_CERTS, as the README
// shows for `go run .`): the project's signIn mutation, a userPool query, the booking
// mutations, and onUpdateBooking through <endpoint>/realtime over wss://, which delivers the
// CONFIRMED booking.
func TestAmplifyClientOverTLS(t *testing.T) {
	node := nodeWithAmplify(t)
	cert := testcert.New(t)
	bin := buildBinary(t, "skygraph-amplify", "")
	p := startTLSProc(t, bin, cert, []string{"SKYGRAPH_SEED_DAYS=3", "SKYGRAPH_LOG_LEVEL=warn", "HOME=" + t.TempDir()})

	r := runAmplify(t, node, p.url+"/graphql", cert)
	require.True(t, r.SignedIn)
	require.NotEmpty(t, r.Flight)
	require.Equal(t, "AUTHORIZED", r.Payment)
	require.Equal(t, "CONFIRMED", r.Booking.Status)
	require.Len(t, r.Booking.BookingReference, 6)
	require.Equal(t, r.Booking.ID, r.Subscription.ID, "the subscription delivered the booking just made")
	require.Equal(t, "CONFIRMED", r.Subscription.Status)
	require.Equal(t, r.Booking.BookingReference, r.Subscription.BookingReference)
	require.Equal(t, r.Flight, r.Subscription.Flight, "a nested field the mutation did not select")
}
