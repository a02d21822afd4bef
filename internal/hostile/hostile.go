// Package hostile builds the hostile requests of issue 10 (the probe that found the holes
// the limits close), so the regression suite (app/hostile_test.go), the mixed-load
// benchmark and the acceptance probe (internal/hostile/probe) send the very same bodies.
package hostile

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Case is one hostile request and the answer the server must give.
type Case struct {
	// Name is the item number and a short description.
	Name string
	// Body is the HTTP request body (usually a GraphQL JSON request).
	Body []byte
	// Status is the expected HTTP status.
	Status int
	// Code is the expected extensions.code of the first error ("" = none expected).
	Code string
}

// Request marshals a GraphQL request body.
func Request(query string, vars map[string]any) []byte {
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// ConflictingAliases is issue item 1: n fields with one response name and different
// arguments, which the overlap rule reports pairwise (n(n-1)/2 errors).
func ConflictingAliases(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, ` a: getFlight(id:"x%d"){id}`, i)
	}
	b.WriteString(" }")
	return b.String()
}

// UnusedVariables is n declared, unused variables: one validation error each.
func UnusedVariables(n int) string {
	var b strings.Builder
	b.WriteString("query(")
	for i := range n {
		fmt.Fprintf(&b, "$v%d: Int ", i)
	}
	b.WriteString(") { __typename }")
	return b.String()
}

// RepeatedDirectives is one field with n @include directives (n-1 errors).
func RepeatedDirectives(n int) string {
	return "{ __typename" + strings.Repeat(" @include(if: true)", n) + " }"
}

// RepeatedTypename is issue item 2: __typename n times (quadratic overlap check).
func RepeatedTypename(n int) string {
	return "{" + strings.Repeat(" __typename", n) + " }"
}

// FilteredPages is issue item 3: n aliases of a filtered listFlights(limit: 1) that no
// flight matches, each of which may read ten Query and ten BatchGetItem pages.
func FilteredPages(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " f%d:listFlights(limit:1,filter:{flightNumber:{eq:-1}}){items{id}}", i)
	}
	b.WriteString(" }")
	return b.String()
}

// SignInGuesses is issue item 4: n aliased signIn guesses in one operation.
func SignInGuesses(email string, n int) string {
	var b strings.Builder
	b.WriteString("mutation {")
	for i := range n {
		fmt.Fprintf(&b, ` g%d: signIn(email: %q, password: "Guess%04d!") { idToken }`, i, email, i)
	}
	b.WriteString(" }")
	return b.String()
}

// FragmentFanOut is a document whose fragments double at each of depth levels: small to
// send, exponential once expanded.
func FragmentFanOut(depth int) string {
	var b strings.Builder
	b.WriteString("{ ...F" + fmt.Sprint(depth) + " } fragment F0 on Query { __typename }")
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i-1, i-1)
	}
	return b.String()
}

// Cases are the numbered cases that a plain POST reproduces, with the answers the
// default configuration gives (items 5, 7 and 8 need WebSockets, the playground or
// timing and are tested on their own).
func Cases() []Case {
	return []Case{
		{Name: "1 conflicting aliases x11", Body: Request(ConflictingAliases(11), nil), Status: 200, Code: "FIELD_REPEAT_LIMIT_EXCEEDED"},
		{Name: "1 conflicting aliases x1200 (34 KB)", Body: Request(ConflictingAliases(1200), nil), Status: 200, Code: "FIELD_LIMIT_EXCEEDED"},
		{Name: "1 conflicting aliases x4000 (115 KB)", Body: Request(ConflictingAliases(4000), nil), Status: 422, Code: "GRAPHQL_PARSE_FAILED"},
		{Name: "1 5,000 unused variables", Body: Request(UnusedVariables(5000), nil), Status: 422, Code: "GRAPHQL_PARSE_FAILED"},
		{Name: "1 3,000 unused variables", Body: Request(UnusedVariables(3000), nil), Status: 422, Code: "GRAPHQL_VALIDATION_FAILED"},
		{Name: "1 1,000 @include", Body: Request(RepeatedDirectives(1000), nil), Status: 422, Code: "GRAPHQL_VALIDATION_FAILED"},
		{Name: "2 __typename x6000", Body: Request(RepeatedTypename(6000), nil), Status: 200, Code: "FIELD_LIMIT_EXCEEDED"},
		{Name: "2 fragment fan-out 2^40", Body: Request(FragmentFanOut(40), nil), Status: 200, Code: "FIELD_LIMIT_EXCEEDED"},
		{Name: "3 filtered pages x50", Body: Request(FilteredPages(50), nil), Status: 200, Code: "ROOT_FIELD_LIMIT_EXCEEDED"},
		{Name: "3 filtered pages x14000 (900 KB)", Body: Request(FilteredPages(14000), nil), Status: 422, Code: "GRAPHQL_PARSE_FAILED"},
		{Name: "3 filtered pages x10 (complexity)", Body: Request(FilteredPages(10), nil), Status: 200, Code: "COMPLEXITY_LIMIT_EXCEEDED"},
		{Name: "4 50 signIn guesses", Body: Request(SignInGuesses("demo@example.com", 50), nil), Status: 200, Code: "CREDENTIAL_FIELD_LIMIT_EXCEEDED"},
		{Name: "9 oversized body", Body: Request("{ __typename }", map[string]any{"pad": strings.Repeat("x", 2<<20)}), Status: 413, Code: "REQUEST_TOO_LARGE"},
		{Name: "9 malformed JSON (1 MB)", Body: []byte(`{"query": "` + strings.Repeat("x", 1<<20-64)), Status: 400, Code: "MALFORMED_REQUEST"},
	}
}
