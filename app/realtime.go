package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/requestid"
)

// realtimePath is where AWS Amplify opens its WebSocket: the GraphQL endpoint + /realtime.
const realtimePath = "/graphql/realtime"

// AppSync realtime close codes: 4401 when the connection's credentials are refused or
// expire, 4408 when neither connection_init nor start arrives within the init timeout,
// 4400 for a subprotocol other than graphql-ws.
const (
	closeUnauthorized = 4401
	closeBadRequest   = 4400
)

// realtimeConnectionTimeout is the connectionTimeoutMs of connection_ack: the client
// gives up on a connection that sends no ka for this long (AppSync's value).
const realtimeConnectionTimeout = 5 * time.Minute

// errTokenExpired and errGroupRemoved end a subscription whose credentials no longer
// grant it (the operation context's cause).
var (
	errTokenExpired = errors.New("the token expired")
	errGroupRemoved = errors.New("a group the subscription relied on was removed")
)

// appsyncRealtime is AppSync's realtime WebSocket protocol at /graphql/realtime, as AWS
// Amplify v6 speaks it, as a gqlgen transport: every start runs through the same
// executor as POST and graphql-ws (parser limits, complexity and depth, the error
// presenter, auth.Policy on every field and every event's object).
//
// Credentials come from the `header-<base64url JSON>` subprotocol (or the legacy `header`
// query parameter) for the connection, and from each start's extensions.authorization
// for that subscription; API keys, ID and access tokens all work.
type appsyncRealtime struct {
	authn     *authenticator
	limits    *wsLimits
	log       *slog.Logger
	origins   []string
	keepAlive time.Duration
	readLimit int64
}

var _ graphql.Transport = appsyncRealtime{}

// Supports claims WebSocket upgrades of the realtime path.
func (t appsyncRealtime) Supports(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, "/realtime") && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// rtMsg is one frame of the protocol.
type rtMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Do upgrades the connection and serves it until the client leaves, the connection's
// token expires or the server shuts down.
func (t appsyncRealtime) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	creds, credsErr := headerCredentials(r)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{"graphql-ws"},
		OriginPatterns: originPatterns(t.origins),
	})
	if err != nil {
		return // Accept answered the HTTP request
	}
	defer func() { _ = conn.CloseNow() }()
	conn.SetReadLimit(t.readLimit)
	if conn.Subprotocol() != "graphql-ws" {
		_ = conn.Close(closeBadRequest, "subprotocol graphql-ws required")
		return
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	c := &rtConn{t: t, conn: conn, exec: exec, ops: map[string]context.CancelCauseFunc{}}

	if credsErr == nil {
		c.principal, credsErr = t.authn.principal(ctx, creds["Authorization"], creds["x-api-key"])
	}
	if credsErr != nil {
		t.log.InfoContext(ctx, "realtime connection refused", "request_id", requestid.From(ctx), "error", credsErr.Error())
		c.send(ctx, rtMsg{Type: "connection_error", Payload: mustJSON(map[string]any{"errors": []map[string]any{{
			"errorType": "UnauthorizedException", "errorCode": 401, "message": apperr.MessageOf(credsErr),
		}}})})
		_ = conn.Close(closeUnauthorized, "Unauthorized")
		return
	}
	if exp := c.principal.ExpiresAt; !exp.IsZero() {
		// Every subscription ends first, with its UnauthorizedException frame (Amplify then
		// refreshes its tokens), and only then the connection.
		timer := time.AfterFunc(time.Until(exp), func() {
			cancel(errTokenExpired)
			c.mu.Lock()
			c.closing = true // no start adds an operation past this point
			c.mu.Unlock()
			c.wg.Wait()
			_ = conn.Close(closeUnauthorized, "token expired")
		})
		defer timer.Stop()
	}
	initTimer := time.AfterFunc(t.limits.initTimeout, func() {
		if !c.started.Load() {
			_ = conn.Close(closeInitTimeout, "Connection initialisation timeout")
		}
	})
	defer initTimer.Stop()
	c.serve(r.Context(), ctx)
	cancel(nil)
	c.wg.Wait()
}

// rtConn is one realtime connection.
type rtConn struct {
	t         appsyncRealtime
	conn      *websocket.Conn
	exec      graphql.GraphExecutor
	principal auth.Principal
	started   atomic.Bool // connection_init or a start arrived
	kaOnce    sync.Once

	mu      sync.Mutex
	ops     map[string]context.CancelCauseFunc
	closing bool
	wg      sync.WaitGroup
}

// serve reads frames until the connection ends. It reads with readCtx, not ctx (whose
// end would close the connection at once), so that an expiring token can end the
// subscriptions with their error frames before the connection closes.
func (c *rtConn) serve(readCtx, ctx context.Context) {
	for {
		_, b, err := c.conn.Read(readCtx)
		if err != nil {
			return
		}
		var m rtMsg
		if err := json.Unmarshal(b, &m); err != nil {
			c.sendError(ctx, "", "MalformedRequest", "the message is not JSON")
			continue
		}
		switch m.Type {
		case "connection_init":
			c.started.Store(true)
			initialised(ctx)
			c.send(ctx, rtMsg{Type: "connection_ack", Payload: mustJSON(map[string]any{
				"connectionTimeoutMs": realtimeConnectionTimeout.Milliseconds(),
			})})
			c.startKeepAlive(ctx)
		case "start":
			c.started.Store(true)
			initialised(ctx)
			c.startKeepAlive(ctx)
			c.start(ctx, m)
		case "stop":
			c.mu.Lock()
			stop := c.ops[m.ID]
			c.mu.Unlock()
			if stop != nil {
				stop(context.Canceled)
			}
			// complete is sent by the operation's goroutine when it has ended, once.
		case "ka", "pong", "ping":
		default:
			c.sendError(ctx, m.ID, "UnsupportedOperation", "unknown message type "+truncate(m.Type, 64))
		}
	}
}

// startKeepAlive sends ka now and every keepAlive until the connection ends.
func (c *rtConn) startKeepAlive(ctx context.Context) {
	c.kaOnce.Do(func() {
		c.send(ctx, rtMsg{Type: "ka"})
		go func() {
			t := time.NewTicker(c.t.keepAlive)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					c.send(ctx, rtMsg{Type: "ka"})
				}
			}
		}()
	})
}

// startPayload is start's payload: the operation as a JSON string, and credentials.
type startPayload struct {
	Data       string `json:"data"`
	Extensions struct {
		Authorization map[string]any `json:"authorization"`
	} `json:"extensions"`
}

func (c *rtConn) start(connCtx context.Context, m rtMsg) {
	if m.ID == "" || len(m.ID) > 128 {
		c.sendError(connCtx, m.ID, "MalformedRequest", "start needs an id (at most 128 characters)")
		return
	}
	var p startPayload
	var params graphql.RawParams
	if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data == "" {
		c.sendError(connCtx, m.ID, "MalformedRequest", "start.payload.data must be the operation as a JSON string")
		return
	}
	if err := json.Unmarshal([]byte(p.Data), &params); err != nil || params.Query == "" {
		c.sendError(connCtx, m.ID, "MalformedRequest", "start.payload.data must hold {query, variables}")
		return
	}
	principal := c.principal
	if a := p.Extensions.Authorization; len(a) > 0 {
		pr, err := c.t.authn.principal(connCtx, str(a, "Authorization", "authorization"), str(a, "x-api-key", "X-Api-Key"))
		if err != nil {
			c.sendError(connCtx, m.ID, "UnauthorizedException", apperr.MessageOf(err))
			return
		}
		principal = pr
	}

	c.mu.Lock()
	if c.closing || connCtx.Err() != nil {
		c.mu.Unlock()
		return
	}
	if _, dup := c.ops[m.ID]; dup {
		c.mu.Unlock()
		c.sendError(connCtx, m.ID, "MalformedRequest", "a subscription with this id is already running")
		return
	}
	ctx, cancel := context.WithCancelCause(auth.WithPrincipal(connCtx, principal))
	c.ops[m.ID] = cancel
	c.wg.Add(1)
	c.mu.Unlock()
	if !principal.ExpiresAt.IsZero() {
		var stop context.CancelFunc
		ctx, stop = context.WithDeadlineCause(ctx, principal.ExpiresAt, errTokenExpired)
		context.AfterFunc(ctx, stop)
	}
	go func() {
		defer c.wg.Done()
		defer func() {
			c.mu.Lock()
			delete(c.ops, m.ID)
			c.mu.Unlock()
			cancel(nil)
		}()
		c.run(ctx, connCtx, m.ID, &params)
	}()
}

// run executes one subscription: start_ack once the resolver accepted it (or error),
// then data for every event, then complete (or error when its credentials ran out).
func (c *rtConn) run(ctx, connCtx context.Context, id string, params *graphql.RawParams) {
	now := graphql.Now()
	params.ReadTime = graphql.TraceTiming{Start: now, End: now}
	state := &subscribeState{}
	ctx = context.WithValue(ctx, subscribeStateKey{}, state)
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		c.sendErrors(connCtx, id, c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs).Errors)
		return
	}
	if rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		c.sendError(connCtx, id, "UnsupportedOperation", "only subscriptions run over the realtime endpoint; send queries and mutations to /graphql")
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	responses, ctx := c.exec.DispatchOperation(ctx, rc)
	if !state.subscribed.Load() {
		var errs gqlerror.List
		if r := responses(ctx); r != nil {
			errs = r.Errors
		}
		if len(errs) == 0 {
			errs = gqlerror.List{gqlerror.Errorf("the subscription could not start")}
		}
		c.sendErrors(connCtx, id, errs)
		return
	}
	c.send(connCtx, rtMsg{ID: id, Type: "start_ack"})
	for {
		r := responses(ctx)
		if r == nil {
			break
		}
		payload := map[string]any{"data": r.Data}
		if len(r.Errors) > 0 {
			payload["errors"] = appsyncErrorList(r.Errors)
		}
		c.send(connCtx, rtMsg{ID: id, Type: "data", Payload: mustJSON(payload)})
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errTokenExpired) || errors.Is(cause, errGroupRemoved):
		c.sendError(connCtx, id, "UnauthorizedException", "the subscription ended: "+cause.Error())
	default:
		c.send(connCtx, rtMsg{ID: id, Type: "complete"})
	}
}

func (c *rtConn) send(ctx context.Context, m rtMsg) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := c.conn.Write(wctx, websocket.MessageText, b); err != nil {
		_ = c.conn.CloseNow()
	}
}

func (c *rtConn) sendError(ctx context.Context, id, errorType, message string) {
	c.send(ctx, rtMsg{ID: id, Type: "error", Payload: mustJSON(map[string]any{"errors": []map[string]any{{
		"errorType": errorType, "message": message,
	}}})})
}

func (c *rtConn) sendErrors(ctx context.Context, id string, errs gqlerror.List) {
	c.send(ctx, rtMsg{ID: id, Type: "error", Payload: mustJSON(map[string]any{"errors": appsyncErrorList(errs)})})
}

// appsyncErrorList shapes presented errors as AppSync's realtime frames do: errorType
// first (Amplify reads it; an authorization failure is UnauthorizedException, which
// makes it refresh its tokens), the message, and our extensions.
func appsyncErrorList(errs gqlerror.List) []map[string]any {
	out := make([]map[string]any, 0, len(errs))
	for _, e := range errs {
		typ, _ := e.Extensions["errorType"].(string)
		if typ == "" {
			typ, _ = e.Extensions["code"].(string)
		}
		if typ == string(apperr.Unauthorized) {
			typ = "UnauthorizedException"
		}
		m := map[string]any{"errorType": typ, "message": e.Message}
		if len(e.Path) > 0 {
			m["path"] = e.Path
		}
		if len(e.Extensions) > 0 {
			m["extensions"] = e.Extensions
		}
		out = append(out, m)
	}
	return out
}

// subscribeState records, on an operation's context, whether its subscription resolver
// accepted it (fieldHooks), which decides start_ack against error.
type subscribeState struct{ subscribed atomic.Bool }

type subscribeStateKey struct{}

// headerCredentials reads the connection's credentials: the `header-<base64url JSON>`
// subprotocol Amplify v6 sends, or the `header` query parameter of older clients
// (standard base64). No credentials is the anonymous caller.
func headerCredentials(r *http.Request) (map[string]string, error) {
	raw := ""
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			p = strings.TrimSpace(p)
			if v, ok := strings.CutPrefix(p, "header-"); ok {
				raw = v
			}
		}
	}
	enc := base64.RawURLEncoding
	if raw == "" {
		raw = r.URL.Query().Get("header")
		enc = base64.StdEncoding
	}
	out := map[string]string{}
	if raw == "" {
		return out, nil
	}
	if len(raw) > 16<<10 {
		return nil, apperr.New(apperr.Unauthorized, "the header subprotocol is too large")
	}
	b, err := enc.DecodeString(strings.TrimRight(raw, "="))
	if err != nil && enc == base64.StdEncoding {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "="))
	}
	if err != nil {
		return nil, apperr.New(apperr.Unauthorized, "the header subprotocol is not base64url JSON")
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, apperr.New(apperr.Unauthorized, "the header subprotocol is not base64url JSON")
	}
	out["Authorization"] = str(m, "Authorization", "authorization")
	out["x-api-key"] = str(m, "x-api-key", "X-Api-Key")
	return out, nil
}

func str(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	return ""
}

// originPatterns turns the CORS origins into the WebSocket origin check's host patterns
// (credentials are tokens, never cookies, so a foreign origin gains nothing).
func originPatterns(origins []string) []string {
	var out []string
	for _, o := range origins {
		if o == "*" {
			return []string{"*"}
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
