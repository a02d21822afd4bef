package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/loaders"
	"github.com/skygraph/skygraph/resolvers"
)

// newGraphQLServer builds the gqlgen server explicitly (never NewDefaultServer, which
// turns on introspection and every transport): POST, GET for queries only, WebSocket
// for subscriptions, a parsed-query cache, persisted queries, complexity and depth limits,
// the error presenter, panic recovery and fresh dataloaders per operation.
func newGraphQLServer(schema graphql.ExecutableSchema, cfg Config, log *slog.Logger, flights loaders.FlightSource, commerce loaders.CommerceSources, waitlists loaders.WaitlistSource, authn *authenticator, ws *wsLimits, realtime appsyncRealtime) (*handler.Server, error) {
	policy, err := auth.NewPolicy(schema.Schema())
	if err != nil {
		return nil, fmt.Errorf("authorization rules: %w", err)
	}
	srv := handler.New(schema)
	// First: it claims only upgrades of /graphql/realtime; the others are graphql-ws's.
	srv.AddTransport(realtime)
	srv.AddTransport(transport.Websocket{
		Implementation:        ws,
		KeepAlivePingInterval: 10 * time.Second,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			ctx, err := authn.websocketInit(ctx, p)
			if err != nil {
				// The client sees only the safe message, and graphql-ws's 4403.
				return refused(ctx), nil, errors.New(apperr.MessageOf(err))
			}
			initialised(ctx)
			return ctx, nil, nil
		},
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postTransport{})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	// Limits (README "Limits"): the parser stops at MaxTokens; documentLimits refuses a
	// document whose validation would be costly before gqlgen validates it (it runs after
	// the persisted-query lookup, which fills in the query); responseLimits caps errors.
	srv.SetParserTokenLimit(cfg.MaxTokens)
	srv.SetDisableSuggestion(!cfg.Introspection)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(newDocumentLimits(cfg))
	srv.Use(responseLimits{maxErrors: cfg.MaxErrors, introspection: cfg.Introspection})
	srv.Use(newComplexityLimit(cfg.MaxComplexity))
	srv.Use(depthLimit{max: cfg.MaxDepth})

	plan, err := loaders.NewPlan(schema.Schema(), resolvers.Prefetch...)
	if err != nil {
		return nil, err
	}
	srv.SetErrorPresenter(resolvers.PresentError(log))
	srv.SetRecoverFunc(resolvers.Recover(log))
	// The field middleware, per operation: realtime subscribe state, look-ahead, resolver
	// budget and deadline, error wrapping and authorization, in one hook (fieldhooks.go).
	srv.Use(fieldHooks{policy: policy, plan: plan, maxResolvers: cfg.MaxResolverCalls})
	srv.AroundOperations(ws.limitOperations)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		l := loaders.New(flights).WithCommerce(commerce).WithWaitlists(waitlists)
		ctx = loaders.With(ctx, l)
		plan.PrefetchRoot(ctx)
		respond := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			r := respond(ctx)
			l.Wait() // no batch outlives the operation's response
			return r
		}
	})
	return srv, nil
}
