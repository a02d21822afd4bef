package app_test

// The hostile-request suite (issue 10): every limit with one request just under and one
// just over it, and every numbered case of the probe as a regression test asserting the
// bounded answer, through the real HTTP stack (httptest.Server, net/http client). Where
// memory is the point, the allocations of the request and the size of the answer are
// asserted; no test asserts a duration (CI machines are slow and busy).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/internal/hostile"
)

// hostileServer is an app on the embedded store behind a real HTTP server.
type hostileServer struct {
	*env
	url string
}

func newHostileServer(t *testing.T, opts app.Options, mutate ...func(*app.Config)) *hostileServer {
	t.Helper()
	e := newEnvWith(t, dynamotest.Backends(t)[0], opts, mutate...)
	srv := httptest.NewServer(e.app.Handler)
	t.Cleanup(srv.Close)
	return &hostileServer{env: e, url: srv.URL}
}

// answer is one HTTP answer: its status, decoded body and size.
type answer struct {
	status int
	body   map[string]any
	size   int
	alloc  uint64 // bytes allocated by the process while it was served
}

func (a answer) errors() []map[string]any { return asErrors(a.body) }

func (a answer) code() string {
	errs := a.errors()
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0]["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

func (s *hostileServer) send(t *testing.T, body []byte, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	runtime.ReadMemStats(&after)
	a := answer{status: res.StatusCode, size: len(raw), alloc: after.TotalAlloc - before.TotalAlloc}
	require.NoError(t, json.Unmarshal(raw, &a.body), "answer is JSON: %.300s", raw)
	require.Contains(t, res.Header.Get("Content-Type"), "json")
	return a
}

func (s *hostileServer) query(t *testing.T, query string, header ...string) answer {
	t.Helper()
	return s.send(t, hostile.Request(query, nil), header...)
}

// requireRefused checks a limit's refusal: its code as extensions.code and errorType, no
// data, and no store call.
func (s *hostileServer) requireRefused(t *testing.T, a answer, code string) {
	t.Helper()
	require.Equal(t, code, a.code(), "answer %v", a.body)
	require.Equal(t, code, a.errors()[0]["errorType"])
	require.Nil(t, a.body["data"])
	require.Zero(t, s.calls.Total(), "refused before any store call")
}

// TestHostileCasesAreBounded: every case of the probe that a plain POST reproduces gets
// its documented answer, small, with bounded allocations (the 34 KB case used to allocate
// 1.8 GB, the 115 KB one 13 GB), and no store call.
func TestHostileCasesAreBounded(t *testing.T) {
	s := newHostileServer(t, app.Options{})
	for _, c := range hostile.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			s.calls.Reset()
			a := s.send(t, c.Body)
			require.Equal(t, c.Status, a.status)
			require.Equal(t, c.Code, a.code(), "answer %.500v", a.body)
			require.LessOrEqual(t, len(a.errors()), 101)
			require.Less(t, a.size, 64<<10, "a small answer")
			require.Less(t, a.alloc, uint64(64<<20), "bounded allocations")
			require.Zero(t, s.calls.Total())
		})
	}
}

// TestTokenLimit: the parser stops at MaxTokens (a document of variable defaults, one
// token per number).
func TestTokenLimit(t *testing.T) {
	s := newHostileServer(t, app.Options{}, func(c *app.Config) { c.MaxTokens = 1000 })
	doc := func(numbers int) string {
		// query ( $x : [ Int ] = [ … ] ) { __typename } has 14 tokens besides the numbers
		// (the parser also counts the end of the document).
		return "query($x: [Int] = [" + strings.Repeat("1 ", numbers) + "]) { __typename }"
	}
	under := s.query(t, doc(1000-15))
	require.NotEqual(t, "GRAPHQL_PARSE_FAILED", under.code(), "%v", under.body)
	over := s.query(t, doc(1000-14))
	require.Equal(t, "GRAPHQL_PARSE_FAILED", over.code())
	require.Contains(t, over.errors()[0]["message"], "token limit")
}

// TestValidationErrorCap: at most MaxErrors errors, then one TOO_MANY_ERRORS (issue
// item 1: 5,000 unused variables made 5,000 errors, 1 MB).
func TestValidationErrorCap(t *testing.T) {
	s := newHostileServer(t, app.Options{})
	under := s.query(t, hostile.UnusedVariables(100))
	require.Len(t, under.errors(), 100)
	for _, e := range under.errors() {
		require.Equal(t, "GRAPHQL_VALIDATION_FAILED", e["extensions"].(map[string]any)["code"])
	}
	over := s.query(t, hostile.UnusedVariables(101))
	require.Len(t, over.errors(), 101)
	require.Equal(t, "TOO_MANY_ERRORS", over.errors()[100]["extensions"].(map[string]any)["code"])
	require.Contains(t, over.errors()[100]["message"], "1 more omitted")

	directives := s.query(t, hostile.RepeatedDirectives(1000))
	require.Len(t, directives.errors(), 101)
	require.Less(t, directives.size, 64<<10)
}

// TestFieldRepeatLimit: at most MaxFieldRepeats fields merge into one response key, which
// keeps the overlap rule linear (issue items 1 and 2), counted through fragments.
func TestFieldRepeatLimit(t *testing.T) {
	s := newHostileServer(t, app.Options{})
	under := s.query(t, hostile.RepeatedTypename(10))
	require.Empty(t, under.errors())
	s.requireRefused(t, s.query(t, hostile.RepeatedTypename(11)), "FIELD_REPEAT_LIMIT_EXCEEDED")

	conflicts := s.query(t, hostile.ConflictingAliases(10))
	require.Len(t, conflicts.errors(), 45, "the validator still reports the conflicts it may")
	s.requireRefused(t, s.query(t, hostile.ConflictingAliases(11)), "FIELD_REPEAT_LIMIT_EXCEEDED")

	// Through fragments and nested selections: a.b merges 6+5 = 11 fields.
	frag := `{ listFlights(limit: 1) { items { ...A ...B } } } fragment A on Flight {` + strings.Repeat(" id", 6) +
		` } fragment B on Flight {` + strings.Repeat(" id", 5) + ` }`
	s.requireRefused(t, s.query(t, frag), "FIELD_REPEAT_LIMIT_EXCEEDED")
}

// TestFieldLimit: at most MaxFields field selections with fragments expanded; fan-out is
// counted without expanding it (2^40 fields in 600 bytes).
func TestFieldLimit(t *testing.T) {
	s := newHostileServer(t, app.Options{}, func(c *app.Config) { c.MaxFields, c.MaxAliases = 100, 1000 })
	doc := func(aliases int) string {
		var b strings.Builder
		b.WriteString("{ listFlights(limit: 1) { items {") // 2 fields
		for i := range aliases {
			fmt.Fprintf(&b, " a%d: id", i)
		}
		b.WriteString(" } } }")
		return b.String()
	}
	under := s.query(t, doc(98))
	require.Empty(t, under.errors(), "%v", under.body)
	s.calls.Reset()
	s.requireRefused(t, s.query(t, doc(99)), "FIELD_LIMIT_EXCEEDED")
	s.requireRefused(t, s.query(t, hostile.FragmentFanOut(40)), "FIELD_LIMIT_EXCEEDED")
}

// TestAliasAndRootFieldLimits: MaxAliases aliases and MaxRootFields root fields per
// operation (defaults 50 and 20).
func TestAliasAndRootFieldLimits(t *testing.T) {
	s := newHostileServer(t, app.Options{})
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{ listFlights(limit: 1) { items {")
		for i := range n {
			fmt.Fprintf(&b, " a%d: id", i)
		}
		b.WriteString(" } } }")
		return b.String()
	}
	require.Empty(t, s.query(t, aliases(50)).errors())
	s.calls.Reset()
	s.requireRefused(t, s.query(t, aliases(51)), "ALIAS_LIMIT_EXCEEDED")

	roots := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " r%d: __typename", i)
		}
		b.WriteString(" }")
		return b.String()
	}
	require.Empty(t, s.query(t, roots(20)).errors())
	s.requireRefused(t, s.query(t, roots(21)), "ROOT_FIELD_LIMIT_EXCEEDED")
	// A fragment's fields are root fields where it is spread.
	s.requireRefused(t, s.query(t, "{ ...R } fragment R on Query {"+strings.TrimPrefix(roots(21), "{")), "ROOT_FIELD_LIMIT_EXCEEDED")
}

// TestComplexityChargesTheReadBudget (issue item 3): a filtered limit-1 page may read ten
// Query and ten BatchGetItem pages, and costs that much: nine fit the default limit, ten
// do not, and the nine stay within their read budget.
func TestComplexityChargesTheReadBudget(t *testing.T) {
	s := newHostileServer(t, app.Options{})
	s.calls.Reset()
	under := s.query(t, hostile.FilteredPages(9))
	require.Empty(t, under.errors(), "%v", under.body)
	require.LessOrEqual(t, s.calls.Total(), 9*20)
	s.calls.Reset()
	s.requireRefused(t, s.query(t, hostile.FilteredPages(10)), "COMPLEXITY_LIMIT_EXCEEDED")
	// Unfiltered, the same page is cheap.
	require.Empty(t, s.query(t, strings.ReplaceAll(hostile.FilteredPages(20), ",filter:{flightNumber:{eq:-1}}", "")).errors())
}

// slowAPI, once armed, blocks Query until the call's context ends or release is closed.
type slowAPI struct {
	dynamo.API
	armed   atomic.Bool
	release chan struct{}
	entered chan struct{}
}

func newSlowAPI() *slowAPI {
	return &slowAPI{release: make(chan struct{}), entered: make(chan struct{}, 1)}
}

func (s *slowAPI) wait(ctx context.Context) error {
	if !s.armed.Load() {
		return nil
	}
	select {
	case s.entered <- struct{}{}:
	default:
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.release:
		return nil
	}
}

func (s *slowAPI) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.API.Query(ctx, in, o...)
}

// TestRequestDeadline: a request that outlives RequestTimeout is cut short with
// ExecutionTimeout; its store calls are cancelled (the slow store returns only when the
// request's context ends).
func TestRequestDeadline(t *testing.T) {
	slow := newSlowAPI()
	s := newHostileServer(t, app.Options{API: func(api dynamo.API) dynamo.API { slow.API = api; return slow }},
		func(c *app.Config) { c.RequestTimeout = 300 * time.Millisecond })
	slow.armed.Store(true)
	a := s.query(t, `{ listFlights(limit: 1) { items { id } } }`)
	require.Equal(t, http.StatusOK, a.status)
	require.Equal(t, "ExecutionTimeout", a.code(), "%v", a.body)
	require.Equal(t, "ExecutionTimeout", a.errors()[0]["errorType"])

	// The same deadline for a query sent over a WebSocket.
	c := wsDial(t, s.url)
	wsSend(t, c, wsMsg{Type: "connection_init"})
	m, err := wsRead(c, 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, "connection_ack", m.Type)
	q, _ := json.Marshal(map[string]any{"query": `{ listFlights(limit: 1) { items { id } } }`})
	wsSend(t, c, wsMsg{ID: "1", Type: "subscribe", Payload: q})
	m, err = wsRead(c, 10*time.Second)
	require.NoError(t, err)
	require.Contains(t, string(m.Payload), `"ExecutionTimeout"`)

	slow.armed.Store(false)
	require.Empty(t, s.query(t, `{ listFlights(limit: 1) { items { id } } }`).errors(), "under the deadline")
}

// TestResolverCallLimit: at most MaxResolverCalls resolver calls per operation
// (AppSync's resolverCountLimit); the rest answer LimitExceeded.
func TestResolverCallLimit(t *testing.T) {
	s := newHostileServer(t, app.Options{}, func(c *app.Config) { c.MaxResolverCalls = 3 })
	doc := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, ` g%d: getFlight(id: "none-%d") { id }`, i, i)
		}
		b.WriteString(" }")
		return b.String()
	}
	require.Empty(t, s.query(t, doc(3)).errors())
	over := s.query(t, doc(4))
	require.Len(t, over.errors(), 1)
	require.Equal(t, "LimitExceeded", over.code())
	require.Equal(t, "LimitExceeded", over.errors()[0]["errorType"])
}

// TestCredentialFields (issue item 4): one credential root field per operation, so one
// request is one guess; the local provider then locks the email out (Cognito's
// "Password attempts exceeded"), even for the right password, until the lock expires.
func TestCredentialFields(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newHostileServer(t, app.Options{LocalNow: clock})

	s.calls.Reset()
	s.requireRefused(t, s.query(t, hostile.SignInGuesses(demoEmail, 2)), "CREDENTIAL_FIELD_LIMIT_EXCEEDED")
	s.requireRefused(t, s.query(t, hostile.SignInGuesses(demoEmail, 50)), "CREDENTIAL_FIELD_LIMIT_EXCEEDED")
	two := fmt.Sprintf(`mutation { signIn(email: %q, password: %q) { idToken } confirmSignUp(email: %q, code: "1") }`, demoEmail, demoPassword, demoEmail)
	s.requireRefused(t, s.query(t, two), "CREDENTIAL_FIELD_LIMIT_EXCEEDED")

	signIn := func(password string) answer {
		return s.query(t, fmt.Sprintf(`mutation { signIn(email: %q, password: %q) { idToken } }`, demoEmail, password))
	}
	require.Empty(t, signIn(demoPassword).errors(), "one credential field is fine")
	for i := range 6 { // 5 failures are free; the sixth locks for 1 s
		a := signIn(fmt.Sprintf("Wrong%d!", i))
		require.Equal(t, "Incorrect username or password.", a.errors()[0]["message"], "attempt %d", i)
	}
	locked := signIn(demoPassword)
	require.Equal(t, "Unauthorized", locked.code())
	require.Equal(t, "Password attempts exceeded", locked.errors()[0]["message"])
	mu.Lock()
	now = now.Add(1100 * time.Millisecond)
	mu.Unlock()
	require.Empty(t, signIn(demoPassword).errors(), "the lock expires")

	// Every attempt is logged, without the password.
	logs := s.logs.String()
	require.Contains(t, logs, `"msg":"sign-in attempt"`)
	require.Contains(t, logs, `"outcome":"Unauthorized"`)
	require.NotContains(t, logs, "Wrong0!")
	require.NotContains(t, logs, demoPassword)
}

// TestSignInOverWebSocketIsLogged: a guess sent over a WebSocket logs the same line.
func TestSignInOverWebSocketIsLogged(t *testing.T) {
	s := newHostileServer(t, app.Options{})
	c := wsDial(t, s.url)
	wsSend(t, c, wsMsg{Type: "connection_init"})
	m, err := wsRead(c, 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, "connection_ack", m.Type)
	payload, _ := json.Marshal(map[string]any{"query": `mutation { signIn(email: "nobody@example.com", password: "Guess1234!") { idToken } }`})
	wsSend(t, c, wsMsg{ID: "1", Type: "subscribe", Payload: payload})
	m, err = wsRead(c, 5*time.Second)
	require.NoError(t, err)
	require.Contains(t, string(m.Payload), "Incorrect username or password.")
	require.Eventually(t, func() bool {
		return strings.Contains(s.logs.String(), `"transport":"websocket"`)
	}, 5*time.Second, 10*time.Millisecond)
	require.Contains(t, s.logs.String(), `"email":"nobody@example.com"`)
	require.NotContains(t, s.logs.String(), "Guess1234!")
}

// TestAccountOracles (issue item 8): a known email with a wrong password costs the same
// store calls as an unknown one, and confirmSignUp answers a wrong code, an unknown email
// and a confirmed account alike.
func TestAccountOracles(t *testing.T) {
	s := newHostileServer(t, app.Options{})
	signIn := func(email string) (int, string) {
		s.calls.Reset()
		a := s.query(t, fmt.Sprintf(`mutation { signIn(email: %q, password: "Wrong-Passw0rd!") { idToken } }`, email))
		return s.calls.Total(), fmt.Sprint(a.errors()[0]["message"])
	}
	knownCalls, knownMsg := signIn(ownerEmail)
	unknownCalls, unknownMsg := signIn("nobody-at-all@example.com")
	require.Equal(t, knownCalls, unknownCalls, "equal store work")
	require.Equal(t, knownMsg, unknownMsg)

	require.Empty(t, s.query(t, `mutation { signUp(email: "pending@example.com", password: "Pending1234!", name: "P") { __typename } }`).errors())
	confirm := func(email string) map[string]any {
		a := s.query(t, fmt.Sprintf(`mutation { confirmSignUp(email: %q, code: "000000") }`, email))
		e := a.errors()[0]
		delete(e, "path")
		delete(e, "locations")
		return e
	}
	unknown := confirm("nobody-at-all@example.com")
	require.Equal(t, unknown, confirm("pending@example.com"), "wrong code")
	require.Equal(t, unknown, confirm(demoEmail), "already confirmed")
}

// TestWebSocketLimits (issue item 5): connection_init within WebSocketInitTimeout (else
// 4408), 4403 for bad credentials, at most MaxWebSockets connections and MaxSubscriptions
// operations per connection.
func TestWebSocketLimits(t *testing.T) {
	slow := newSlowAPI()
	s := newHostileServer(t, app.Options{API: func(api dynamo.API) dynamo.API { slow.API = api; return slow }}, func(c *app.Config) {
		c.WebSocketInitTimeout = 300 * time.Millisecond
		c.MaxSubscriptions = 1
	})
	slow.armed.Store(true)
	defer close(slow.release)

	t.Run("no connection_init", func(t *testing.T) {
		c := wsDial(t, s.url)
		_, err := wsRead(c, 10*time.Second)
		require.Equal(t, websocket.StatusCode(4408), websocket.CloseStatus(err), "%v", err)
	})
	t.Run("bad credentials", func(t *testing.T) {
		c := wsDial(t, s.url)
		wsSend(t, c, wsMsg{Type: "connection_init", Payload: json.RawMessage(`{"Authorization":"garbage"}`)})
		var err error
		for err == nil {
			_, err = wsRead(c, 10*time.Second)
		}
		require.Equal(t, websocket.StatusCode(4403), websocket.CloseStatus(err), "%v", err)
	})
	t.Run("operations per connection", func(t *testing.T) {
		c := wsDial(t, s.url)
		wsSend(t, c, wsMsg{Type: "connection_init"})
		m, err := wsRead(c, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, "connection_ack", m.Type)
		q, _ := json.Marshal(map[string]any{"query": `{ listFlights(limit: 1) { items { id } } }`})
		wsSend(t, c, wsMsg{ID: "1", Type: "subscribe", Payload: q})
		<-slow.entered // the first operation is running (blocked in the store)
		wsSend(t, c, wsMsg{ID: "2", Type: "subscribe", Payload: q})
		m, err = wsRead(c, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, "2", m.ID)
		require.Contains(t, string(m.Payload), "SUBSCRIPTION_LIMIT_EXCEEDED")
	})
	t.Run("connections", func(t *testing.T) {
		// A server of its own: the other subtests' connections may still be closing.
		s := newHostileServer(t, app.Options{}, func(c *app.Config) { c.MaxWebSockets = 2 })
		for range 2 {
			c := wsDial(t, s.url)
			wsSend(t, c, wsMsg{Type: "connection_init"})
			m, err := wsRead(c, 5*time.Second)
			require.NoError(t, err)
			require.Equal(t, "connection_ack", m.Type)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+"/graphql",
			&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		require.Error(t, err, "the third is refused")
		require.NotNil(t, res)
		require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	})
}

// TestIntrospectionOffIsQuiet (issue item 6): without introspection, no "Did you mean"
// hints, and __schema is a client error that is not logged at ERROR.
func TestIntrospectionOffIsQuiet(t *testing.T) {
	on := newHostileServer(t, app.Options{})
	require.Contains(t, fmt.Sprint(on.query(t, `{ listFlight { items { id } } }`).errors()[0]["message"]), "Did you mean")

	off := newHostileServer(t, app.Options{}, func(c *app.Config) { c.Introspection = false })
	for _, q := range []string{
		`{ listFlight { items { id } } }`,
		`{ listFlights(limt: 1) { items { id } } }`,
		`{ listFlights(filter: {flightNumbr: {eq: 1}}) { items { id } } }`,
		`{ listFlights { items { id flightNumbr } } }`,
	} {
		a := off.query(t, q)
		require.NotEmpty(t, a.errors(), q)
		for _, e := range a.errors() {
			require.NotContains(t, e["message"], "Did you mean", q)
		}
	}
	off.calls.Reset()
	for _, q := range []string{`{ __schema { types { name } } }`, `{ __type(name: "Flight") { name } }`,
		`{ ...I } fragment I on Query { __schema { queryType { name } } }`} {
		a := off.query(t, q)
		require.Equal(t, "INTROSPECTION_DISABLED", a.code(), "%v", a.body)
	}
	require.Zero(t, off.calls.Total())
	require.NotContains(t, off.logs.String(), `"level":"ERROR"`)
	require.Empty(t, off.query(t, `{ __typename }`).errors(), "__typename is not introspection")
}

// TestBodyLimits (issue item 9): an oversized body is 413, a malformed one 400 without
// an echo of the body.
func TestBodyLimits(t *testing.T) {
	s := newHostileServer(t, app.Options{}, func(c *app.Config) { c.MaxBodyBytes = 4096 })
	pad := func(total int) []byte {
		b := hostile.Request("{ __typename }", map[string]any{"pad": ""})
		return hostile.Request("{ __typename }", map[string]any{"pad": strings.Repeat("x", total-len(b))})
	}
	under := s.send(t, pad(4096))
	require.Equal(t, http.StatusOK, under.status)
	require.Empty(t, under.errors())
	over := s.send(t, pad(4097))
	require.Equal(t, http.StatusRequestEntityTooLarge, over.status)
	require.Equal(t, "REQUEST_TOO_LARGE", over.code())

	secret := "s3cr3t-" + strings.Repeat("y", 3000)
	bad := s.send(t, []byte(`{"query": "{ __typename }", "variables": {"x": "`+secret+`"`))
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Equal(t, "MALFORMED_REQUEST", bad.code())
	require.Less(t, bad.size, 512, "no echo of the body")
}

// TestLogLinesAreJSON (issue item 9): every line the app writes is one JSON object,
// including the refusals above (server_test.go checks the process's whole log, gqlgen's
// and net/http's own lines included).
func TestLogLinesAreJSON(t *testing.T) {
	s := newHostileServer(t, app.Options{})
	for _, c := range hostile.Cases() {
		s.send(t, c.Body)
	}
	for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		require.True(t, json.Valid([]byte(line)), "not JSON: %s", line)
	}
}

// TestLimitsConfig: every limit is configurable through its variable, out-of-range values
// fail the start, and the API binds loopback only with the embedded store.
func TestLimitsConfig(t *testing.T) {
	env := map[string]string{
		"SKYGRAPH_MAX_TOKENS": "2000", "SKYGRAPH_MAX_FIELDS": "300", "SKYGRAPH_MAX_FIELD_REPEATS": "3",
		"SKYGRAPH_MAX_ALIASES": "7", "SKYGRAPH_MAX_ROOT_FIELDS": "5", "SKYGRAPH_MAX_ERRORS": "9",
		"SKYGRAPH_REQUEST_TIMEOUT": "2s", "SKYGRAPH_MAX_RESOLVER_CALLS": "99", "SKYGRAPH_WS_INIT_TIMEOUT": "1s",
		"SKYGRAPH_MAX_WEBSOCKETS": "4", "SKYGRAPH_MAX_SUBSCRIPTIONS": "6", "SKYGRAPH_MAX_INFLIGHT": "8",
	}
	cfg, err := app.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, []int{2000, 300, 3, 7, 5, 9, 99, 4, 6, 8}, []int{cfg.MaxTokens, cfg.MaxFields, cfg.MaxFieldRepeats,
		cfg.MaxAliases, cfg.MaxRootFields, cfg.MaxErrors, cfg.MaxResolverCalls, cfg.MaxWebSockets, cfg.MaxSubscriptions, cfg.MaxInFlight})
	require.Equal(t, 2*time.Second, cfg.RequestTimeout)
	require.Equal(t, time.Second, cfg.WebSocketInitTimeout)
	require.Equal(t, "127.0.0.1", cfg.Listen)

	for k, v := range map[string]string{"SKYGRAPH_MAX_TOKENS": "5", "SKYGRAPH_REQUEST_TIMEOUT": "forever", "SKYGRAPH_MAX_ERRORS": "0"} {
		_, err := app.FromEnv(func(key string) string { return map[string]string{k: v}[key] })
		require.ErrorContains(t, err, k)
	}
	aws, err := app.FromEnv(func(k string) string { return map[string]string{"SKYGRAPH_TABLE": "t"}[k] })
	require.NoError(t, err)
	require.Empty(t, aws.Listen, "all interfaces with a table (AWS)")
	asked, err := app.FromEnv(func(k string) string { return map[string]string{"SKYGRAPH_LISTEN": "0.0.0.0"}[k] })
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0", asked.Listen)
}

// standardIntrospection is graphql-js's getIntrospectionQuery (v16, every option on), what
// GraphiQL and codegen tools send.
const standardIntrospection = `query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } } }`

// TestStandardIntrospectionPassesTheDocumentLimits: the document limits (tokens, fields,
// repeats, aliases, root fields, complexity) let the standard introspection query through.
// The depth limit is raised here: whether the default depth admits it is app/depth.go's
// business (issue 9B).
func TestStandardIntrospectionPassesTheDocumentLimits(t *testing.T) {
	s := newHostileServer(t, app.Options{}, func(c *app.Config) { c.MaxDepth = 100 })
	a := s.query(t, standardIntrospection)
	require.Empty(t, a.errors())
	require.Contains(t, a.body["data"].(map[string]any)["__schema"], "types")
}
