package app

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/loaders"
	"github.com/skygraph/skygraph/resolvers"
)

// fieldHooks is everything skygraph does around a field's resolution, as one field
// middleware installed per operation (a gqlgen OperationContextMutator that sets the
// operation's ResolverMiddleware), in this order, outermost first:
//
//  1. a Subscription root field that resolved marks the realtime subscribe as accepted;
//  2. the look-ahead starts the loader batches for what the field returned (loaders.Plan);
//  3. resolver calls are counted against the operation's budget and refused after the
//     request's deadline (AppSync's resolverCountLimit and 30 s);
//  4. a resolver's error that is not an *apperr.Error becomes Internal (resolvers.AppError);
//  5. the authorization policy, as decided for this operation's caller (auth.Authz).
//
// gqlgen runs the field middleware for every field of every object, plain struct fields
// included: registered as five AroundFields, this was a closure and a context walk per hook
// per field, and more CPU than the fields themselves on list pages (issue 13's profiles).
// Built per operation, the hooks hold the caller, the budget and the realtime state, so a
// field looks nothing up in its context, and a plain field (no resolver, no method, no
// sub-selection, no rule) goes straight to its value.
type fieldHooks struct {
	policy       *auth.Policy
	plan         *loaders.Plan
	maxResolvers int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = fieldHooks{}

func (fieldHooks) ExtensionName() string                   { return "SkygraphFieldHooks" }
func (fieldHooks) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext installs the operation's hooks around any field middleware gqlgen
// already has for it (AroundFields extensions, none today).
func (h fieldHooks) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	o := &operationHooks{
		fieldHooks: h,
		authz:      h.policy.ForOperation(auth.FromContext(ctx)),
		inner:      oc.ResolverMiddleware,
	}
	o.subscribe, _ = ctx.Value(subscribeStateKey{}).(*subscribeState)
	oc.ResolverMiddleware = o.field
	return nil
}

// operationHooks is fieldHooks for one operation.
type operationHooks struct {
	fieldHooks
	authz *auth.Authz
	calls atomic.Int64
	// subscribe is the realtime transport's start state (nil on other transports).
	subscribe *subscribeState
	inner     graphql.FieldMiddleware
}

func (o *operationHooks) field(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return o.inner(ctx, next)
	}
	if !fc.IsResolver && !fc.IsMethod && len(fc.Field.Selections) == 0 && !o.authz.Ruled(fc) {
		return o.inner(ctx, next)
	}
	if fc.IsResolver {
		if expired(ctx) {
			return nil, timeoutError()
		}
		if o.calls.Add(1) > int64(o.maxResolvers) {
			return nil, apperr.New(apperr.LimitExceeded, "this operation would call more than %d resolvers", o.maxResolvers)
		}
	}
	res, err := o.authz.Middleware(ctx, func(ctx context.Context) (any, error) { return o.inner(ctx, next) })
	if err != nil {
		if fc.IsResolver && expired(ctx) {
			return nil, timeoutError()
		}
		return res, resolvers.AppError(err)
	}
	if res == nil {
		return nil, nil
	}
	if o.subscribe != nil && fc.Object == "Subscription" {
		o.subscribe.subscribed.Store(true)
	}
	o.plan.Resolved(ctx, fc, res)
	return res, nil
}

// expired reports whether the request's deadline (withDeadline over HTTP, the operation's
// own over a WebSocket) has cut the operation short.
func expired(ctx context.Context) bool {
	return ctx.Err() != nil && errors.Is(context.Cause(ctx), errRequestTimeout)
}
