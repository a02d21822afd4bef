package resolvers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/resolvers"
)

// TestEveryTypeAndRootFieldHasAnAuthorizationRule: nothing becomes reachable by accident.
// A new object type or root field without an explicit @auth / @aws_* rule fails here
// (auth.TestUnprotected shows the check catching one), and every rule must compile.
func TestEveryTypeAndRootFieldHasAnAuthorizationRule(t *testing.T) {
	schema := resolvers.NewSchema(resolvers.Deps{}).Schema()
	require.Empty(t, auth.Unprotected(schema), "add an explicit authorization rule (see schema/directives.graphqls)")
	_, err := auth.NewPolicy(schema)
	require.NoError(t, err)
}
