package app_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/app"
)

// TestIntrospectionPassesDepthLimit: the exact introspection query GraphiQL 4.1.2 sends
// when the playground opens (captured from the browser into testdata) nests 15 levels,
// deeper than the default operation limit of 12. It must pass, or the playground loses its
// docs and autocompletion; and it passes however low SKYGRAPH_MAX_DEPTH is set.
func TestIntrospectionPassesDepthLimit(t *testing.T) {
	q, err := os.ReadFile("testdata/graphiql4-introspection.graphql")
	require.NoError(t, err)
	for _, maxDepth := range []int{12, 2} {
		e := embeddedEnv(t, func(c *app.Config) { c.MaxDepth = maxDepth })
		_, out := e.raw(t, string(q), nil)
		require.Nil(t, out["errors"], "max depth %d", maxDepth)
		schema := out["data"].(map[string]any)["__schema"].(map[string]any)
		require.Equal(t, "Query", schema["queryType"].(map[string]any)["name"])
		require.NotEmpty(t, schema["types"])
	}
}

// TestHostileIntrospectionIsBounded: introspection is measured against its own bound, not
// exempt. A chain of ofType (which gqlparser's MaxIntrospectionDepth rule does not count)
// is refused by the depth limit, and cyclic list nesting by that rule; neither reads the
// store.
func TestHostileIntrospectionIsBounded(t *testing.T) {
	e := embeddedEnv(t, nil)
	deep := `{ __type(name: "Flight") { ` + strings.Repeat("ofType { ", 30) + "name" + strings.Repeat(" }", 30) + " } }"
	e.calls.Reset()
	_, out := e.raw(t, deep, nil)
	require.Equal(t, "DEPTH_LIMIT_EXCEEDED", firstError(t, out)["extensions"].(map[string]any)["code"])
	require.Nil(t, out["data"])
	require.Contains(t, firstError(t, out)["message"], "introspection")

	// Through a fragment, too.
	_, out = e.raw(t, `{ __schema { types { ...T } } } fragment T on __Type { `+strings.Repeat("ofType { ", 20)+"name"+strings.Repeat(" }", 20)+" }", nil)
	require.Equal(t, "DEPTH_LIMIT_EXCEEDED", firstError(t, out)["extensions"].(map[string]any)["code"])

	cyclic := `{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }`
	_, out = e.raw(t, cyclic, nil)
	require.Contains(t, firstError(t, out)["message"], "introspection depth")
	require.Nil(t, out["data"])
	require.Equal(t, 0, e.calls.Total(), "refused before any read")

	// An ordinary operation is still held to the operation limit, even beside an
	// introspection field.
	e = embeddedEnv(t, func(c *app.Config) { c.MaxDepth = 2 })
	_, out = e.raw(t, `{ __schema { queryType { name } } listFlights(limit: 1) { items { id } } }`, nil)
	require.Equal(t, "DEPTH_LIMIT_EXCEEDED", firstError(t, out)["extensions"].(map[string]any)["code"])
}
