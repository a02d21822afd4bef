package app

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/requestid"
)

// tokenVerifier verifies a user-pool token (auth.Verifier, for Cognito or the local
// identity provider).
type tokenVerifier interface {
	Verify(ctx context.Context, token string) (auth.Principal, error)
}

// authenticator turns a request's credentials into a Principal, AppSync's way: no
// credentials is the anonymous caller (fields then decide); credentials that are present
// but invalid, expired or forged fail the whole request with HTTP 401, so a bad token never
// reaches a resolver.
type authenticator struct {
	verifier tokenVerifier
	apiKeys  [][]byte
	log      *slog.Logger
}

// principal authenticates r. An error is always Unauthorized.
func (a *authenticator) principal(ctx context.Context, authorization, apiKey string) (auth.Principal, error) {
	token, present, err := auth.TokenFromHeader(authorization)
	if err != nil {
		return auth.Principal{}, err
	}
	if present {
		return a.verifier.Verify(ctx, token)
	}
	if apiKey != "" {
		for _, k := range a.apiKeys {
			if subtle.ConstantTimeCompare(k, []byte(apiKey)) == 1 {
				return auth.Principal{Mode: auth.ModeAPIKey}, nil
			}
		}
		return auth.Principal{}, apperr.New(apperr.Unauthorized, "You are not authorized to make this call.")
	}
	return auth.Principal{}, nil
}

// middleware authenticates HTTP requests. WebSocket upgrades pass through: they
// authenticate in their connection_init payload (see websocketInit).
func (a *authenticator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		p, err := a.principal(r.Context(), r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
		if err != nil {
			a.log.InfoContext(r.Context(), "authentication failed", "request_id", requestid.From(r.Context()), "error", err.Error())
			writeUnauthorized(w, apperr.MessageOf(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// writeUnauthorized writes AppSync's 401: a GraphQL error body with errorType
// UnauthorizedException (and our extensions.code), and AppSync's x-amzn-ErrorType header,
// the only thing AWS Amplify v6 reads to tell an auth failure (sign the user in again)
// from any other error (withCORS exposes it to browser frontends).
func writeUnauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", "UnauthorizedException")
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"data": nil,
		"errors": []map[string]any{{
			"errorType":  "UnauthorizedException",
			"message":    message,
			"extensions": map[string]any{"code": string(apperr.Unauthorized), "errorType": "UnauthorizedException"},
		}},
	})
}

// websocketInit authenticates a WebSocket connection from its connection_init payload
// (Authorization, or headers.Authorization as AppSync clients send it), and ends the
// connection when the token expires.
func (a *authenticator) websocketInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	str := func(m map[string]any, keys ...string) string {
		for _, k := range keys {
			if s, ok := m[k].(string); ok {
				return s
			}
		}
		return ""
	}
	authz := str(payload, "Authorization", "authorization")
	key := str(payload, "x-api-key", "X-Api-Key")
	if h, ok := payload["headers"].(map[string]any); ok {
		if authz == "" {
			authz = str(h, "Authorization", "authorization")
		}
		if key == "" {
			key = str(h, "x-api-key", "X-Api-Key")
		}
	}
	p, err := a.principal(ctx, authz, key)
	if err != nil {
		return ctx, err
	}
	ctx = auth.WithPrincipal(ctx, p)
	if !p.ExpiresAt.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, p.ExpiresAt)
		context.AfterFunc(ctx, cancel)
	}
	return ctx, nil
}
