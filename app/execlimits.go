package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

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

func timeoutError() error {
	return apperr.New(apperr.ExecutionTimeout, "Execution timed out.")
}
