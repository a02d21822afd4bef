package app

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// The extensions.code (and errorType) of each refusal by documentLimits. They are part of
// the API: the README's "Limits" section lists them.
const (
	codeFieldLimit         = "FIELD_LIMIT_EXCEEDED"
	codeFieldRepeatLimit   = "FIELD_REPEAT_LIMIT_EXCEEDED"
	codeAliasLimit         = "ALIAS_LIMIT_EXCEEDED"
	codeRootFieldLimit     = "ROOT_FIELD_LIMIT_EXCEEDED"
	codeCredentialLimit    = "CREDENTIAL_FIELD_LIMIT_EXCEEDED"
	codeIntrospectionOff   = "INTROSPECTION_DISABLED"
	codeTooManyErrors      = "TOO_MANY_ERRORS"
	codeWebSocketSubsLimit = "SUBSCRIPTION_LIMIT_EXCEEDED"
)

// credentialFields are the root fields that check or issue credentials. An operation may
// hold at most one, so one request is one password (or code) guess: aliases must not batch
// guesses past the identity provider's throttling. Future password-reset fields belong here.
var credentialFields = map[string]bool{
	"signIn": true, "signUp": true, "confirmSignUp": true, "refreshSession": true,
	"forgotPassword": true, "confirmForgotPassword": true, "changePassword": true,
	"resendConfirmationCode": true,
}

// documentLimits bounds what a document may cost before gqlgen validates it. gqlgen
// parses and validates in one step, and validation is where the cost hides: the
// OverlappingFieldsCanBeMerged rule compares every pair of fields that share a response
// name (quadratic time, and one error per conflicting pair: 34 KB of aliases made 1.8 GB
// of errors), and complexity and depth run only after it. So this extension, which runs
// first (gqlgen's OperationParameterMutator), parses the document itself under the token
// limit (linear) and refuses it when, with every fragment expanded:
//
//   - it has more than maxFields field selections (fragment fan-out included);
//   - more than maxRepeats fields merge into one response key (what keeps the overlap
//     check linear: it compares only fields of one key);
//   - an operation has more than maxAliases aliases or maxRootFields root fields, or
//     more than one credential field;
//   - it asks for __schema or __type while introspection is off (a client error, not the
//     Internal "introspection disabled" that gqlgen's resolver would raise).
//
// A document it cannot parse passes through: gqlgen reports the same parse error.
type documentLimits struct {
	maxTokens     int
	maxFields     int
	maxRepeats    int
	maxAliases    int
	maxRootFields int
	introspection bool
	// accepted remembers documents already checked, as gqlgen's query cache does for
	// validated ones, so a repeated query is parsed once.
	accepted graphql.Cache[bool]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*documentLimits)(nil)

func newDocumentLimits(cfg Config) *documentLimits {
	return &documentLimits{
		maxTokens: cfg.MaxTokens, maxFields: cfg.MaxFields, maxRepeats: cfg.MaxFieldRepeats,
		maxAliases: cfg.MaxAliases, maxRootFields: cfg.MaxRootFields, introspection: cfg.Introspection,
		accepted: lru.New[bool](1000),
	}
}

// ExtensionName names the extension for gqlgen.
func (*documentLimits) ExtensionName() string { return "DocumentLimits" }

// Validate accepts any schema.
func (*documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters checks the raw document (after persisted-query lookup).
func (d *documentLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	if _, ok := d.accepted.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, d.maxTokens)
	if err != nil {
		return nil // gqlgen parses again and reports it
	}
	if gerr := d.check(doc); gerr != nil {
		return gerr
	}
	d.accepted.Add(ctx, p.Query, true)
	return nil
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": code}
	return err
}

// saturated is the ceiling of the expanded field count: fragment fan-out grows it
// exponentially, so additions saturate instead of overflowing.
const saturated = 1 << 40

func satAdd(a, b int) int { return min(a+b, saturated) }

// check applies the limits to a parsed document.
func (d *documentLimits) check(doc *ast.QueryDocument) *gqlerror.Error {
	frags := map[string]*ast.FragmentDefinition{}
	for _, f := range doc.Fragments {
		frags[f.Name] = f
	}
	// 1. The expanded size, memoized per fragment (linear in the document).
	memo := map[string]int{}
	var size func(ast.SelectionSet) int
	fragSize := func(name string) int {
		if n, ok := memo[name]; ok {
			return n
		}
		f := frags[name]
		if f == nil {
			return 0
		}
		memo[name] = 0 // a cycle counts nothing here; the validator rejects it
		n := size(f.SelectionSet)
		memo[name] = n
		return n
	}
	size = func(set ast.SelectionSet) int {
		n := 0
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				n = satAdd(n, satAdd(1, size(s.SelectionSet)))
			case *ast.InlineFragment:
				n = satAdd(n, size(s.SelectionSet))
			case *ast.FragmentSpread:
				n = satAdd(n, fragSize(s.Name))
			}
		}
		return n
	}
	total := 0
	for _, op := range doc.Operations {
		total = satAdd(total, size(op.SelectionSet))
	}
	for _, f := range doc.Fragments {
		total = satAdd(total, fragSize(f.Name))
	}
	if total > d.maxFields {
		if total >= saturated {
			return limitError(codeFieldLimit, "the document selects too many fields (fragments expanded); the limit is %d", d.maxFields)
		}
		return limitError(codeFieldLimit, "the document selects %d fields (fragments expanded); the limit is %d", total, d.maxFields)
	}

	// 2. An expanded walk (at most maxFields field visits) over every operation and every
	// fragment, the roots the validator checks.
	w := &walker{frags: frags}
	for _, op := range doc.Operations {
		w.reset()
		if gerr := w.walk(op.SelectionSet, 0, 0, d.maxRepeats); gerr != nil {
			return gerr
		}
		name := op.Name
		if name == "" {
			name = "(anonymous)"
		}
		switch {
		case len(w.stats.credentials) > 1:
			return limitError(codeCredentialLimit, "operation %s calls %d credential fields; an operation may call at most one of signIn, signUp, confirmSignUp and refreshSession",
				name, len(w.stats.credentials))
		case w.stats.introspection && !d.introspection:
			return limitError(codeIntrospectionOff, "GraphQL introspection is not allowed on this API")
		case w.stats.aliases > d.maxAliases:
			return limitError(codeAliasLimit, "operation %s has %d aliases; the limit is %d", name, w.stats.aliases, d.maxAliases)
		case w.stats.rootFields > d.maxRootFields:
			return limitError(codeRootFieldLimit, "operation %s has %d root fields; the limit is %d", name, w.stats.rootFields, d.maxRootFields)
		}
	}
	for _, f := range doc.Fragments {
		w.reset()
		if gerr := w.walk(f.SelectionSet, 0, 1, d.maxRepeats); gerr != nil {
			return gerr
		}
		if w.stats.introspection && !d.introspection {
			return limitError(codeIntrospectionOff, "GraphQL introspection is not allowed on this API")
		}
	}
	return nil
}

// pathKey names one response key: the key of its parent selection and a response name.
type pathKey struct {
	parent int
	name   string
}

type opStats struct {
	aliases, rootFields int
	credentials         []string // credential root fields, in order
	introspection       bool
}

type walker struct {
	frags  map[string]*ast.FragmentDefinition
	keys   map[pathKey]int // response key → its id
	counts map[int]int     // response key id → fields merged into it
	stack  []string        // fragments being expanded (cycle guard)
	stats  opStats
}

// reset starts a new root: response keys of different roots never merge.
func (w *walker) reset() {
	w.keys, w.counts, w.stats = map[pathKey]int{}, map[int]int{}, opStats{}
}

func (w *walker) id(k pathKey) int {
	if id, ok := w.keys[k]; ok {
		return id
	}
	id := len(w.keys) + 1
	w.keys[k] = id
	return id
}

// walk visits set, whose response key is parent, at the given depth (0: root fields of an
// operation).
func (w *walker) walk(set ast.SelectionSet, parent, depth, maxRepeats int) *gqlerror.Error {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			if s.Alias != "" && s.Alias != s.Name {
				w.stats.aliases++
			}
			if depth == 0 {
				w.stats.rootFields++
				if credentialFields[s.Name] {
					w.stats.credentials = append(w.stats.credentials, s.Name)
				}
			}
			if s.Name == "__schema" || s.Name == "__type" {
				w.stats.introspection = true
			}
			id := w.id(pathKey{parent, name})
			w.counts[id]++
			if w.counts[id] > maxRepeats {
				return limitError(codeFieldRepeatLimit, "more than %d fields merge into the response key %q; the limit is %d", maxRepeats, name, maxRepeats)
			}
			if err := w.walk(s.SelectionSet, id, depth+1, maxRepeats); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := w.walk(s.SelectionSet, parent, depth, maxRepeats); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			f := w.frags[s.Name]
			if f == nil || containsString(w.stack, s.Name) {
				continue
			}
			w.stack = append(w.stack, s.Name)
			err := w.walk(f.SelectionSet, parent, depth, maxRepeats)
			w.stack = w.stack[:len(w.stack)-1]
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// responseLimits caps the errors of one response (graphql-js stops validating at 100) and,
// when introspection is off, strips the validator's "Did you mean …?" hints, which would
// otherwise spell out the schema that introspection hides. gqlgen's SetDisableSuggestion
// covers only two of the rules that suggest.
type responseLimits struct {
	maxErrors     int
	introspection bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = responseLimits{}

// ExtensionName names the extension for gqlgen.
func (responseLimits) ExtensionName() string { return "ResponseLimits" }

// Validate accepts any schema.
func (responseLimits) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse trims the response's errors.
func (r responseLimits) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if len(resp.Errors) > r.maxErrors {
		extra := len(resp.Errors) - r.maxErrors
		resp.Errors = append(resp.Errors[:r.maxErrors:r.maxErrors],
			tooManyErrors(extra, r.maxErrors))
	}
	if !r.introspection {
		for _, e := range resp.Errors {
			if i := strings.Index(e.Message, " Did you mean "); i >= 0 {
				e.Message = e.Message[:i]
			}
		}
	}
	return resp
}

func tooManyErrors(omitted, limit int) *gqlerror.Error {
	err := gqlerror.Errorf("too many errors: %d more omitted; the limit is %d per response", omitted, limit)
	err.Extensions = map[string]any{"code": codeTooManyErrors, "errorType": codeTooManyErrors}
	return err
}
