package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/app"
)

// barrier lets each of two parties through once both have arrived, or when stop closes.
type barrier struct {
	wg   sync.WaitGroup
	both chan struct{}
	once [2]sync.Once
}

func newBarrier() *barrier {
	b := &barrier{both: make(chan struct{})}
	b.wg.Add(2)
	go func() { b.wg.Wait(); close(b.both) }()
	return b
}

// arrive marks party i arrived and reports whether the other one arrived too before stop.
func (b *barrier) arrive(i int, stop <-chan struct{}) bool {
	b.once[i].Do(b.wg.Done)
	select {
	case <-b.both:
		return true
	case <-stop:
		return false
	}
}

// TestStartReadsTheTokenSecretAndTheJWKSConcurrently: on AWS the start waits on the
// network for the token secret (Secrets Manager) and for the user pool's JWKS; neither
// needs the other, so both requests are in flight together. Each fake endpoint answers
// only once the other has been asked (or, as a hang guard, when the test gives up): read
// one after the other, the first one is never answered in time and the start fails.
func TestStartReadsTheTokenSecretAndTheJWKSConcurrently(t *testing.T) {
	b := newBarrier()
	giveUp := make(chan struct{})
	// Only reached when the reads are sequential: concurrent ones meet at once.
	timer := time.AfterFunc(2*time.Minute, func() { close(giveUp) })
	defer timer.Stop()
	var mu sync.Mutex
	overlapped := map[string]bool{}
	record := func(name string, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		if _, seen := overlapped[name]; !seen {
			overlapped[name] = ok
		}
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		record("jwks", b.arrive(0, giveUp))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"keys":[]}`)
	}))
	defer jwks.Close()
	secrets := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok := b.arrive(1, giveUp)
		record("secret", ok)
		if !ok {
			http.Error(w, `{"__type":"InternalServiceError","message":"the JWKS was not asked for meanwhile"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:tok","Name":"tok","SecretString":"a-token-secret-of-32-bytes-long!"}`)
	}))
	defer secrets.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())

	env := map[string]string{
		"SKYGRAPH_SEED_DAYS": "0", "AWS_REGION": "us-east-1",
		"SKYGRAPH_TOKEN_SECRET_ARN":     "arn:aws:secretsmanager:us-east-1:123456789012:secret:tok",
		"SKYGRAPH_COGNITO_USER_POOL_ID": "us-east-1_AbC123", "SKYGRAPH_COGNITO_CLIENT_IDS": "client-1",
		"SKYGRAPH_COGNITO_ENDPOINT": jwks.URL, "SKYGRAPH_COGNITO_ISSUER": jwks.URL + "/us-east-1_AbC123",
		"SKYGRAPH_COGNITO_JWKS_URL": jwks.URL + "/us-east-1_AbC123/.well-known/jwks.json",
	}
	cfg, err := app.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if a != nil {
		defer func() { _ = a.Close() }()
	}
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, map[string]bool{"jwks": true, "secret": true}, overlapped, "both requests were in flight together")
}
