package app

import (
	"context"
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
	"github.com/skygraph/skygraph/loaders"
	"github.com/skygraph/skygraph/resolvers"
)

// newGraphQLServer builds the gqlgen server explicitly (never NewDefaultServer, which
// turns on introspection and every transport): POST, GET for queries only, WebSocket
// for subscriptions, a parsed-query cache, persisted queries, complexity and depth limits,
// the error presenter, panic recovery and fresh dataloaders per operation.
func newGraphQLServer(schema graphql.ExecutableSchema, cfg Config, log *slog.Logger, flights loaders.FlightSource, commerce loaders.CommerceSources, authn *authenticator) (*handler.Server, error) {
	policy, err := auth.NewPolicy(schema.Schema())
	if err != nil {
		return nil, fmt.Errorf("authorization rules: %w", err)
	}
	srv := handler.New(schema)
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 10 * time.Second,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			ctx, err := authn.websocketInit(ctx, p)
			return ctx, nil, err
		},
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.Use(depthLimit{max: cfg.MaxDepth})

	srv.SetErrorPresenter(resolvers.PresentError(log))
	srv.SetRecoverFunc(resolvers.Recover(log))
	srv.AroundFields(resolvers.FieldErrors)
	srv.AroundFields(policy.Middleware)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(loaders.With(ctx, loaders.New(flights).WithCommerce(commerce)))
	})
	return srv, nil
}
