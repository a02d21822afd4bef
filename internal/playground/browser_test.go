package playground_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/browsertest"
	"github.com/skygraph/skygraph/internal/playground"
)

// stubGraphQL is a hand-written /graphql endpoint: just enough GraphQL for GraphiQL to
// load its schema and for `{ __typename }` to run. It records the Authorization header of
// each query it answers.
type stubGraphQL struct {
	// failIntrospection answers GraphiQL's introspection query with an error, as a
	// server with introspection disabled does.
	failIntrospection bool

	mu   sync.Mutex
	auth []string
}

// minimalSchema is the introspection result of `type Query { hello: String }`.
const minimalSchema = `{"data":{"__schema":{
	"description":null,
	"queryType":{"name":"Query","kind":"OBJECT"},"mutationType":null,"subscriptionType":null,
	"types":[
		{"kind":"OBJECT","name":"Query","description":null,"specifiedByURL":null,
		 "fields":[{"name":"hello","description":null,"args":[],"type":{"kind":"SCALAR","name":"String","ofType":null},"isDeprecated":false,"deprecationReason":null}],
		 "inputFields":null,"interfaces":[],"enumValues":null,"possibleTypes":null},
		{"kind":"SCALAR","name":"String","description":null,"specifiedByURL":null,"fields":null,"inputFields":null,"interfaces":null,"enumValues":null,"possibleTypes":null},
		{"kind":"SCALAR","name":"Boolean","description":null,"specifiedByURL":null,"fields":null,"inputFields":null,"interfaces":null,"enumValues":null,"possibleTypes":null}
	],
	"directives":[]}}}`

func (s *stubGraphQL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.Contains(req.Query, "__schema") && s.failIntrospection:
		_, _ = w.Write([]byte(`{"errors":[{"message":"introspection is disabled"}]}`))
	case strings.Contains(req.Query, "__schema"):
		_, _ = w.Write([]byte(minimalSchema))
	case strings.Join(strings.Fields(req.Query), "") == "{__typename}":
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		_, _ = w.Write([]byte(`{"data":{"__typename":"Query"}}`))
	default:
		_, _ = w.Write([]byte(`{"errors":[{"message":"the stub only answers { __typename }"}]}`))
	}
}

func (s *stubGraphQL) authorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

// newServer serves the playground and the stub on 127.0.0.1, like skygraph's app does.
func newServer(t *testing.T, stub *stubGraphQL) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/graphql", stub)
	mux.Handle("/", playground.Handler(playground.Options{
		Title:                "skygraph test",
		Endpoint:             "/graphql",
		SubscriptionEndpoint: "/graphql",
		DefaultQuery:         "# welcome\n{ __typename }\n",
	}))
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

// TestBrowserRunsQueryOffline loads the real page in headless Chromium, sends a query
// with an Authorization header through GraphiQL's UI, and checks the page stayed on
// 127.0.0.1, logged no errors (a CSP violation would show here) and did not persist the
// token.
func TestBrowserRunsQueryOffline(t *testing.T) {
	stub := &stubGraphQL{}
	srv := newServer(t, stub)

	start := time.Now()
	b := browsertest.NewBrowser(t)
	b.OpenPlayground(srv.URL + "/")
	const token = "Bearer eyJraWQiOiJ0ZXN0In0.test-cognito-token"
	result := b.PlaygroundQuery("{ __typename }", map[string]string{"Authorization": token})
	t.Logf("browser test took %s", time.Since(start).Round(time.Millisecond))

	assert.Contains(t, result, `"__typename": "Query"`)
	assert.Equal(t, []string{token}, stub.authorizations(), "the header typed into GraphiQL reaches the server")

	assert.Empty(t, b.NonLocalRequests(), "the page must not contact any host but 127.0.0.1")
	var assets int
	for _, r := range b.Requests() {
		if strings.Contains(r.URL, playground.AssetPrefix) {
			assets++
		}
	}
	assert.GreaterOrEqual(t, assets, 6, "page loads its scripts and styles from /playground/: %v", b.Requests())
	assert.Empty(t, b.ConsoleErrors(), "console errors (CSP violations show up here)")

	var storage string
	b.Eval(`JSON.stringify(window.localStorage)`, &storage)
	assert.NotContains(t, storage, "test-cognito-token", "headers must not be persisted by default")

	// A second run in the same page gets its own, fresh result.
	result = b.PlaygroundQuery("{\n  __typename\n}", nil)
	assert.Contains(t, result, `"__typename": "Query"`)
	assert.Len(t, stub.authorizations(), 2)

	// Opting in to "Persist headers" in GraphiQL's settings keeps the token across
	// reloads. The dialog also exercises the CSP: it injects a <style> element.
	var opted bool
	b.Eval(`(async () => {
		document.querySelector('button[aria-label="Open settings dialog"]').click();
		// Polls, bounded by browsertest.Timeout around Eval, not by a guess of how fast the
		// page renders: a busy machine only makes it wait longer.
		while (!document.getElementById('enable-persist-headers')) {
			await new Promise((r) => setTimeout(r, 20));
		}
		document.getElementById('enable-persist-headers').click();
		while (window.localStorage.getItem('graphiql:shouldPersistHeaders') !== 'true') {
			await new Promise((r) => setTimeout(r, 20));
		}
		return true;
	})()`, &opted)
	require.True(t, opted, "the settings dialog offers Persist headers")
	b.OpenPlayground(srv.URL + "/")
	var headers string
	b.Eval(`document.querySelectorAll('section.graphiql-editor-tool .graphiql-editor')[1]
		.querySelector('.CodeMirror').CodeMirror.getValue()`, &headers)
	assert.Contains(t, headers, "test-cognito-token", "opted-in headers survive a reload")
	assert.Empty(t, b.ConsoleErrors(), "console errors after opening the settings dialog")
}

// TestBrowserRunsQueryWithoutIntrospection checks GraphiQL still runs queries when the
// server refuses introspection, through the one-call helper the app's tests use.
func TestBrowserRunsQueryWithoutIntrospection(t *testing.T) {
	srv := newServer(t, &stubGraphQL{failIntrospection: true})
	result := browsertest.RunPlaygroundQuery(t, srv.URL+"/", "{ __typename }", nil)
	require.Contains(t, result, `"__typename": "Query"`)
	require.NotContains(t, result, "introspection is disabled")
}

// TestBrowserDefaultTab: on a first visit the page opens on Options.DefaultQuery with
// DefaultVariables in the Variables pane; once the developer has edited the tab, a reload
// keeps their variables instead of resetting them to the defaults.
func TestBrowserDefaultTab(t *testing.T) {
	const query = "# Try this\nquery Hello($who: String) { __typename }\n"
	const vars = "{\n  \"who\": \"world\"\n}"
	mux := http.NewServeMux()
	mux.Handle("/graphql", &stubGraphQL{})
	mux.Handle("/", playground.Handler(playground.Options{DefaultQuery: query, DefaultVariables: vars}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := browsertest.NewBrowser(t)
	b.OpenPlayground(srv.URL + "/")
	ed := b.Editors()
	assert.Equal(t, query, ed.Query)
	assert.JSONEq(t, vars, ed.Variables)
	assert.Empty(t, ed.Result)

	// Edit the variables, and wait past GraphiQL's 500 ms debounce of saving the tabs
	// (a page timer set after it and for longer fires after it, whatever the speed).
	const edited = `{"who": "me"}`
	var saved bool
	b.Eval(`(async () => {
		const tools = document.querySelectorAll('section.graphiql-editor-tool .graphiql-editor');
		tools[0].querySelector('.CodeMirror').CodeMirror.setValue(`+"`"+edited+"`"+`);
		await new Promise((r) => setTimeout(r, 1000));
		return (window.localStorage.getItem('graphiql:tabState') || '').includes('me');
	})()`, &saved)
	require.True(t, saved, "GraphiQL saved the edited tab")
	b.OpenPlayground(srv.URL + "/")
	ed = b.Editors()
	assert.JSONEq(t, edited, ed.Variables, "a returning visitor keeps their variables")
	assert.Equal(t, query, ed.Query)
	assert.Empty(t, b.ConsoleErrors())
}
