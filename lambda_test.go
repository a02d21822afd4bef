package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/internal/jobs"
)

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lambdaApp is the App as runLambda builds it (embedded store, seeded, local identity
// provider) behind the Lambda handler, with a job registry chosen by the test.
func lambdaApp(t *testing.T, registry jobs.Registry) (*lambdaHandler, *lockedBuffer) {
	t.Helper()
	env := map[string]string{"SKYGRAPH_SEED_DAYS": "3"}
	cfg, err := app.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	logs := &lockedBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	a, err := app.New(context.Background(), cfg, log, app.Options{LocalBcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return newLambdaHandler(a.Handler, registry, log), logs
}

// invocation returns the context an invocation gets from aws-lambda-go: the Lambda
// deadline and the Lambda context with the request id.
func invocation(t *testing.T, requestID string) context.Context {
	t.Helper()
	// Lambda's deadline for the invocation: generous, so that a slow machine never reaches
	// it; what the handler derives from it is compared with it, not with the clock.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:skygraph",
	})
}

// invokeHTTP sends ev as the raw JSON Lambda delivers and decodes the HTTP response.
func invokeHTTP(t *testing.T, h *lambdaHandler, ev any) events.APIGatewayV2HTTPResponse {
	t.Helper()
	payload, err := json.Marshal(ev)
	require.NoError(t, err)
	out, err := h.Invoke(invocation(t, "c6af9ac6-7b61-11e6-9a41-93e812345678"), payload)
	require.NoError(t, err)
	var res events.APIGatewayV2HTTPResponse
	require.NoError(t, json.Unmarshal(out, &res))
	return res
}

// httpAPIEvent is an API Gateway HTTP API (payload format 2.0) event, as API Gateway sends
// it: lower-case header names, the route "$default", the body base64-encoded when asked.
func httpAPIEvent(method, path, rawQuery, body string, b64 bool, headers map[string]string) events.APIGatewayV2HTTPRequest {
	h := map[string]string{"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "test", "x-forwarded-proto": "https"}
	for k, v := range headers {
		h[strings.ToLower(k)] = v
	}
	if b64 {
		body = base64.StdEncoding.EncodeToString([]byte(body))
	}
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: path, RawQueryString: rawQuery, Headers: h,
		Body: body, IsBase64Encoded: b64,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "abc123", DomainName: "abc123.execute-api.us-east-1.amazonaws.com",
			DomainPrefix: "abc123", RequestID: "JKJaXmPLvHcESHA=", RouteKey: "$default", Stage: "$default",
			Time: "10/Mar/2026:12:00:00 +0000", TimeEpoch: time.Now().UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.7", UserAgent: "test",
			},
		},
	}
}

func gqlBody(t *testing.T, query string, vars map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	return string(b)
}

// gqlResult decodes a GraphQL response body.
func gqlResult(t *testing.T, res events.APIGatewayV2HTTPResponse) map[string]any {
	t.Helper()
	body := res.Body
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(body)
		require.NoError(t, err)
		body = string(b)
	}
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &out), body)
	return out
}

func errorType(t *testing.T, out map[string]any) string {
	t.Helper()
	errs, _ := out["errors"].([]any)
	require.NotEmpty(t, errs, "want a GraphQL error, got %v", out)
	typ, _ := errs[0].(map[string]any)["errorType"].(string)
	return typ
}

const (
	searchQuery = `query($d: String) { getFlightBySchedule(departureAirportCode: "LGW",
		arrivalAirportCodeDepartureDate: {beginsWith: {arrivalAirportCode: "MAD", departureDate: $d}}) {
		items { id departureDate arrivalAirportCode } } }`
	createFlight = `mutation($in: CreateFlightInput!) { createFlight(input: $in) { id seatCapacity } }`
)

func tomorrow() string { return time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly) }

func requireSearchItems(t *testing.T, out map[string]any) {
	t.Helper()
	require.Nil(t, out["errors"])
	items := out["data"].(map[string]any)["getFlightBySchedule"].(map[string]any)["items"].([]any)
	require.GreaterOrEqual(t, len(items), 3, "LGW→MAD flies several times a day")
	for _, it := range items {
		require.Equal(t, "MAD", it.(map[string]any)["arrivalAirportCode"])
	}
}

// TestLambdaHTTPAPIEvents: API Gateway HTTP API 2.0 events through the adapter reach the
// same handler as the HTTP server: sign-in, an Admin-only mutation with the Authorization
// header and a base64 body, a GET query from the query string, the playground page and
// a binary (gzip) asset.
func TestLambdaHTTPAPIEvents(t *testing.T) {
	h, _ := lambdaApp(t, nil)
	js := map[string]string{"content-type": "application/json"}

	res := invokeHTTP(t, h, httpAPIEvent(http.MethodPost, "/graphql", "", gqlBody(t,
		`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { idToken expiresIn } }`,
		map[string]any{"e": "admin@example.com", "p": "Admin1234!"}), false, js))
	require.Equal(t, http.StatusOK, res.StatusCode)
	out := gqlResult(t, res)
	require.Nil(t, out["errors"])
	token := out["data"].(map[string]any)["signIn"].(map[string]any)["idToken"].(string)
	require.NotEmpty(t, token)

	in := map[string]any{
		"id": "lambda-flight-1", "departureDate": "2031-03-01T09:30:00Z", "departureAirportCode": "LGW",
		"departureAirportName": "London Gatwick", "departureCity": "London", "departureLocale": "Europe/London",
		"arrivalDate": "2031-03-01T12:45+01:00", "arrivalAirportCode": "MAD", "arrivalAirportName": "Madrid Barajas",
		"arrivalCity": "Madrid", "arrivalLocale": "Europe/Madrid", "ticketPrice": 120, "ticketCurrency": "EUR",
		"flightNumber": 1831, "seatCapacity": 5,
	}
	body := gqlBody(t, createFlight, map[string]any{"in": in})

	// Without the header the Admin-only mutation is refused...
	res = invokeHTTP(t, h, httpAPIEvent(http.MethodPost, "/graphql", "", body, true, js))
	require.Equal(t, "Unauthorized", errorType(t, gqlResult(t, res)))

	// ...with it (base64 body, as API Gateway sends binary-safe bodies) it succeeds.
	res = invokeHTTP(t, h, httpAPIEvent(http.MethodPost, "/graphql", "", body, true,
		map[string]string{"content-type": "application/json", "authorization": token, "origin": "https://app.example.com"}))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.False(t, res.IsBase64Encoded)
	require.Contains(t, res.Headers["Content-Type"], "application/json")
	require.Equal(t, "*", res.Headers["Access-Control-Allow-Origin"], "CORS headers survive the adapter")
	require.Equal(t, "c6af9ac6-7b61-11e6-9a41-93e812345678", res.Headers["X-Amzn-Requestid"],
		"without X-Request-Id the Lambda request id is the request id")
	out = gqlResult(t, res)
	require.Nil(t, out["errors"])
	require.Equal(t, map[string]any{"id": "lambda-flight-1", "seatCapacity": float64(5)}, out["data"].(map[string]any)["createFlight"])

	// A query in the query string (GET /graphql), with the client's own request id.
	q := "query=" + strings.ReplaceAll(strings.ReplaceAll(`{ getFlight(id: "lambda-flight-1") { id departureCity } }`, " ", "%20"), `"`, "%22")
	res = invokeHTTP(t, h, httpAPIEvent(http.MethodGet, "/graphql", q, "", false, map[string]string{"x-request-id": "client-req-0001"}))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "client-req-0001", res.Headers["X-Amzn-Requestid"])
	require.Equal(t, map[string]any{"getFlight": map[string]any{"id": "lambda-flight-1", "departureCity": "London"}}, gqlResult(t, res)["data"])

	// The playground page.
	res = invokeHTTP(t, h, httpAPIEvent(http.MethodGet, "/", "", "", false, nil))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Headers["Content-Type"], "text/html")
	require.Contains(t, res.Headers["Content-Security-Policy"], "script-src")
	require.Contains(t, res.Body, "<title>skygraph")
	require.Contains(t, res.Body, "/graphql")

	// A gzip-encoded asset is binary: the adapter base64-encodes it.
	asset := regexp.MustCompile(`src="([^"?]*graphiql\.min\.js)\??([^"]*)"`).FindStringSubmatch(res.Body)
	require.NotNil(t, asset, "the page loads GraphiQL's bundle")
	path := "/" + strings.TrimPrefix(asset[1], "/")
	res = invokeHTTP(t, h, httpAPIEvent(http.MethodGet, path, asset[2], "", false, map[string]string{"accept-encoding": "gzip"}))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "gzip", res.Headers["Content-Encoding"])
	require.True(t, res.IsBase64Encoded)
	gz, err := base64.StdEncoding.DecodeString(res.Body)
	require.NoError(t, err)
	require.Equal(t, []byte{0x1f, 0x8b}, gz[:2], "gzip magic")

	// Health check, as an ALB or a synthetic canary would call it.
	res = invokeHTTP(t, h, httpAPIEvent(http.MethodGet, "/healthz", "", "", false, nil))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.JSONEq(t, `{"status":"ok"}`, res.Body)
}

// functionURLEvent is a Lambda Function URL event in its JSON form (the shape of
// events.LambdaFunctionURLRequest, as AWS documents it), with a base64 body.
const functionURLEvent = `{
  "version": "2.0",
  "rawPath": "/graphql",
  "rawQueryString": "",
  "headers": {
    "content-type": "application/json",
    "host": "abcdefg.lambda-url.us-east-1.on.aws",
    "x-amzn-trace-id": "Root=1-5eb33c07-4b4a2d4c1e6f3a5e4a1f0b3d",
    "x-forwarded-for": "203.0.113.9",
    "x-forwarded-proto": "https",
    "user-agent": "curl/8.5.0"
  },
  "requestContext": {
    "accountId": "anonymous",
    "apiId": "abcdefg",
    "domainName": "abcdefg.lambda-url.us-east-1.on.aws",
    "domainPrefix": "abcdefg",
    "http": {
      "method": "POST",
      "path": "/graphql",
      "protocol": "HTTP/1.1",
      "sourceIp": "203.0.113.9",
      "userAgent": "curl/8.5.0"
    },
    "requestId": "d1a5c1b2-1f0e-4c53-9a2e-3d1f7f1b2c3d",
    "routeKey": "$default",
    "stage": "$default",
    "time": "10/Mar/2026:12:00:00 +0000",
    "timeEpoch": 1773144000000
  },
  "body": %q,
  "isBase64Encoded": true
}`

// TestLambdaFunctionURLEvent: a Function URL event (its JSON form, decoded as
// events.LambdaFunctionURLRequest too) goes through the same dispatch, and the response
// is a valid Function URL response.
func TestLambdaFunctionURLEvent(t *testing.T) {
	h, _ := lambdaApp(t, nil)
	body := base64.StdEncoding.EncodeToString([]byte(gqlBody(t, searchQuery, map[string]any{"d": tomorrow()})))
	payload := fmt.Sprintf(functionURLEvent, body)
	var asURL events.LambdaFunctionURLRequest
	require.NoError(t, json.Unmarshal([]byte(payload), &asURL), "the fixture has the Function URL shape")
	require.Equal(t, "POST", asURL.RequestContext.HTTP.Method)

	out, err := h.Invoke(invocation(t, "8f5f4c5e-0000-4000-8000-000000000001"), []byte(payload))
	require.NoError(t, err)
	var res events.LambdaFunctionURLResponse
	require.NoError(t, json.Unmarshal(out, &res))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Headers["Content-Type"], "application/json")
	require.False(t, res.IsBase64Encoded)
	var gql map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.Body), &gql))
	requireSearchItems(t, gql)
}

// invokeErr invokes h with payload and returns the error Lambda would report.
func invokeErr(t *testing.T, h *lambdaHandler, payload string) messages.InvokeResponse_Error {
	t.Helper()
	out, err := h.Invoke(invocation(t, "0a0a0a0a-0000-4000-8000-000000000002"), []byte(payload))
	require.Error(t, err, "got %s", out)
	var ie messages.InvokeResponse_Error
	require.ErrorAs(t, err, &ie)
	return ie
}

// TestLambdaScheduledJobs: an EventBridge event naming a job runs it once, with a deadline
// inside the Lambda deadline; a job not in the registry, or one that fails, fails the
// invocation with an errorType saying which, so it is retried and reaches the DLQ.
func TestLambdaScheduledJobs(t *testing.T) {
	var runs atomic.Int32
	var jobDeadline time.Time
	boom := errors.New("table unavailable")
	h, logs := lambdaApp(t, jobs.Registry{
		"test-job": func(ctx context.Context) error {
			runs.Add(1)
			jobDeadline, _ = ctx.Deadline()
			return nil
		},
		"failing-job": func(context.Context) error { return boom },
	})

	t.Run("unknown job", func(t *testing.T) {
		for _, payload := range []string{
			`{"skygraph-job": "booking-recovery"}`,
			// The raw scheduled-event shape, the job given in the detail.
			`{"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
			  "source": "aws.events", "account": "123456789012", "time": "2026-03-10T12:00:00Z", "region": "us-east-1",
			  "resources": ["arn:aws:events:us-east-1:123456789012:rule/booking-recovery"], "detail": {"skygraph-job": "booking-recovery"}}`,
		} {
			ie := invokeErr(t, h, payload)
			require.Equal(t, "UnknownJob", ie.Type)
			require.Contains(t, ie.Message, `unknown job "booking-recovery" (registered: failing-job, test-job)`)
		}
		require.Contains(t, logs.String(), "unknown job: failing the invocation")
		require.Zero(t, runs.Load())
	})

	t.Run("scheduled event naming no job", func(t *testing.T) {
		ie := invokeErr(t, h, `{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}`)
		require.Equal(t, "UnknownJob", ie.Type)
		require.Contains(t, ie.Message, "names no job")
	})

	t.Run("registered job runs once", func(t *testing.T) {
		ctx := invocation(t, "11111111-0000-4000-8000-000000000003")
		out, err := h.Invoke(ctx, []byte(`{"skygraph-job": "test-job"}`))
		require.NoError(t, err)
		var res jobResult
		require.NoError(t, json.Unmarshal(out, &res))
		require.Equal(t, "test-job", res.Job)
		require.Equal(t, "succeeded", res.Status)
		require.Equal(t, int32(1), runs.Load())
		lambdaDeadline, _ := ctx.Deadline()
		require.True(t, jobDeadline.Before(lambdaDeadline), "the job stops before Lambda's deadline, to report")
		// The margin is at most 2 s, whatever the time left: compared between the two
		// deadlines, not with the clock, so a slow machine cannot fail it.
		require.LessOrEqual(t, lambdaDeadline.Sub(jobDeadline), 2*time.Second, "but keeps most of the time")

		_, err = h.Invoke(ctx, []byte(`{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {"skygraph-job": "test-job"}}`))
		require.NoError(t, err)
		require.Equal(t, int32(2), runs.Load())
	})

	t.Run("failing job", func(t *testing.T) {
		_, err := h.dispatch(invocation(t, "x"), []byte(`{"skygraph-job": "failing-job"}`))
		require.ErrorIs(t, err, boom)
		ie := invokeErr(t, h, `{"skygraph-job": "failing-job"}`)
		require.Equal(t, "JobFailed", ie.Type)
		require.Contains(t, ie.Message, "table unavailable")
	})

	t.Run("unsupported events", func(t *testing.T) {
		for _, payload := range []string{
			`not json`,
			`[1, 2]`,
			`{"foo": 1}`,
			`{"skygraph-job": 42}`,
			`{"skygraph-job": ""}`,
			`{"Records": [{"eventSource": "aws:sqs", "body": "x"}]}`,
			`{"resource": "/graphql", "path": "/graphql", "httpMethod": "POST", "body": "{}", "requestContext": {}}`,
			`{"version": "1.0", "routeKey": "POST /graphql", "httpMethod": "POST", "rawPath": "/graphql"}`,
		} {
			ie := invokeErr(t, h, payload)
			require.Equal(t, "UnsupportedEvent", ie.Type, payload)
		}
		require.Contains(t, invokeErr(t, h, `{"httpMethod": "POST"}`).Message, "payload format 2.0")
		require.NotContains(t, logs.String(), "aws:sqs", "event values are never logged")
	})
}

// fakeRuntimeAPI is the Lambda Runtime API (and the Extensions API registration that
// WithEnableSIGTERM uses) served on 127.0.0.1: enough for aws-lambda-go's client.
type fakeRuntimeAPI struct {
	srv        *httptest.Server
	events     chan fakeInvocation
	results    sync.Map // request id → chan fakeResult
	extensions chan string
	done       chan struct{}
	seq        atomic.Int64
}

type fakeInvocation struct {
	id   string
	body []byte
}

type fakeResult struct {
	kind string // "response" or "error"
	body []byte
}

func newFakeRuntimeAPI(t testing.TB) *fakeRuntimeAPI {
	t.Helper()
	f := &fakeRuntimeAPI{events: make(chan fakeInvocation, 4), extensions: make(chan string, 4), done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case ev := <-f.events:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", ev.id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:skygraph-test")
			w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(ev.body)
		case <-r.Context().Done():
		case <-f.done:
		}
	})
	result := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			ch, _ := f.results.LoadOrStore(r.PathValue("id"), make(chan fakeResult, 1))
			ch.(chan fakeResult) <- fakeResult{kind: kind, body: body}
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"status":"OK"}`))
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", result("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", result("error"))
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		f.extensions <- r.Header.Get("Lambda-Extension-Name")
		w.Header().Set("Lambda-Extension-Identifier", "ext-0001")
		_, _ = w.Write([]byte(`{"functionName":"skygraph-test","functionVersion":"$LATEST","handler":"bootstrap"}`))
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(_ http.ResponseWriter, r *http.Request) {
		select { // the internal extension subscribes to nothing: its /next never answers
		case <-r.Context().Done():
		case <-f.done:
		}
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(f.done)
		f.srv.Close()
	})
	return f
}

// invoke queues an event and waits for the function's response or error.
func (f *fakeRuntimeAPI) invoke(t testing.TB, payload string, timeout time.Duration) fakeResult {
	t.Helper()
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.seq.Add(1))
	ch, _ := f.results.LoadOrStore(id, make(chan fakeResult, 1))
	f.events <- fakeInvocation{id: id, body: []byte(payload)}
	select {
	case r := <-ch.(chan fakeResult):
		return r
	case <-time.After(timeout):
		t.Fatalf("no result for invocation %s within %v", id, timeout)
	}
	return fakeResult{}
}

// lambdaBootstrap builds the binary for the host with aws-lambda-go's tag (lambda.norpc)
// and nothing left out: the one binary of `go run .`, which runs Lambda mode with the
// embedded store and the local identity provider (what these tests use). The release
// build's -trimpath, CGO_ENABLED=0 and -ldflags are left out here: they only change how
// the same code is compiled and would cost a cold rebuild of every dependency (about a
// minute on two cores) instead of relinking from the build cache. `make lambda`'s
// Lambda-only build is lambdaOnlyBootstrap's (lambda_only_test.go).
func lambdaBootstrap(t testing.TB) []string {
	t.Helper()
	return []string{buildBinary(t, "bootstrap", "lambda.norpc")}
}

// prebuiltBootstrap is $LAMBDA_BOOTSTRAP, a prebuilt artifact such as `make lambda`'s, run
// through $LAMBDA_EXEC_WRAPPER (e.g. qemu-aarch64-static for the arm64 one); nil when unset.
func prebuiltBootstrap(t testing.TB) []string {
	t.Helper()
	bin := os.Getenv("LAMBDA_BOOTSTRAP")
	if bin == "" {
		return nil
	}
	abs, err := filepath.Abs(bin)
	require.NoError(t, err)
	return append(strings.Fields(os.Getenv("LAMBDA_EXEC_WRAPPER")), abs)
}

// buildBinary builds this command with the given build tags into a temporary file.
func buildBinary(t testing.TB, name, tags string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "go test puts GOROOT/bin on PATH")
	bin := filepath.Join(t.TempDir(), name)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard) // a cold build on a busy machine takes minutes
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, goBin, "build", "-tags", tags, "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	t.Logf("built %s in %v", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// TestLambdaBootstrapAgainstFakeRuntimeAPI runs the built binary as Lambda runs a custom
// runtime's bootstrap, against a fake Runtime API: it must detect Lambda from the
// environment, serve an HTTP API GraphQL event, report an unknown job to /error, register
// for SIGTERM and close cleanly on it.
func TestLambdaBootstrapAgainstFakeRuntimeAPI(t *testing.T) {
	argv := lambdaBootstrap(t)
	rt := newFakeRuntimeAPI(t)
	tmp := t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 3*hangGuard) // outlives the waits below
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(rt.srv.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=skygraph-test",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"_HANDLER=bootstrap",
		"AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"SKYGRAPH_SEED_DAYS=3",
		"HOME=" + tmp,
		"TMPDIR=" + tmp,
	}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // already gone after the SIGTERM below, unless the test failed first
		<-exited
		if t.Failed() {
			t.Logf("bootstrap output:\n%s", logs.String())
		}
	})

	select {
	case name := <-rt.extensions:
		require.Equal(t, "GoLangEnableSIGTERM", name, "registering an extension is what makes Lambda send SIGTERM")
	case err := <-exited:
		t.Fatalf("bootstrap exited during init: %v", err)
	case <-time.After(hangGuard):
		t.Fatalf("bootstrap did not register for SIGTERM within %v", hangGuard)
	}

	// 1. An HTTP API GraphQL search: the seeded embedded store answers LGW→MAD tomorrow.
	ev, err := json.Marshal(httpAPIEvent(http.MethodPost, "/graphql", "", gqlBody(t, searchQuery, map[string]any{"d": tomorrow()}), false,
		map[string]string{"content-type": "application/json"}))
	require.NoError(t, err)
	start := time.Now()
	res := rt.invoke(t, string(ev), hangGuard)
	t.Logf("first invocation answered in %v", time.Since(start).Round(time.Millisecond))
	require.Equal(t, "response", res.kind, "%s", res.body)
	var httpRes events.APIGatewayV2HTTPResponse
	require.NoError(t, json.Unmarshal(res.body, &httpRes))
	require.Equal(t, http.StatusOK, httpRes.StatusCode)
	require.Contains(t, httpRes.Headers["Content-Type"], "application/json")
	requireSearchItems(t, gqlResult(t, httpRes))

	// 2. A scheduled event for a job this build does not have: reported to /error.
	res = rt.invoke(t, `{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events",
		"detail": {"skygraph-job": "no-such-job"}}`, hangGuard)
	require.Equal(t, "error", res.kind, "%s", res.body)
	var lambdaErr messages.InvokeResponse_Error
	require.NoError(t, json.Unmarshal(res.body, &lambdaErr))
	require.Equal(t, "UnknownJob", lambdaErr.Type)
	require.Contains(t, lambdaErr.Message, `unknown job "no-such-job"`)

	// 2b. The booking recovery sweep and the waitlist notifier are registered: their
	// scheduled events succeed.
	for _, job := range []string{"booking-recovery", "waitlist-notifier"} {
		res = rt.invoke(t, `{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events",
			"detail": {"skygraph-job": "`+job+`"}}`, hangGuard)
		require.Equal(t, "response", res.kind, "%s: %s", job, res.body)
	}

	// 2c. Cognito's PostConfirmation trigger: the profile is created and the event answered
	// unchanged, twice (idempotent).
	pc := postConfirmationEvent("PostConfirmation_ConfirmSignUp", "4f1c2b9e-0000-4000-8000-000000000001", "hosted@example.com", "Hosted")
	for range 2 {
		res = rt.invoke(t, pc, hangGuard)
		require.Equal(t, "response", res.kind, "%s", res.body)
		require.JSONEq(t, pc, string(res.body))
	}

	// 3. SIGTERM (what Lambda sends before shutting the instance down) closes the App.
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		require.NoError(t, err, "exit status after SIGTERM")
	case <-time.After(hangGuard):
		t.Fatalf("bootstrap did not exit within %v of SIGTERM", hangGuard)
	}
	var msgs []string
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line struct{ Msg string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg != "" {
			msgs = append(msgs, line.Msg)
		}
	}
	for _, want := range []string{"skygraph ready on Lambda", "PostConfirmation: profile ready", "unknown job: failing the invocation so it is retried and reaches the dead-letter queue", "shutting down: closing the app", "stopped"} {
		require.True(t, slices.Contains(msgs, want), "log has %q: %v", want, msgs)
	}
}

// dockerInstruction is one Dockerfile instruction: its keyword, flags and arguments.
type dockerInstruction struct {
	cmd   string
	flags []string
	args  string
}

// parseDockerfile reads a Dockerfile into stages of instructions (enough to lint it: line
// continuations and comments, no heredocs or variable expansion).
func parseDockerfile(t *testing.T, path string) [][]dockerInstruction {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var stages [][]dockerInstruction
	var logical strings.Builder
	flush := func() {
		line := strings.TrimSpace(logical.String())
		logical.Reset()
		if line == "" {
			return
		}
		cmd, rest, _ := strings.Cut(line, " ")
		in := dockerInstruction{cmd: strings.ToUpper(cmd)}
		rest = strings.TrimSpace(rest)
		for strings.HasPrefix(rest, "--") {
			var flag string
			flag, rest, _ = strings.Cut(rest, " ")
			in.flags = append(in.flags, flag)
			rest = strings.TrimSpace(rest)
		}
		in.args = rest
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		require.NotEmpty(t, stages, "%s before the first FROM", in.cmd)
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			logical.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		logical.WriteString(trimmed)
		flush()
	}
	flush()
	return stages
}

// TestDockerfile lints the Fargate image's Dockerfile structurally (it cannot be built on
// a machine without the base images): a pinned Go builder, a static CGO-free -trimpath
// binary copied into distroless/static (or scratch), non-root, port 8080, exec-form
// entrypoint (there is no shell), no HEALTHCHECK (ECS uses the ALB's on /healthz) and no
// secrets baked in; and .dockerignore keeps bulky and private files out of the context.
func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, "Dockerfile")
	require.GreaterOrEqual(t, len(stages), 2, "multi-stage")

	builder := stages[0]
	from := strings.Fields(builder[0].args)
	require.Len(t, from, 3, "the builder stage is named: FROM image AS name")
	require.True(t, strings.EqualFold(from[1], "AS"))
	builderName := from[2]
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(must(os.ReadFile("go.mod")))
	require.NotNil(t, goVersion)
	require.True(t, strings.HasPrefix(from[0], "golang:"+string(goVersion[1])), "builder %s pins go.mod's Go %s", from[0], goVersion[1])

	var build string
	for _, in := range builder {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			build = in.args
		}
	}
	require.NotEmpty(t, build, "the builder runs go build")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-o /out/skygraph"} {
		require.Contains(t, build, want)
	}

	final := stages[len(stages)-1]
	image := final[0].args
	require.Regexp(t, `^(gcr\.io/distroless/static(-debian\d+)?:[\w.-]+(@sha256:[0-9a-f]{64})?|scratch)$`, image, "static base image")
	require.NotContains(t, image, ":latest")

	byCmd := map[string][]dockerInstruction{}
	for _, in := range final {
		byCmd[in.cmd] = append(byCmd[in.cmd], in)
	}
	require.Len(t, byCmd["COPY"], 1, "the final stage copies the binary and nothing else")
	require.Contains(t, byCmd["COPY"][0].flags, "--from="+builderName)
	require.Equal(t, "/out/skygraph /skygraph", byCmd["COPY"][0].args)
	require.NotEmpty(t, byCmd["USER"])
	user := byCmd["USER"][len(byCmd["USER"])-1].args
	require.Regexp(t, `^(65532(:65532)?|nonroot(:nonroot)?)$`, user, "runs as distroless's non-root user")
	require.Equal(t, []string{"8080"}, fieldsOf(byCmd["EXPOSE"]))
	require.Len(t, byCmd["ENTRYPOINT"], 1)
	var entry []string
	require.NoError(t, json.Unmarshal([]byte(byCmd["ENTRYPOINT"][0].args), &entry), "exec form: distroless has no shell")
	require.Equal(t, []string{"/skygraph"}, entry)
	require.Empty(t, byCmd["RUN"], "no shell in the final image")
	require.Empty(t, byCmd["CMD"])

	secret := regexp.MustCompile(`(?i)secret|password|passwd|token|credential|private|api_?key|access_?key`)
	for _, stage := range stages {
		for _, in := range stage {
			require.NotEqual(t, "HEALTHCHECK", in.cmd, "no HEALTHCHECK: ECS uses the ALB health check on /healthz")
			require.NotEqual(t, "ADD", in.cmd, "COPY, never ADD (no remote fetches)")
			if in.cmd == "ENV" || in.cmd == "ARG" || in.cmd == "LABEL" {
				require.NotRegexp(t, secret, in.args, "%s %s: no secrets in the image", in.cmd, in.args)
			}
		}
	}

	ignore := strings.Fields(string(must(os.ReadFile(".dockerignore"))))
	for _, want := range []string{"node_modules", "**/node_modules", "build", "cdk/cdk.out", ".git", "*.test", "**/*.test", ".env"} {
		require.Contains(t, ignore, want, ".dockerignore")
	}
}

func fieldsOf(ins []dockerInstruction) []string {
	var out []string
	for _, in := range ins {
		out = append(out, strings.Fields(in.args)...)
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
