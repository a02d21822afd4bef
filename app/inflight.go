package app

import (
	"net/http"
	"strings"
	"time"

	"github.com/skygraph/skygraph/internal/apperr"
)

// limitInFlight lets at most n GraphQL HTTP operations execute at once; the others wait
// for a slot (at most wait, then 503 LimitExceeded with Retry-After; a client that gives
// up first frees its place). Memory then follows the work, not the connections: at 1,000
// concurrent connections every executing operation holds its parsed document, its
// resolvers' deep stacks and its own connection to the store, and with all 1,000 executing
// at once skygraph's peak RSS was 191–246 MiB (issue 13's target: ≤ 150 MB; with 64 in
// flight, 120 MiB). A waiting
// request holds only its connection's goroutine and buffers. It sits outside checkBody, so
// a waiting request's body is not read into memory yet. On 2 cores a few hundred
// operations in flight already keep the CPU and the store busy, so throughput is not
// lost; Lambda serves one request at a time and never waits. WebSocket upgrades are not
// operations (their connections are bounded by MaxWebSockets) and pass.
func limitInFlight(n int, wait time.Duration, next http.Handler) http.Handler {
	if n <= 0 {
		return next
	}
	return limitInFlightSlots(make(chan struct{}, n), wait, next)
}

// limitInFlightSlots is limitInFlight over the given slots (a buffered channel: a send
// takes a slot).
func limitInFlightSlots(slots chan struct{}, wait time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			t := time.NewTimer(wait)
			select {
			case slots <- struct{}{}:
				t.Stop()
			case <-r.Context().Done():
				t.Stop()
				return // the client is gone: nobody to answer
			case <-t.C:
				w.Header().Set("Retry-After", "1")
				writeRequestError(w, http.StatusServiceUnavailable, string(apperr.LimitExceeded), string(apperr.LimitExceeded),
					"too many operations in flight; retry later")
				return
			}
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}
