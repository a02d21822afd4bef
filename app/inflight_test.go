package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLimitInFlightBoundsExecutingOperations: with 2 slots, 6 concurrent operations all
// complete, never more than 2 executing at once; while the slots are held, a request that
// waits past its bound is answered 503 LimitExceeded, one whose client leaves is dropped
// without holding a slot, and a WebSocket upgrade is not an operation and passes.
func TestLimitInFlightBoundsExecutingOperations(t *testing.T) {
	var running, peak atomic.Int64
	release := make(chan struct{})
	entered := make(chan struct{}, 16)
	h := limitInFlight(2, time.Hour, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		entered <- struct{}{}
		<-release
		running.Add(-1)
		w.WriteHeader(http.StatusOK)
	}))
	var wg sync.WaitGroup
	codes := make(chan int, 6)
	for range 6 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
			codes <- rec.Code
		})
	}
	<-entered
	<-entered // both slots are taken; the other 4 wait

	// A request that may wait 1 ms, while both slots stay held, is refused.
	full := make(chan struct{}, 2)
	blocked := limitInFlightSlots(full, time.Millisecond, http.NotFoundHandler())
	full <- struct{}{}
	full <- struct{}{}
	rec := httptest.NewRecorder()
	blocked.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "1", rec.Header().Get("Retry-After"))
	var body struct {
		Errors []struct{ ErrorType string } `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "LimitExceeded", body.Errors[0].ErrorType)
	// A client that gives up while waiting is dropped: nothing written, no slot taken.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec = httptest.NewRecorder()
	limitInFlightSlots(full, time.Hour, http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil).WithContext(ctx))
	require.Zero(t, rec.Body.Len())
	require.Len(t, full, 2)
	// A WebSocket upgrade passes a full limiter.
	ws := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	ws.Header.Set("Upgrade", "websocket")
	rec = httptest.NewRecorder()
	limitInFlightSlots(full, time.Hour, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })).ServeHTTP(rec, ws)
	require.Equal(t, http.StatusTeapot, rec.Code)

	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		require.Equal(t, http.StatusOK, c)
	}
	require.EqualValues(t, 2, peak.Load(), "never more than 2 operations executing at once")
}
