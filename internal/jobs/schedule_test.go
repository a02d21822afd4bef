package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/jobs"
)

// TestEveryRunsJobsUntilCancelled: each job runs once per tick, a failing job does not stop
// the others or later ticks, and cancellation waits for the run in progress.
func TestEveryRunsJobsUntilCancelled(t *testing.T) {
	var ok, failing, finished atomic.Int32
	release := make(chan struct{})
	r := jobs.Registry{
		"ok":      func(context.Context) error { ok.Add(1); return nil },
		"failing": func(context.Context) error { failing.Add(1); return errors.New("boom") },
		"slow": func(ctx context.Context) error {
			<-release
			finished.Add(1)
			return nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.Every(ctx, 10*time.Millisecond, slog.New(slog.DiscardHandler))
		close(done)
	}()
	require.Eventually(t, func() bool { return ok.Load() >= 1 && failing.Load() >= 1 }, time.Minute, 5*time.Millisecond) // returns as soon as it holds
	cancel()
	select {
	case <-done:
		t.Fatal("Every returned while a run was in progress")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-done
	require.Equal(t, int32(1), finished.Load())
	require.Equal(t, ok.Load(), failing.Load(), "one run of each job per tick, failures included")
}

func TestEveryWithNoJobsReturns(t *testing.T) {
	jobs.Registry{}.Every(context.Background(), time.Millisecond, slog.New(slog.DiscardHandler))
}
