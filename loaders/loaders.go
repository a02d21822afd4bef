// Package loaders holds the per-operation loaders: a cache by id, and batched reads decided
// by looking ahead in the query, never by waiting.
//
// Every nested object field (Booking.outboundFlight, …) and every root field that reads
// by id goes through a loader, so a response with N flights costs one BatchGetItem, not N
// GetItems, and an id asked twice in one operation is read once. Loaders are built fresh
// for each operation (their cache must never outlive a request, or one user could see
// another's stale data) by the server's AroundOperations hook.
//
// # Why look-ahead, not a batch window
//
// A classic dataloader (graph-gophers/dataloader, which this package used before) collects
// the keys that sibling resolvers ask for during a fixed wait (it was 500 µs) and then
// reads them in one batch. gqlgen resolves sibling fields and list elements on goroutines
// of their own, so whether they all ask within the window depends on how fast the machine
// schedules them: on a busy CI machine a page of bookings cost two or more BatchGetItems,
// and every request paid the wait even when nothing else was coming.
//
// Here the batch is decided from the query instead, before the sibling resolvers run:
//
//   - When a field resolves to an object or a list of objects (a page's items, a booking),
//     Lookahead (a field middleware) reads the field's sub-selection. For each sub-field
//     that a Rule names (Booking.outboundFlight), it takes the keys from the objects just
//     resolved (booking.FlightID) and starts ONE batch for all of them.
//   - Root fields (Query.getFlight, aliased any number of times) are read the same way
//     from the operation and its variables by PrefetchRoot, before any root resolver runs.
//
// The resolvers then find their key in flight or done and wait only for that batch. What is
// batched depends only on the query and the data, so call counts are deterministic on any
// machine, and no request waits for a timer: a lone load is read at once. The cost is a
// Rule per loader-backed field, next to its resolver (resolvers.Prefetch); a field without
// one is still correct, only read one key at a time. A batch can read an object whose field
// the authorization policy later refuses; it is then read but never returned.
package loaders

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/internal/apperr"
)

// FlightSource is the batch read behind FlightByID (flight.Service implements it).
type FlightSource interface {
	GetMany(ctx context.Context, ids []string) (map[string]*flight.Flight, error)
}

// batchCapacity caps the keys of one GetMany call; a larger look-ahead is split into
// several calls, run in parallel.
const batchCapacity = 500

// Loaders are one operation's loaders.
type Loaders struct {
	flights   *loader[*flight.Flight]
	waitlists waitlistLoaders
	// The commerce loaders (commerce.go), set by WithCommerce.
	products *loader[*product.Product]
	users    *loader[*user.User]
	orders   *loader[*order.Order]
}

// New returns fresh loaders over the given sources.
func New(flights FlightSource) *Loaders {
	return &Loaders{flights: newLoader(func(ctx context.Context, ids []string) (map[string]*flight.Flight, error) {
		return flights.GetMany(ctx, ids)
	}, "flight")}
}

// Wait returns once every batch this operation started has finished, so none outlives
// the request (and, in tests, none touches a store that is being torn down).
func (l *Loaders) Wait() {
	l.flights.batches.Wait()
	if l.products != nil {
		l.products.batches.Wait()
	}
	if l.users != nil {
		l.users.batches.Wait()
	}
	if l.orders != nil {
		l.orders.batches.Wait()
	}
	if l.waitlists.lists != nil {
		l.waitlists.lists.batches.Wait()
	}
	if l.waitlists.inLine != nil {
		l.waitlists.inLine.batches.Wait()
	}
}

// loader is a cache of one kind of object by id, filled by batches.
type loader[V any] struct {
	get     func(ctx context.Context, ids []string) (map[string]V, error)
	what    string // "flight", for the NotFound message
	mu      sync.Mutex
	entries map[string]*entry[V]
	batches sync.WaitGroup
}

// entry is one id: done is closed once val or err is set.
type entry[V any] struct {
	done chan struct{}
	val  V
	err  error
}

func newLoader[V any](get func(ctx context.Context, ids []string) (map[string]V, error), what string) *loader[V] {
	return &loader[V]{get: get, what: what, entries: map[string]*entry[V]{}}
}

// claim returns the entry of each id, creating those not seen yet; fresh holds the ids
// whose entries were created and those entries, which the caller must fill (batch).
func (l *loader[V]) claim(ids []string) (entries []*entry[V], fresh claimed[V]) {
	l.mu.Lock()
	defer l.mu.Unlock()
	entries = make([]*entry[V], len(ids))
	for i, id := range ids {
		e, ok := l.entries[id]
		if !ok {
			e = &entry[V]{done: make(chan struct{})}
			l.entries[id] = e
			fresh.ids = append(fresh.ids, id)
			fresh.entries = append(fresh.entries, e)
		}
		entries[i] = e
	}
	return entries, fresh
}

// claimOne is claim for a single id (load, once per resolver): no slices are allocated,
// and an id already claimed costs no allocation at all. fresh reports that the caller
// must fill e (batch).
func (l *loader[V]) claimOne(id string) (e *entry[V], fresh bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.entries[id]; ok {
		return e, false
	}
	e = &entry[V]{done: make(chan struct{})}
	l.entries[id] = e
	return e, true
}

// claimed are ids and their new entries, which one batch must fill.
type claimed[V any] struct {
	ids     []string
	entries []*entry[V]
}

// batch reads c's ids and fills their entries, whatever happens: a waiter never hangs on
// an entry, even if the read panics.
func (l *loader[V]) batch(ctx context.Context, c claimed[V]) {
	var found map[string]V // a nil map reads as empty when get panics
	var err error
	defer func() {
		if r := recover(); r != nil {
			err = apperr.Errorf("loaders: %s batch panicked: %v", l.what, r)
		}
		for i, id := range c.ids {
			e := c.entries[i]
			switch v, ok := found[id]; {
			case err != nil:
				e.err = err
			case !ok:
				e.err = apperr.New(apperr.NotFound, "%s %s not found", l.what, id)
			default:
				e.val = v
			}
			close(e.done)
		}
	}()
	found, err = l.get(ctx, c.ids)
}

// prefetch starts reading the ids not seen yet, in batches of at most batchCapacity, and
// returns at once; load waits for them.
func (l *loader[V]) prefetch(ctx context.Context, ids []string) {
	_, fresh := l.claim(ids)
	for len(fresh.ids) > 0 {
		n := min(len(fresh.ids), batchCapacity)
		chunk := claimed[V]{ids: fresh.ids[:n:n], entries: fresh.entries[:n:n]}
		fresh.ids, fresh.entries = fresh.ids[n:], fresh.entries[n:]
		l.batches.Add(1)
		go func() {
			defer l.batches.Done()
			l.batch(ctx, chunk)
		}()
	}
}

// load returns id's object: from the cache, from a batch in flight, or read at once.
func (l *loader[V]) load(ctx context.Context, id string) (V, error) {
	e, fresh := l.claimOne(id)
	if fresh {
		l.batch(ctx, claimed[V]{ids: []string{id}, entries: []*entry[V]{e}})
	}
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		var zero V
		return zero, context.Cause(ctx)
	}
}

// prime stores v as id's object, replacing what the cache held.
func (l *loader[V]) prime(id string, v V) {
	e := &entry[V]{done: make(chan struct{}), val: v}
	close(e.done)
	l.mu.Lock()
	l.entries[id] = e
	l.mu.Unlock()
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders on ctx. Missing loaders are a wiring bug, reported as an
// Internal error by the callers rather than a panic.
func For(ctx context.Context) (*Loaders, error) {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		return nil, apperr.Errorf("loaders: none on the context (missing AroundOperations hook)")
	}
	return l, nil
}

// Flight loads one flight by id through the operation's loader (NotFound if missing).
func Flight(ctx context.Context, id string) (*flight.Flight, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	return l.flights.load(ctx, id)
}

// PrimeFlight caches a flight the operation already has (e.g. just written), so a nested
// read of it costs nothing. An existing entry is replaced: the caller's copy is newer.
func PrimeFlight(ctx context.Context, f *flight.Flight) {
	if l, err := For(ctx); err == nil {
		l.flights.prime(f.ID, f)
	}
}

// Rule tells the look-ahead which keys a field will load: when a selection asks for
// Type.Field, Key returns the id that field's resolver will load for obj (an object of
// Type just resolved; nil for a root field) and the field's arguments, and Loader the
// loader it goes through. ok is false when the field loads nothing for this object.
type Rule struct {
	Type, Field string
	Key         func(obj any, args map[string]any) (id string, ok bool)
	Loader      func(*Loaders) Prefetcher
}

// Prefetcher is the part of a loader the look-ahead uses.
type Prefetcher interface {
	prefetch(ctx context.Context, ids []string)
}

// Flights selects the flight loader (for Rule.Loader).
func Flights(l *Loaders) Prefetcher { return l.flights }

// ObjectKey is a Rule.Key that reads the id from the parent object, of type T.
func ObjectKey[T any](key func(T) string) func(obj any, args map[string]any) (string, bool) {
	return func(obj any, _ map[string]any) (string, bool) {
		o, ok := obj.(T)
		if !ok {
			return "", false
		}
		id := key(o)
		return id, id != ""
	}
}

// ArgKey is a Rule.Key that reads the id from the field's argument name.
func ArgKey(name string) func(obj any, args map[string]any) (string, bool) {
	return func(_ any, args map[string]any) (string, bool) {
		id, ok := args[name].(string)
		return id, ok && id != ""
	}
}

// Plan is the set of rules, with what it needs of the schema to read selections the way
// the executor does (fragments on interfaces included).
type Plan struct {
	rules        map[string]map[string]Rule // type → field → rule
	implementors map[string][]string        // type → itself and its interfaces
}

// NewPlan checks the rules against the schema: a rule for a field the schema does not have
// is a wiring error, not a silently unbatched field.
func NewPlan(schema *ast.Schema, rules ...Rule) (*Plan, error) {
	p := &Plan{rules: map[string]map[string]Rule{}, implementors: map[string][]string{}}
	for _, r := range rules {
		def := schema.Types[r.Type]
		if def == nil || def.Fields.ForName(r.Field) == nil {
			return nil, fmt.Errorf("loaders: rule for %s.%s: no such field in the schema", r.Type, r.Field)
		}
		if r.Key == nil || r.Loader == nil {
			return nil, fmt.Errorf("loaders: rule for %s.%s: Key and Loader are required", r.Type, r.Field)
		}
		if p.rules[r.Type] == nil {
			p.rules[r.Type] = map[string]Rule{}
			impl := []string{r.Type}
			for _, i := range schema.GetImplements(def) {
				impl = append(impl, i.Name)
			}
			p.implementors[r.Type] = impl
		}
		p.rules[r.Type][r.Field] = r
	}
	return p, nil
}

// PrefetchRoot starts the batches for the root fields of a query operation (Query.getFlight
// aliased several times is one batch). It must run before the root resolvers, i.e. in the
// AroundOperations hook, after With. Mutations run their root fields one by one, each
// changing what the next reads, so they are left alone.
func (p *Plan) PrefetchRoot(ctx context.Context) {
	oc := graphql.GetOperationContext(ctx)
	l, err := For(ctx)
	if oc == nil || oc.Operation == nil || err != nil || oc.Operation.Operation != ast.Query {
		return
	}
	p.prefetch(ctx, oc, l, "Query", oc.Operation.SelectionSet, []any{nil})
}

// Lookahead is the field middleware (server: AroundFields) that starts the batches for
// the sub-fields of what a field has just resolved, before the executor resolves them.
func (p *Plan) Lookahead(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil || res == nil {
		return res, err
	}
	p.Resolved(ctx, graphql.GetFieldContext(ctx), res)
	return res, err
}

// Resolved starts the batches for the sub-fields of res, which the field of fc has just
// resolved without error: Lookahead's work, for a caller that runs the field itself.
func (p *Plan) Resolved(ctx context.Context, fc *graphql.FieldContext, res any) {
	if fc == nil || len(fc.Field.Selections) == 0 || fc.Field.Definition == nil {
		return
	}
	typ := fc.Field.Definition.Type.Name()
	if p.rules[typ] == nil {
		return
	}
	l, err := For(ctx)
	if err != nil {
		return
	}
	p.prefetch(ctx, graphql.GetOperationContext(ctx), l, typ, fc.Field.Selections, objects(res))
}

// prefetch starts one batch per loader for the keys that sel's ruled fields will load
// for objs (objects of type typ).
func (p *Plan) prefetch(ctx context.Context, oc *graphql.OperationContext, l *Loaders, typ string, sel ast.SelectionSet, objs []any) {
	rules := p.rules[typ]
	if len(rules) == 0 || len(objs) == 0 {
		return
	}
	keys := map[Prefetcher][]string{}
	var order []Prefetcher
	for _, f := range graphql.CollectFields(oc, sel, p.implementors[typ]) {
		r, ok := rules[f.Name]
		if !ok {
			continue
		}
		pf := r.Loader(l)
		if pf == nil {
			continue // a loader this operation was not given: its resolver reports that
		}
		args := f.ArgumentMap(oc.Variables)
		for _, o := range objs {
			if id, ok := r.Key(o, args); ok {
				if _, seen := keys[pf]; !seen {
					order = append(order, pf)
				}
				keys[pf] = append(keys[pf], id)
			}
		}
	}
	for _, pf := range order {
		pf.prefetch(ctx, keys[pf])
	}
}

// objects returns res as a list of objects: the elements of a slice (nested lists
// flattened, nils dropped) or res itself.
func objects(res any) []any {
	v := reflect.ValueOf(res)
	if v.Kind() != reflect.Slice {
		return []any{res}
	}
	// One slice for the whole result (a page of 50 bookings was 51 slices).
	return appendObjects(make([]any, 0, v.Len()), v)
}

func appendObjects(out []any, v reflect.Value) []any {
	for i := range v.Len() {
		e := v.Index(i)
		if e.Kind() == reflect.Interface {
			if e.IsNil() {
				continue
			}
			e = e.Elem()
		}
		switch {
		case e.Kind() == reflect.Pointer && e.IsNil():
		case e.Kind() == reflect.Slice:
			out = appendObjects(out, e)
		default:
			out = append(out, e.Interface())
		}
	}
	return out
}
