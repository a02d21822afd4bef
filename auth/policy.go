package auth

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Policy is the schema's authorization, compiled once from its directives and enforced by
// Middleware on every field resolution:
//
//   - A field's own directives replace its type's (AppSync). A root field with none uses its
//     root type's, and with none there either, the default mode: a signed-in user-pool user.
//   - Every object a field returns is checked against its type's rules (Amplify @auth on
//     OBJECT, AppSync directives on the type, or the default mode), wherever it is reached
//     from: root field, nested field, connection or subscription. Owner and dynamic-group
//     rules are evaluated against that object, so no path shows a customer another's data.
//   - Rules are OR-ed; a denied field is null with an Unauthorized error, as in AppSync.
type Policy struct {
	// fields holds the rules checked before resolving: root fields, and fields with
	// directives of their own.
	fields map[string]map[string]*fieldRule
	// objects holds the rules every returned object of a type must pass.
	objects map[string]*objectRule
	roots   map[string]string // root type name → "query" | "mutation" | "subscription"
	// slots counts the fieldRules and objectRules: each has one slot in an operation's
	// decision cache (Authz.decided).
	slots int

	fieldCache sync.Map // reflect.Type + name → field index path
}

type ruleKind int

const (
	rulePublic  ruleKind = iota // anyone, anonymous included
	ruleAPIKey                  // a valid API key
	rulePrivate                 // a signed-in user-pool user
	ruleGroups                  // a signed-in member of one of groups (or of the object's groupsField)
	ruleOwner                   // a signed-in user whose identityClaim is in the object's ownerField
	ruleNever                   // modes skygraph does not have (IAM, OIDC, Lambda): grants nothing
)

type rule struct {
	kind          ruleKind
	groups        []string
	groupsField   string
	ownerField    string
	identityClaim string
	ops           map[string]bool // nil: every operation
}

// fieldRule is a field's own access, with what it costs to decide computed once: the
// operation a root field performs and the field's slot in an operation's decision cache.
type fieldRule struct {
	access   *access
	rootKind string // "" for a field of an object type
	op       string // read, create, update, delete or listen
	slot     int
}

// objectRule is the access every returned object of a type must pass.
type objectRule struct {
	access *access
	slot   int
}

// access is the set of rules that apply at one place.
type access struct {
	rules []rule
	// objectDependent: some rule needs the object (owner, dynamic groups).
	objectDependent bool
	// explicit: the rules come from directives, not from the default mode.
	explicit bool
}

var defaultAccess = &access{rules: []rule{{kind: rulePrivate}}}

// authDirectives are the directive names that carry authorization.
var authDirectives = []string{"aws_cognito_user_pools", "aws_api_key", "aws_iam", "aws_auth", "auth"}

// NewPolicy compiles the schema's authorization directives. It fails on malformed rules,
// such as an owner rule naming a field the type does not have.
func NewPolicy(schema *ast.Schema) (*Policy, error) {
	p := &Policy{
		fields:  map[string]map[string]*fieldRule{},
		objects: map[string]*objectRule{},
		roots:   map[string]string{},
	}
	for kind, def := range map[string]*ast.Definition{"query": schema.Query, "mutation": schema.Mutation, "subscription": schema.Subscription} {
		if def != nil {
			p.roots[def.Name] = kind
		}
	}
	for _, def := range sortedTypes(schema) {
		typeAccess, err := compile(def, def.Directives)
		if err != nil {
			return nil, err
		}
		rootKind, root := p.roots[def.Name]
		if !root {
			p.objects[def.Name] = &objectRule{access: typeAccess, slot: p.slots}
			p.slots++
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			fa, err := compile(def, f.Directives)
			if err != nil {
				return nil, err
			}
			switch {
			case fa.explicit:
			case root:
				fa = typeAccess
			default:
				continue // the object check already covers it
			}
			if p.fields[def.Name] == nil {
				p.fields[def.Name] = map[string]*fieldRule{}
			}
			op := "read"
			if root {
				op = operation(rootKind, f.Name)
			}
			p.fields[def.Name][f.Name] = &fieldRule{access: fa, rootKind: rootKind, op: op, slot: p.slots}
			p.slots++
		}
	}
	return p, nil
}

func sortedTypes(schema *ast.Schema) []*ast.Definition {
	var out []*ast.Definition
	for _, def := range schema.Types {
		if def.Kind == ast.Object && !def.BuiltIn && !strings.HasPrefix(def.Name, "__") {
			out = append(out, def)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// compile turns the auth directives of one type or field into rules; with none, it returns
// the default mode.
func compile(owner *ast.Definition, dirs ast.DirectiveList) (*access, error) {
	a := &access{}
	for _, d := range dirs {
		if !slices.Contains(authDirectives, d.Name) {
			continue
		}
		a.explicit = true
		switch d.Name {
		case "aws_cognito_user_pools", "aws_auth":
			groups, err := stringList(d.Arguments.ForName("cognito_groups"))
			if err != nil {
				return nil, fmt.Errorf("%s @%s: %w", owner.Name, d.Name, err)
			}
			if len(groups) == 0 {
				a.rules = append(a.rules, rule{kind: rulePrivate})
			} else {
				a.rules = append(a.rules, rule{kind: ruleGroups, groups: groups})
			}
		case "aws_api_key":
			a.rules = append(a.rules, rule{kind: ruleAPIKey})
		case "aws_iam":
			a.rules = append(a.rules, rule{kind: ruleNever})
		case "auth":
			rs, err := amplifyRules(owner, d)
			if err != nil {
				return nil, err
			}
			a.rules = append(a.rules, rs...)
		}
	}
	if !a.explicit {
		return defaultAccess, nil
	}
	for _, r := range a.rules {
		if r.kind == ruleOwner || r.groupsField != "" {
			a.objectDependent = true
		}
	}
	return a, nil
}

func amplifyRules(owner *ast.Definition, d *ast.Directive) ([]rule, error) {
	arg := d.Arguments.ForName("rules")
	if arg == nil {
		return nil, fmt.Errorf("%s @auth: rules are required", owner.Name)
	}
	raw, err := arg.Value.Value(nil)
	if err != nil {
		return nil, fmt.Errorf("%s @auth: %w", owner.Name, err)
	}
	list, _ := raw.([]any)
	var out []rule
	for _, item := range list {
		m, _ := item.(map[string]any)
		str := func(k string) string { s, _ := m[k].(string); return s }
		r := rule{}
		if ops, ok := m["operations"].([]any); ok {
			r.ops = map[string]bool{}
			for _, o := range ops {
				s, _ := o.(string)
				r.ops[s] = true
			}
		}
		provider := str("provider")
		switch str("allow") {
		case "public":
			switch provider {
			case "", "apiKey":
				r.kind = rulePublic
				if provider == "apiKey" {
					r.kind = ruleAPIKey
				}
			default:
				r.kind = ruleNever
			}
		case "private":
			r.kind = rulePrivate
			if provider != "" && provider != "userPools" {
				r.kind = ruleNever
			}
		case "groups":
			r.kind = ruleGroups
			r.groupsField = str("groupsField")
			r.groups = asList(m["groups"])
			if len(r.groups) == 0 && r.groupsField == "" {
				return nil, fmt.Errorf("%s @auth: a groups rule needs groups or groupsField", owner.Name)
			}
		case "owner":
			r.kind = ruleOwner
			r.ownerField = str("ownerField")
			if r.ownerField == "" {
				r.ownerField = "owner"
			}
			r.identityClaim = str("identityClaim")
			if r.identityClaim == "" {
				// Owner fields store the Cognito sub (Amplify's default is "sub::username").
				r.identityClaim = "sub"
			}
		default: // custom (Lambda authorizers) is not supported: it grants nothing.
			r.kind = ruleNever
		}
		for _, f := range []string{r.ownerField, r.groupsField} {
			if f != "" && owner.Fields.ForName(f) == nil && owner.Kind == ast.Object && !isRoot(owner) {
				return nil, fmt.Errorf("%s @auth: field %q does not exist", owner.Name, f)
			}
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s @auth: no rules", owner.Name)
	}
	return out, nil
}

func isRoot(def *ast.Definition) bool {
	return def.Name == "Query" || def.Name == "Mutation" || def.Name == "Subscription"
}

func asList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func stringList(arg *ast.Argument) ([]string, error) {
	if arg == nil {
		return nil, nil
	}
	v, err := arg.Value.Value(nil)
	if err != nil {
		return nil, err
	}
	return asList(v), nil
}

// operation names what a root field does, for rules limited to some operations.
func operation(rootKind, field string) string {
	switch rootKind {
	case "mutation":
		for _, op := range []string{"create", "update", "delete"} {
			if strings.HasPrefix(field, op) {
				return op
			}
		}
		return "create"
	case "subscription":
		return "listen"
	default:
		return "read"
	}
}

func (r rule) grantsOp(op string) bool {
	if r.ops == nil {
		return true
	}
	switch op {
	case "read":
		return r.ops["read"] || r.ops["get"] || r.ops["list"]
	case "listen":
		return r.ops["read"] || r.ops["listen"]
	}
	return r.ops[op]
}

// allowsWithout reports whether a rule that needs no object grants p.
func (r rule) allowsWithout(p Principal) bool {
	switch r.kind {
	case rulePublic:
		return true
	case ruleAPIKey:
		return p.Mode == ModeAPIKey
	case rulePrivate:
		return p.SignedIn()
	case ruleGroups:
		return len(r.groups) > 0 && p.InAnyGroup(r.groups)
	}
	return false
}

// allows reports whether the rules grant p the operation on obj (nil when there is no
// object, e.g. a root field: then object-dependent rules are decided by the object check).
func (a *access) allows(pol *Policy, p Principal, op string, obj any) bool {
	for _, r := range a.rules {
		if !r.grantsOp(op) {
			continue
		}
		if r.allowsWithout(p) {
			return true
		}
		if obj == nil || !p.SignedIn() {
			continue
		}
		switch {
		case r.kind == ruleOwner:
			claim, ok := p.Claim(r.identityClaim)
			if r.identityClaim == "sub::username" {
				claim, ok = p.Sub+"::"+p.Username, p.Sub != ""
			}
			if ok && slices.Contains(pol.stringsOf(obj, r.ownerField), claim) {
				return true
			}
		case r.kind == ruleGroups && r.groupsField != "":
			if p.InAnyGroup(pol.stringsOf(obj, r.groupsField)) {
				return true
			}
		}
	}
	return false
}

// deferred reports whether a root field may proceed because an object-dependent rule could
// still grant the objects it returns (the object check then decides).
func (a *access) deferred(p Principal, op string) bool {
	for _, r := range a.rules {
		if r.grantsOp(op) && p.SignedIn() && (r.kind == ruleOwner || r.groupsField != "") {
			return true
		}
	}
	return false
}

func denied(field, typ string) error {
	return apperr.New(apperr.Unauthorized, "Not Authorized to access %s on type %s", field, typ)
}

// Middleware is the policy as a gqlgen field middleware on its own, reading the caller from
// each field's context. The server does not use it: it decides through one Authz per
// operation (ForOperation), which remembers the decisions that do not depend on the object.
func (p *Policy) Middleware(ctx context.Context, next graphql.Resolver) (any, error) {
	return p.ForOperation(FromContext(ctx)).Middleware(ctx, next)
}

// Authz is the Policy applied to one operation's caller. The caller cannot change during an
// operation, so a rule that does not depend on the object (public, API key, signed-in,
// static groups) is decided once per (type, field) and remembered for the rest of the
// operation: a page of 50 bookings, each with its flight, decides "may read a Flight" once,
// not 50 times. Owner and dynamic-group rules are evaluated on every object. An Authz is
// safe for the concurrent field resolutions of its operation.
type Authz struct {
	p  *Policy
	pr Principal
	// decided caches, by rule slot, 0 (not yet decided), allowed or denied.
	decided []atomic.Uint32
	// evaluated counts the decisions made rather than remembered (tests assert "once").
	evaluated atomic.Int32
}

const (
	undecided uint32 = iota
	allowed
	refused
)

// ForOperation returns the policy applied to the caller of one operation.
func (p *Policy) ForOperation(pr Principal) *Authz {
	return &Authz{p: p, pr: pr, decided: make([]atomic.Uint32, p.slots)}
}

// Ruled reports whether a rule applies to the field of fc: a rule of the field's own (every
// root field has one) or one on the type of object it returns. A field for which it is false
// is granted without a look: its object's check already covered it.
func (z *Authz) Ruled(fc *graphql.FieldContext) bool {
	if fc == nil || fc.Field.Field == nil {
		return false
	}
	if _, ok := z.p.fields[fc.Object][fc.Field.Name]; ok {
		return true
	}
	return fc.Field.Definition != nil && z.p.objects[fc.Field.Definition.Type.Name()] != nil
}

// decide answers an object-independent access for the operation's caller, once per slot.
func (z *Authz) decide(slot int, a *access, op string) bool {
	switch z.decided[slot].Load() {
	case allowed:
		return true
	case refused:
		return false
	}
	z.evaluated.Add(1)
	ok := a.allows(z.p, z.pr, op, nil)
	if ok {
		z.decided[slot].Store(allowed)
	} else {
		z.decided[slot].Store(refused)
	}
	return ok
}

// Middleware enforces the policy on one field resolution (a gqlgen field middleware).
func (z *Authz) Middleware(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || strings.HasPrefix(fc.Field.Name, "__") || strings.HasPrefix(fc.Object, "__") {
		return next(ctx)
	}
	p, pr := z.p, z.pr
	fr := p.fields[fc.Object][fc.Field.Name]
	var or *objectRule
	if fc.Field.Definition != nil {
		or = p.objects[fc.Field.Definition.Type.Name()]
	}
	if fr == nil && or == nil {
		// A field with no rule of its own returning a scalar or enum (most fields): its
		// object's check already covered it.
		return next(ctx)
	}
	isRootField := fr != nil && fr.rootKind != ""
	op := "read"
	if fr != nil {
		op = fr.op
	}
	// deferredRules are a root field's object-dependent rules (owner, dynamic groups): they
	// can only be decided on the objects it returns, and must then hold for each of them.
	var deferredRules *access
	if fr != nil {
		var ok bool
		switch {
		case isRootField:
			ok = fr.access.allows(p, pr, op, nil)
			if !ok && fr.access.deferred(pr, op) {
				ok, deferredRules = true, fr.access
			}
		case fr.access.objectDependent:
			var parent any
			if fc.Parent != nil {
				parent = fc.Parent.Result
			}
			ok = fr.access.allows(p, pr, op, parent)
		default:
			ok = z.decide(fr.slot, fr.access, op)
		}
		if !ok {
			return nil, denied(fc.Field.Name, fc.Object)
		}
	}
	res, err := next(ctx)
	if err != nil || res == nil || fc.Field.Definition == nil {
		return res, err
	}
	if isRootField && fr.rootKind == "subscription" {
		// The result is the event stream: every object on it is checked as it arrives,
		// for this subscriber, as a query's result would be.
		return p.guardStream(ctx, pr, fc.Field.Definition.Type.Name(), deferredRules, op, res), nil
	}
	if deferredRules != nil {
		for _, obj := range objectsOf(res) {
			if !deferredRules.allows(p, pr, op, obj) {
				return nil, denied(fc.Field.Name, fc.Object)
			}
		}
	}
	if or == nil {
		return res, nil // a scalar or enum
	}
	if !or.access.objectDependent {
		if !z.decide(or.slot, or.access, "read") {
			return nil, denied(fc.Field.Name, fc.Object)
		}
		return res, nil
	}
	for _, obj := range objectsOf(res) {
		if !or.access.allows(p, pr, "read", obj) {
			return nil, denied(fc.Field.Name, fc.Object)
		}
	}
	return res, nil
}

// guardStream returns a channel of the same type as res (a subscription resolver's
// <-chan *T) that forwards only the objects pr may read: the type's object rules and the
// root field's deferred owner rules, evaluated per event. A denied object is dropped
// silently: the subscriber learns nothing of it. It stops when ctx ends or res closes.
func (p *Policy) guardStream(ctx context.Context, pr Principal, typ string, deferredRules *access, op string, res any) any {
	in := reflect.ValueOf(res)
	if in.Kind() != reflect.Chan {
		return res
	}
	var oa *access
	if or := p.objects[typ]; or != nil {
		oa = or.access
	}
	readable := func(obj any) bool {
		if deferredRules != nil && !deferredRules.allows(p, pr, op, obj) {
			return false
		}
		return oa == nil || oa.allows(p, pr, "read", obj)
	}
	out := reflect.MakeChan(reflect.ChanOf(reflect.BothDir, in.Type().Elem()), 0)
	done := reflect.ValueOf(ctx.Done())
	go func() {
		defer out.Close()
		recv := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: in}, {Dir: reflect.SelectRecv, Chan: done}}
		for {
			chosen, v, ok := reflect.Select(recv)
			if chosen == 1 || !ok {
				return
			}
			if v.Kind() == reflect.Pointer && v.IsNil() {
				continue
			}
			if !readable(v.Interface()) {
				continue
			}
			send := []reflect.SelectCase{{Dir: reflect.SelectSend, Chan: out, Send: v}, {Dir: reflect.SelectRecv, Chan: done}}
			if chosen, _, _ := reflect.Select(send); chosen == 1 {
				return
			}
		}
	}()
	return out.Convert(in.Type()).Interface()
}

// objectsOf flattens a resolver result (pointer, slice of pointers, …) into its objects.
func objectsOf(res any) []any {
	v := reflect.ValueOf(res)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
		var out []any
		for i := range v.Len() {
			out = append(out, objectsOf(v.Index(i).Interface())...)
		}
		return out
	}
	return []any{v.Interface()}
}

// stringsOf reads a field of obj by its GraphQL name (matched case-insensitively against
// the Go field names) as a list of strings: a string, *string or []string.
func (p *Policy) stringsOf(obj any, name string) []string {
	v := reflect.ValueOf(obj)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	type key struct {
		t    reflect.Type
		name string
	}
	k := key{v.Type(), name}
	idx, ok := p.fieldCache.Load(k)
	if !ok {
		i := -1
		for j := range v.NumField() {
			if strings.EqualFold(v.Type().Field(j).Name, name) {
				i = j
				break
			}
		}
		idx, _ = p.fieldCache.LoadOrStore(k, i)
	}
	if idx.(int) < 0 {
		return nil
	}
	f := v.Field(idx.(int))
	for f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return nil
		}
		f = f.Elem()
	}
	switch f.Kind() {
	case reflect.String:
		return []string{f.String()}
	case reflect.Slice:
		var out []string
		for i := range f.Len() {
			e := f.Index(i)
			for e.Kind() == reflect.Pointer && !e.IsNil() {
				e = e.Elem()
			}
			if e.Kind() == reflect.String {
				out = append(out, e.String())
			}
		}
		return out
	}
	return nil
}

// Unprotected lists the object types and root fields that have no explicit authorization
// rule (they fall back to the default mode). The schema test requires it to be empty, so
// nothing becomes reachable by accident when the schema grows.
func Unprotected(schema *ast.Schema) []string {
	var out []string
	for _, def := range sortedTypes(schema) {
		typeExplicit := hasAuth(def.Directives)
		if isRoot(def) {
			for _, f := range def.Fields {
				if !strings.HasPrefix(f.Name, "__") && !typeExplicit && !hasAuth(f.Directives) {
					out = append(out, def.Name+"."+f.Name)
				}
			}
			continue
		}
		if !typeExplicit {
			out = append(out, def.Name)
		}
	}
	return out
}

func hasAuth(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		if slices.Contains(authDirectives, d.Name) {
			return true
		}
	}
	return false
}
