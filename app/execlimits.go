package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/skygraph/skygraph/internal/apperr"
)

// withDeadline gives every HTTP GraphQL request a deadline (AppSync: 30 s), so the work
// one request buys ends even when its client never disconnects: the store calls take the
// request's context and fail once it expires. WebSocket upgrades are long-lived and pass
// through (each subscription is bounded by its token's expiry instead).
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeoutCause(r.Context(), d, errRequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// errRequestTimeout is the cause of a request context cut short by withDeadline.
var errRequestTimeout = errors.New("request deadline exceeded")

type resolverCountKey struct{}

// countResolvers starts a resolver-call budget for each operation.
func countResolvers(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, resolverCountKey{}, new(atomic.Int64)))
}

// resolverLimit is a field middleware that refuses resolver calls past max in one
// operation (AppSync's resolverCountLimit) and every resolver call after the request's
// deadline. Only fields with a resolver count: plain struct fields cost nothing to read.
func resolverLimit(max int) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || !fc.IsResolver {
			return next(ctx)
		}
		if errors.Is(context.Cause(ctx), errRequestTimeout) {
			return nil, timeoutError()
		}
		if n, ok := ctx.Value(resolverCountKey{}).(*atomic.Int64); ok && n.Add(1) > int64(max) {
			return nil, apperr.New(apperr.LimitExceeded, "this operation would call more than %d resolvers", max)
		}
		res, err := next(ctx)
		if err != nil && errors.Is(context.Cause(ctx), errRequestTimeout) {
			return nil, timeoutError()
		}
		return res, err
	}
}

func timeoutError() error {
	return apperr.New(apperr.ExecutionTimeout, "Execution timed out.")
}
