package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/app/demo"
)

// fakeSecretsManager answers GetSecretValue for one ARN. Secrets Manager cannot run here,
// so this stands in for it behind the real SDK client (AWS_ENDPOINT_URL_SECRETS_MANAGER).
func fakeSecretsManager(t *testing.T, arn, value string) *atomic.Int32 {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var in struct{ SecretId string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || in.SecretId != arn {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": arn, "Name": "token", "SecretString": value, "VersionId": "v1"})
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	return &calls
}

// TestTokenSecretFromSecretsManager: two instances configured with the same secret ARN (as
// the CDK app's Lambda flavour configures every instance) accept each other's nextTokens;
// an unreadable secret fails the start instead of silently using a random key.
func TestTokenSecretFromSecretsManager(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:token-AbCdEf"
	calls := fakeSecretsManager(t, arn, strings.Repeat("k", 64))
	b := dynamotest.Backends(t)[0]
	table := dynamotest.NewTable(t, dynamotest.Client(t, b))
	instance := func(secretARN string) (*app.App, error) {
		cfg, err := app.FromEnv(func(string) string { return "" })
		require.NoError(t, err)
		cfg.Table, cfg.DynamoDBEndpoint, cfg.Region, cfg.TokenSecretARN = table, b.Endpoint, "us-east-1", secretARN
		a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{})
		if a != nil {
			t.Cleanup(func() { _ = a.Close() })
		}
		return a, err
	}
	one, err := instance(arn)
	require.NoError(t, err)
	two, err := instance(arn)
	require.NoError(t, err)
	require.Equal(t, int32(2), calls.Load(), "read once per start")

	_, err = demo.Seed(context.Background(), one.Flights, time.Now(), 1)
	require.NoError(t, err)
	limit := 3
	page, err := one.Flights.List(context.Background(), nil, &limit, nil)
	require.NoError(t, err)
	require.NotEmpty(t, page.NextToken)
	next, err := two.Flights.List(context.Background(), nil, &limit, &page.NextToken)
	require.NoError(t, err, "another instance accepts the token")
	require.NotEqual(t, page.Items[0].ID, next.Items[0].ID)

	_, err = instance(arn + "-wrong")
	require.ErrorContains(t, err, "token secret")
}
