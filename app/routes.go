package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/internal/clientip"
	"github.com/skygraph/skygraph/internal/requestid"
)

// pinger is what /readyz checks.
type pinger interface {
	Ping(ctx context.Context) error
}

// routes builds the HTTP surface:
//
//	/graphql  the API (POST, GET for queries, WebSocket)
//	/         the GraphiQL playground, when enabled
//	/healthz  the process is up
//	/readyz   the store answers
//	/.well-known/jwks.json  the local identity provider's keys (when it is in use)
func routes(cfg Config, log *slog.Logger, gql http.Handler, store pinger, jwks http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", limitInFlight(cfg.MaxInFlight, cfg.RequestTimeout,
		checkBody(cfg.MaxBodyBytes, withDeadline(cfg.RequestTimeout, appsyncErrors(gql)))))
	// AppSync's realtime endpoint (AWS Amplify derives it from the GraphQL endpoint): WebSocket only.
	mux.HandleFunc(realtimePath, func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			writeRequestError(w, http.StatusBadRequest, "BAD_REQUEST", "BadRequestException", "the realtime endpoint speaks WebSocket only (subprotocol graphql-ws)")
			return
		}
		gql.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			log.WarnContext(ctx, "readiness check failed", "request_id", requestid.From(ctx), "error", err.Error())
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if jwks != nil {
		// The local identity provider's public keys, where Cognito serves a pool's.
		mux.Handle("GET /.well-known/jwks.json", jwks)
	}
	if cfg.Playground {
		mux.Handle("/", playgroundHandler())
	}
	return withRequestID(withAccessLog(log, withCORS(cfg.CORSOrigins, mux)))
}

// checkBody reads a POST body before gqlgen does, so that an oversized one is answered
// 413 (gqlgen's transport would answer 200 with an error) and a malformed JSON one 400
// without echoing it back (gqlgen's message quotes the whole body). The body is then
// handed on from memory.
func checkBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			writeRequestError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "PayloadTooLargeException",
				fmt.Sprintf("the request body is larger than %d bytes", limit))
			return
		case err != nil:
			writeRequestError(w, http.StatusBadRequest, "MALFORMED_REQUEST", "MalformedHttpRequestException", "the request body could not be read")
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" && !json.Valid(body) {
			writeRequestError(w, http.StatusBadRequest, "MALFORMED_REQUEST", "MalformedHttpRequestException", "the request body is not valid JSON")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// writeRequestError answers a request refused before GraphQL sees it, in AppSync's
// error shape.
func writeRequestError(w http.ResponseWriter, status int, code, errorType, message string) {
	writeJSON(w, status, map[string]any{"data": nil, "errors": []map[string]any{{
		"message": message, "errorType": errorType,
		"extensions": map[string]any{"code": code, "errorType": errorType},
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// withRequestID gives every request an id (the client's X-Request-Id when safe), echoed
// as x-amzn-RequestId like AppSync, and carried on the context for logs, together with
// the Capacity that sums the request's DynamoDB calls for the access log (set here, where
// the request's context is made anyway, so it costs no second copy of the request).
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestid.Choose(r.Header.Get("X-Request-Id"))
		w.Header().Set("x-amzn-RequestId", id)
		ctx, _ := dynamo.WithCapacity(r.Context())
		ctx = clientip.With(requestid.With(ctx, id), r.RemoteAddr)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader forwards the first status only: a handler that writes a second one (gqlgen's
// WebSocket transport after a failed upgrade that the upgrader has already answered)
// would otherwise make net/http log "superfluous response.WriteHeader call".
func (s *statusWriter) WriteHeader(code int) {
	if s.status != 0 {
		return
	}
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Hijack hands the connection to the WebSocket transport, whose upgrader asserts
// http.Hijacker on the writer it is given.
func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.status = http.StatusSwitchingProtocols
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// withAccessLog logs one line per request, with what it cost the store: its DynamoDB
// calls and their consumed read and write capacity units (ddb_calls, rcu, wcu; issue 13),
// summed over every call the operation made, in parallel or not. A WebSocket's line, at
// its close, sums every operation and event of the connection. The capacity goes to the
// log only, never to the client.
func withAccessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if r.URL.Path == "/healthz" {
			return
		}
		ctx := r.Context()
		used := dynamo.CapacityFrom(ctx) // withRequestID's
		log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("request_id", requestid.From(ctx)),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)),
			slog.Int64("ddb_calls", used.Calls()), slog.Float64("rcu", used.Read()), slog.Float64("wcu", used.Write()))
	})
}

// withCORS answers preflights and marks responses for the allowed origins. Frontends on
// another origin call the API with an Authorization header, which needs a preflight.
func withCORS(origins []string, next http.Handler) http.Handler {
	any := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (any || slices.Contains(origins, origin)) {
			h := w.Header()
			if any {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Add("Vary", "Origin")
			}
			// Browsers hide response headers from scripts unless exposed: the request id
			// for support, and the error type Amplify needs to recognise a 401.
			h.Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Api-Key, X-Request-Id, X-Amz-User-Agent, X-Amz-Date, X-Amz-Security-Token")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// appsyncErrors copies extensions.errorType to the top level of each error, where AppSync
// puts it and AppSync clients read it. The error presenter cannot do this (gqlgen's error
// type has no such field), so the response body is rewritten here, only when it has errors.
// WebSocket upgrades pass through untouched.
func appsyncErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		bw := &bufferedWriter{w: w}
		next.ServeHTTP(bw, r)
		if bw.direct {
			return
		}
		body := liftErrorType(bw.body)
		w.WriteHeader(bw.statusOrOK())
		_, _ = w.Write(body)
	})
}

// errorTypeKey is what liftErrorType looks for: a response without it is left as it is.
var errorTypeKey = []byte(`"errorType"`)

// bufferedWriter holds a response back only when it has errors to rewrite. gqlgen writes a
// whole response in one Write; one without "errorType" (every success) goes straight out,
// neither copied nor scanned again (issue 13).
type bufferedWriter struct {
	w      http.ResponseWriter
	status int
	body   []byte
	direct bool
}

func (b *bufferedWriter) Header() http.Header { return b.w.Header() }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) statusOrOK() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.direct {
		return b.w.Write(p)
	}
	if len(b.body) == 0 && !bytes.Contains(p, errorTypeKey) {
		b.direct = true
		b.w.WriteHeader(b.statusOrOK())
		return b.w.Write(p)
	}
	b.body = append(b.body, p...)
	return len(p), nil
}

func liftErrorType(body []byte) []byte {
	if !bytes.Contains(body, errorTypeKey) {
		return body
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil {
		return body
	}
	var errs []map[string]json.RawMessage
	if err := json.Unmarshal(resp["errors"], &errs); err != nil || len(errs) == 0 {
		return body
	}
	for _, e := range errs {
		var ext map[string]json.RawMessage
		if json.Unmarshal(e["extensions"], &ext) == nil {
			if t, ok := ext["errorType"]; ok {
				e["errorType"] = t
			}
		}
	}
	raw, err := json.Marshal(errs)
	if err != nil {
		return body
	}
	resp["errors"] = raw
	out, err := json.Marshal(resp)
	if err != nil {
		return body
	}
	return append(out, '\n')
}
