package app

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// introspectionMaxDepth bounds the subtree under __schema or __type, counted from that
// field. The standard introspection query (graphql-js 16's getIntrospectionQuery, which
// GraphiQL, Amplify's and Apollo's code generators send) nests 15 levels: __schema, types,
// fields, args, type and a TypeRef fragment of nine ofType levels. That is deeper than
// ordinary operations need (SKYGRAPH_MAX_DEPTH, default 12), so introspection gets its own,
// fixed bound with one level of headroom instead of the operation limit. gqlparser's
// MaxIntrospectionDepth rule already refuses nesting of the list fields (fields,
// interfaces, possibleTypes, inputFields) three deep; this bound also stops the chains it
// does not count, such as ofType { ofType { … } }.
const introspectionMaxDepth = 16

// depthLimit rejects operations nested deeper than max, before any resolver runs.
// gqlgen has a complexity limit but no depth limit (gqlgen #508); complexity alone lets a
// narrow but very deep query through. Introspection subtrees are measured separately,
// against introspectionMaxDepth, so the playground's schema query passes whatever max is.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

// ExtensionName names the extension for gqlgen.
func (depthLimit) ExtensionName() string { return "DepthLimit" }

// Validate accepts any schema.
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation's depth (through fragments, whose cycles
// the validator has already rejected) and refuses it when too deep.
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	var intro int
	depth := selectionDepth(oc.Operation.SelectionSet, 0, d.max, &intro)
	switch {
	case intro > introspectionMaxDepth:
		err := gqlerror.Errorf("introspection is nested %d levels deep; the limit is %d", intro, introspectionMaxDepth)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	case depth > d.max:
		err := gqlerror.Errorf("operation is nested %d levels deep; the limit is %d", depth, d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// selectionDepth returns the depth of set, stopping early once it exceeds limit. An
// introspection field (__schema, __type) counts as one level there; its own subtree's
// depth, counted from it, is measured against introspectionMaxDepth and the deepest is
// kept in *intro. Inside an introspection subtree intro is nil: they do not nest.
func selectionDepth(set ast.SelectionSet, depth, limit int, intro *int) int {
	if depth > limit {
		return depth
	}
	best := depth
	for _, s := range set {
		var d int
		switch s := s.(type) {
		case *ast.Field:
			switch {
			case intro != nil && (s.Name == "__schema" || s.Name == "__type"):
				*intro = max(*intro, selectionDepth(s.SelectionSet, 1, introspectionMaxDepth, nil))
				d = depth + 1
			case len(s.SelectionSet) == 0:
				d = depth + 1
			default:
				d = selectionDepth(s.SelectionSet, depth+1, limit, intro)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, limit, intro)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, depth, limit, intro)
			}
		}
		best = max(best, d)
	}
	return best
}
