package app

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/requestid"
)

// graphql-ws close codes (the graphql-transport-ws protocol): 4408 when connection_init
// does not arrive in time, 4403 when it is refused.
const (
	closeInitTimeout = 4408
	closeForbidden   = 4403
)

// wsState is one WebSocket connection's bookkeeping, carried on its context from the
// upgrade to every operation it runs.
type wsState struct {
	initialised atomic.Bool
	operations  atomic.Int64
}

type wsStateKey struct{}

func wsStateFrom(ctx context.Context) *wsState {
	s, _ := ctx.Value(wsStateKey{}).(*wsState)
	return s
}

// wsLimits bounds WebSockets: at most max open connections server-wide (more are
// answered 503 before the upgrade), each with its own state for the init timeout and the
// per-connection operation cap.
type wsLimits struct {
	max         int64
	initTimeout time.Duration
	maxOps      int64
	// timeout is the deadline of one query or mutation sent over the connection (the
	// HTTP requests' RequestTimeout; subscriptions are bounded by the token's expiry).
	timeout time.Duration
	open    atomic.Int64
	log     *slog.Logger
	// events is where group removals are announced (subscriptions relying on the group end).
	events *event.Hub
}

// realtimeKeepAlive is how often the realtime endpoint sends ka (below any load
// balancer's idle timeout: the ALB's is raised above it).
const realtimeKeepAlive = 30 * time.Second

// middleware admits or refuses WebSocket upgrades; other requests pass through.
func (l *wsLimits) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		if l.open.Add(1) > l.max {
			l.open.Add(-1)
			l.log.WarnContext(r.Context(), "websocket refused: connection limit", "request_id", requestid.From(r.Context()), "limit", l.max)
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"errors": []map[string]any{{
				"message":    "too many WebSocket connections; retry later",
				"errorType":  string(apperr.LimitExceeded),
				"extensions": map[string]any{"code": string(apperr.LimitExceeded), "errorType": string(apperr.LimitExceeded)},
			}}})
			return
		}
		defer l.open.Add(-1)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), wsStateKey{}, &wsState{})))
	})
}

// Accept upgrades with gqlgen's default implementation and closes the connection with
// 4408 when connection_init has not been accepted within initTimeout (gqlgen's own
// InitTimeout closes with 1002, which graphql-ws clients treat as a protocol error).
func (l *wsLimits) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := transport.CoderWebsocketImplementation{}.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	if s := wsStateFrom(r.Context()); s != nil {
		t := time.AfterFunc(l.initTimeout, func() {
			if !s.initialised.Load() {
				_ = conn.WriteClose(closeInitTimeout, "Connection initialisation timeout")
			}
		})
		context.AfterFunc(r.Context(), func() { t.Stop() })
	}
	return conn, nil
}

// initialised records an accepted connection_init; refused marks the context so gqlgen
// closes with 4403.
func initialised(ctx context.Context) {
	if s := wsStateFrom(ctx); s != nil {
		s.initialised.Store(true)
	}
}

func refused(ctx context.Context) context.Context {
	return transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, "Forbidden"), closeForbidden)
}

// limitOperations caps the operations running at once on one WebSocket connection.
func (l *wsLimits) limitOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	s := wsStateFrom(ctx)
	if s == nil {
		return next(ctx)
	}
	if s.operations.Add(1) > l.maxOps {
		s.operations.Add(-1)
		err := gqlerror.Errorf("this connection already runs %d operations; the limit is %d", l.maxOps, l.maxOps)
		err.Extensions = map[string]any{"code": codeWebSocketSubsLimit, "errorType": codeWebSocketSubsLimit}
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
	}
	context.AfterFunc(ctx, func() { s.operations.Add(-1) })
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation != ast.Subscription && l.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, l.timeout, errRequestTimeout)
		context.AfterFunc(ctx, cancel) // released when the operation ends or times out
	}
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		ctx = l.endOnGroupRemoval(ctx)
	}
	return next(ctx)
}

// endOnGroupRemoval ends a subscription (its context, with errGroupRemoved) when one of
// the groups its caller's token lists is removed from the caller: the token keeps listing
// it until it expires, but nothing may be heard through it from then on.
func (l *wsLimits) endOnGroupRemoval(ctx context.Context) context.Context {
	p := auth.FromContext(ctx)
	if l.events == nil || len(p.Groups) == 0 {
		return ctx
	}
	ctx, cancel := context.WithCancelCause(ctx)
	sub := l.events.Subscribe([]event.Kind{event.GroupRemoved}, func(e event.Event) bool {
		return (e.ID == p.Sub || (p.Email != "" && strings.EqualFold(e.ID, p.Email))) && slices.Contains(p.Groups, e.Parent)
	})
	go func() {
		defer sub.Close()
		select {
		case <-ctx.Done():
		case _, ok := <-sub.C:
			if ok {
				cancel(errGroupRemoved)
			}
		}
	}()
	return ctx
}
