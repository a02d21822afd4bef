package resolvers_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/graph"
)

// TestTrivialFieldsOfPageTypesHaveNoResolver: gqlgen runs every field that has a resolver
// in a goroutine of its own, for each object of a page. Fields that only reshape the
// model (null for "", an int64 as Int) are model methods bound in gqlgen.yml instead, read
// inline. A resolver method appearing here again means gqlgen.yml lost the binding.
func TestTrivialFieldsOfPageTypesHaveNoResolver(t *testing.T) {
	for _, c := range []struct {
		resolver reflect.Type
		methods  []string
	}{
		{reflect.TypeFor[graph.UserResolver](), []string{"Email", "Username"}},
		{reflect.TypeFor[graph.WaitlistResolver](), []string{"Description", "Version"}},
		{reflect.TypeFor[graph.WaitlistEntryResolver](), []string{"Customer", "Notes", "NotifyAt", "NotifiedAt", "SeatedAt", "Version"}},
	} {
		for _, m := range c.methods {
			_, ok := c.resolver.MethodByName(m)
			require.False(t, ok, "%s.%s is a resolver: bind a model method in gqlgen.yml (fieldName)", c.resolver.Name(), m)
		}
	}
}
