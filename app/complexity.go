package app

import (
	"context"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// complexityLimit refuses an operation whose complexity (gqlgen's, with the schema's
// per-field functions: README "Limits") exceeds max, as gqlgen's FixedComplexityLimit does
// and with its error, but computes it once per document when it can: an operation that
// declares no variables has only literal arguments, so its complexity is a property of its
// text. Walking the selection and calling a function per field was, for ten aliased
// getFlight fields, about a sixth of the GraphQL handler's CPU (issue 13's profiles); a
// document with variables is still computed on every request, since its limits can change.
type complexityLimit struct {
	max   int
	es    graphql.ExecutableSchema
	known graphql.Cache[int] // operation name + document → complexity, for variable-free operations
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*complexityLimit)(nil)

// maxRememberedDocument bounds the size of a remembered document, so that the memory the
// cache can hold stays small whatever clients send (gqlgen's query cache keeps its own).
const maxRememberedDocument = 8 << 10

func newComplexityLimit(max int) *complexityLimit {
	return &complexityLimit{max: max, known: lru.New[int](1000)}
}

func (*complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Operation
	if op == nil {
		return nil
	}
	cacheable := len(op.VariableDefinitions) == 0 && len(oc.RawQuery) <= maxRememberedDocument
	var key string
	n, ok := 0, false
	if cacheable {
		key = oc.RawQuery
		if oc.OperationName != "" { // one document can hold several operations
			key = oc.OperationName + "\x00" + key
		}
		n, ok = c.known.Get(ctx, key)
	}
	if !ok {
		n = complexity.Calculate(ctx, c.es, op, oc.Variables)
		if cacheable {
			c.known.Add(ctx, key, n)
		}
	}
	if n > c.max {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.max)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		return err
	}
	return nil
}
