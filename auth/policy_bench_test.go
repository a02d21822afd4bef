package auth_test

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/skygraph/skygraph/auth"
)

// BenchmarkPolicyPerField is the authorization cost of one field resolution, for the kinds
// of field a page is made of: an object whose type has a static rule (remembered for the
// operation by auth.Authz), the same decided afresh for every field as before issue 13
// (Policy.Middleware), an owner rule (evaluated on each object, by reflection), and a
// plain field with no rule. `make bench` runs it.
func BenchmarkPolicyPerField(b *testing.B) {
	schema := loadSchema(&testing.T{}, testSDL)
	pol, err := auth.NewPolicy(schema)
	if err != nil {
		b.Fatal(err)
	}
	fieldCtx := func(typ, field string, parent any) context.Context {
		ctx := auth.WithPrincipal(context.Background(), alice)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Result: parent})
		return graphql.WithFieldContext(ctx, &graphql.FieldContext{
			Object: typ,
			Field:  graphql.CollectedField{Field: &ast.Field{Name: field, Definition: schema.Types[typ].Fields.ForName(field)}},
		})
	}
	alicesDoc := &doc{ID: "1", Customer: str("alice")}
	cases := []struct {
		name       string
		typ, field string
		parent     any
		result     any
		perOp      bool
	}{
		{"static object rule, remembered", "Query", "def", nil, &pub{ID: "p"}, true},
		{"static object rule, decided afresh (Policy.Middleware)", "Query", "def", nil, &pub{ID: "p"}, false},
		{"owner rule on the object", "Doc", "note", alicesDoc, "n", true},
		{"plain field", "Doc", "id", alicesDoc, "1", true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := fieldCtx(c.typ, c.field, c.parent)
			next := func(context.Context) (any, error) { return c.result, nil }
			z := pol.ForOperation(alice)
			mw := z.Middleware
			if !c.perOp {
				mw = pol.Middleware
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := mw(ctx, next); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
