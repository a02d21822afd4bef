package auth_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/internal/apperr"
)

// A synthetic schema exercising every kind of rule.
const testSDL = `
type Doc @auth(rules: [{allow: owner, ownerField: "customer"}, {allow: groups, groups: ["Admin"]}]) {
  id: ID!
  customer: String
  secret: String @auth(rules: [{allow: groups, groups: ["Admin"]}])
  note: String @auth(rules: [{allow: owner, ownerField: "customer"}])
}
type Team @auth(rules: [{allow: groups, groupsField: "members"}]) { id: ID! members: [String] }
type Pub @auth(rules: [{allow: public}]) { id: ID! }
type ReadOnly @auth(rules: [{allow: public, operations: [create]}]) { id: ID! }
type Key @aws_api_key { id: ID! }
type Default { id: ID! }
type Query {
  doc: Doc @aws_cognito_user_pools
  docs: [Doc] @aws_cognito_user_pools
  ownedDoc: Doc @auth(rules: [{allow: owner, ownerField: "customer"}])
  team: Team @aws_cognito_user_pools
  pub: Pub @auth(rules: [{allow: public}])
  readOnly: ReadOnly @auth(rules: [{allow: public}])
  key: Key @aws_api_key
  def: Default
  admin: Pub @aws_cognito_user_pools(cognito_groups: ["Admin"])
  iam: Pub @aws_iam
  legacy: Pub @aws_auth(cognito_groups: ["Admin"])
}
`

type doc struct {
	ID       string
	Customer *string
	Secret   string
}

type team struct {
	ID      string
	Members []string
}

type pub struct{ ID string }

func str(s string) *string { return &s }

func loadSchema(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	dirs, err := os.ReadFile("../schema/directives.graphqls")
	require.NoError(t, err)
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: "directives", Input: string(dirs)}, &ast.Source{Name: "test", Input: sdl})
	if gerr != nil {
		t.Fatal(gerr)
	}
	return s
}

var (
	anon     = auth.Principal{}
	alice    = auth.Principal{Mode: auth.ModeUserPools, Sub: "alice", Username: "alice"}
	bob      = auth.Principal{Mode: auth.ModeUserPools, Sub: "bob", Username: "bob", Groups: []string{"team-1"}}
	admin    = auth.Principal{Mode: auth.ModeUserPools, Sub: "root", Groups: []string{"Admin"}}
	apiKey   = auth.Principal{Mode: auth.ModeAPIKey}
	everyone = map[string]auth.Principal{"anonymous": anon, "alice": alice, "bob": bob, "admin": admin, "apiKey": apiKey}
)

// resolve runs the middleware for field on typ, whose parent object is parent, returning
// result; it reports whether access was granted.
func resolve(t *testing.T, pol *auth.Policy, schema *ast.Schema, p auth.Principal, typ, field string, parent, result any) bool {
	t.Helper()
	def := schema.Types[typ].Fields.ForName(field)
	require.NotNil(t, def, "%s.%s", typ, field)
	ctx := auth.WithPrincipal(context.Background(), p)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Result: parent})
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{
		Object: typ,
		Field:  graphql.CollectedField{Field: &ast.Field{Name: field, Definition: def}},
	})
	called := false
	res, err := pol.Middleware(ctx, func(context.Context) (any, error) { called = true; return result, nil })
	if err != nil {
		require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err))
		require.Equal(t, "Not Authorized to access "+field+" on type "+typ, apperr.MessageOf(err))
		require.Nil(t, res, "a denied field is null")
		return false
	}
	require.True(t, called)
	return true
}

func allowed(t *testing.T, pol *auth.Policy, schema *ast.Schema, typ, field string, parent, result any) []string {
	t.Helper()
	var out []string
	for _, name := range []string{"admin", "alice", "anonymous", "apiKey", "bob"} {
		if resolve(t, pol, schema, everyone[name], typ, field, parent, result) {
			out = append(out, name)
		}
	}
	return out
}

func TestPolicy(t *testing.T) {
	schema := loadSchema(t, testSDL)
	pol, err := auth.NewPolicy(schema)
	require.NoError(t, err)
	alicesDoc := &doc{ID: "1", Customer: str("alice"), Secret: "s"}
	bobsDoc := &doc{ID: "2", Customer: str("bob")}
	orphan := &doc{ID: "3"}

	cases := []struct {
		name          string
		typ, field    string
		parent, value any
		want          []string
	}{
		{"owner reads own doc; admin any; no one else", "Query", "doc", nil, alicesDoc, []string{"admin", "alice"}},
		{"doc without owner: admin only", "Query", "doc", nil, orphan, []string{"admin"}},
		{"a list with another's doc is denied", "Query", "docs", nil, []*doc{alicesDoc, bobsDoc}, []string{"admin"}},
		{"a list of own docs", "Query", "docs", nil, []*doc{alicesDoc}, []string{"admin", "alice"}},
		{"empty list", "Query", "docs", nil, []*doc{}, []string{"admin", "alice", "bob"}},
		{"root owner rule defers to the object", "Query", "ownedDoc", nil, alicesDoc, []string{"alice"}},
		{"field rules replace the type's: owner cannot read secret", "Doc", "secret", alicesDoc, "s", []string{"admin"}},
		{"field owner rule uses the parent object", "Doc", "note", alicesDoc, "n", []string{"alice"}},
		{"type rules cover plain fields once the object passed", "Doc", "id", alicesDoc, "1", everyoneNames()},
		{"dynamic groups", "Query", "team", nil, &team{ID: "t", Members: []string{"team-1"}}, []string{"bob"}},
		{"public", "Query", "pub", nil, &pub{}, everyoneNames()},
		{"public rule limited to create does not grant reading", "Query", "readOnly", nil, &pub{}, nil},
		{"api key", "Query", "key", nil, &pub{}, []string{"apiKey"}},
		{"default mode: signed-in users", "Query", "def", nil, &pub{}, []string{"admin", "alice", "bob"}},
		{"cognito groups", "Query", "admin", nil, &pub{}, []string{"admin"}},
		{"iam grants no one", "Query", "iam", nil, &pub{}, nil},
		{"legacy aws_auth", "Query", "legacy", nil, &pub{}, []string{"admin"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, allowed(t, pol, schema, c.typ, c.field, c.parent, c.value))
		})
	}
}

func everyoneNames() []string { return []string{"admin", "alice", "anonymous", "apiKey", "bob"} }

func TestUnprotected(t *testing.T) {
	schema := loadSchema(t, testSDL)
	require.Equal(t, []string{"Default", "Query.def"}, auth.Unprotected(schema))
}

func TestNewPolicyRejectsMalformedRules(t *testing.T) {
	for _, sdl := range []string{
		`type A @auth(rules: [{allow: owner, ownerField: "nope"}]) { id: ID } type Query { a: A @aws_api_key }`,
		`type A @auth(rules: [{allow: groups}]) { id: ID } type Query { a: A @aws_api_key }`,
		`type A @auth(rules: []) { id: ID } type Query { a: A @aws_api_key }`,
	} {
		_, err := auth.NewPolicy(loadSchema(t, sdl))
		require.Error(t, err, sdl)
	}
}

// TestPolicyChecksEverySubscriptionEvent: a subscription root field's result is its event
// stream; the policy forwards only the objects the subscriber may read (the type's rules,
// per event, per subscriber), whatever the resolver put on it, and the stream ends with
// its context.
func TestPolicyChecksEverySubscriptionEvent(t *testing.T) {
	schema := loadSchema(t, testSDL+`
type Subscription {
  onDoc: Doc @aws_cognito_user_pools
  onOwnedDoc: Doc @auth(rules: [{allow: owner, ownerField: "customer"}])
}`)
	pol, err := auth.NewPolicy(schema)
	require.NoError(t, err)
	alicesDoc := &doc{ID: "1", Customer: str("alice")}
	bobsDoc := &doc{ID: "2", Customer: str("bob")}
	orphan := &doc{ID: "3"}
	for _, field := range []string{"onDoc", "onOwnedDoc"} {
		for name, want := range map[string][]string{
			"alice": {"1"}, "bob": {"2"}, "admin": {"1", "2", "3"},
		} {
			t.Run(field+" as "+name, func(t *testing.T) {
				if field == "onOwnedDoc" && name == "admin" {
					want = []string{} // the field's own owner rule, deferred to each event, has no group
				}
				def := schema.Types["Subscription"].Fields.ForName(field)
				ctx, cancel := context.WithCancel(auth.WithPrincipal(context.Background(), everyone[name]))
				defer cancel()
				ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{
					Object: "Subscription",
					Field:  graphql.CollectedField{Field: &ast.Field{Name: field, Definition: def}},
				})
				in := make(chan *doc, 4)
				for _, d := range []*doc{alicesDoc, bobsDoc, orphan, nil} {
					in <- d
				}
				close(in)
				res, err := pol.Middleware(ctx, func(context.Context) (any, error) { return (<-chan *doc)(in), nil })
				require.NoError(t, err)
				out, ok := res.(<-chan *doc)
				require.True(t, ok, "the same channel type as the resolver's: %T", res)
				got := []string{}
				for d := range out {
					got = append(got, d.ID)
				}
				require.Equal(t, want, got)
			})
		}
	}
	t.Run("anonymous may not subscribe", func(t *testing.T) {
		require.False(t, resolve(t, pol, schema, anon, "Subscription", "onDoc", nil, (<-chan *doc)(make(chan *doc))))
	})
}

// TestAuthzDecidesOncePerOperation: within one operation the caller is fixed, so a rule that
// does not look at the object is decided once per (type, field) and remembered, whatever
// the number of objects; rules that do look at the object (owner, dynamic groups) are
// decided for every object, so remembering can never carry one customer's grant over to
// another's object.
func TestAuthzDecidesOncePerOperation(t *testing.T) {
	// openDefault lets anyone call the root field; its Default object is for signed-in users.
	schema := loadSchema(t, testSDL+`extend type Query { openDefault: Default @auth(rules: [{allow: public}]) }`)
	pol, err := auth.NewPolicy(schema)
	require.NoError(t, err)
	run := func(z *auth.Authz, typ, field string, parent, result any) bool {
		def := schema.Types[typ].Fields.ForName(field)
		ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Object: "Query", Result: parent})
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{
			Object: typ,
			Field:  graphql.CollectedField{Field: &ast.Field{Name: field, Definition: def}},
		})
		_, err := z.Middleware(ctx, func(context.Context) (any, error) { return result, nil })
		return err == nil
	}
	docs := make([]*doc, 50)
	for i := range docs {
		docs[i] = &doc{ID: string(rune('a' + i%26)), Customer: str([]string{"alice", "bob"}[i%2]), Secret: "s"}
	}

	t.Run("a static field rule: once, granted or refused", func(t *testing.T) {
		for p, want := range map[string]bool{"admin": true, "bob": false} {
			z := pol.ForOperation(everyone[p])
			var wg sync.WaitGroup
			for _, d := range docs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					assert.Equal(t, want, run(z, "Doc", "secret", d, "s"), p)
				}()
			}
			wg.Wait()
			require.Equal(t, 1, z.Evaluated(), p)
		}
	})
	t.Run("a static object rule: once for every object of the type", func(t *testing.T) {
		z := pol.ForOperation(alice)
		for range 20 {
			require.True(t, run(z, "Query", "def", nil, &pub{ID: "p"}))
		}
		require.Equal(t, 1, z.Evaluated())
		z = pol.ForOperation(anon)
		for range 20 {
			require.False(t, run(z, "Query", "openDefault", nil, &pub{ID: "p"}))
		}
		require.Equal(t, 1, z.Evaluated())
	})
	t.Run("owner rules: every object, in the same operation", func(t *testing.T) {
		z := pol.ForOperation(alice)
		for _, d := range docs {
			mine := *d.Customer == "alice"
			require.Equal(t, mine, run(z, "Doc", "note", d, "n"), "field owner rule on %s's doc", *d.Customer)
			require.Equal(t, mine, run(z, "Query", "doc", nil, d), "object owner rule on %s's doc", *d.Customer)
		}
		require.Zero(t, z.Evaluated(), "nothing object-dependent is remembered")
	})
	t.Run("dynamic groups: every object", func(t *testing.T) {
		z := pol.ForOperation(bob)
		require.True(t, run(z, "Query", "team", nil, &team{ID: "t1", Members: []string{"team-1"}}))
		require.False(t, run(z, "Query", "team", nil, &team{ID: "t2", Members: []string{"team-2"}}))
		require.True(t, run(z, "Query", "team", nil, &team{ID: "t1", Members: []string{"team-1"}}))
	})
}
