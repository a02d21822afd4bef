package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Every runs every job of r each interval until ctx is done, then waits for the runs in
// progress to finish. It is how server mode (local, Fargate) runs the background jobs that
// EventBridge rules run on Lambda. Each run gets a deadline of one interval, so a slow run
// never overlaps the next one of the same job; failures are logged and retried at the next
// tick. Several instances may run the same job at once: jobs are idempotent (see Func).
func (r Registry) Every(ctx context.Context, interval time.Duration, log *slog.Logger) {
	if len(r) == 0 || interval <= 0 {
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if ctx.Err() != nil { // select picks at random when both are ready
			return
		}
		for _, name := range r.Names() {
			wg.Go(func() {
				runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interval)
				defer cancel()
				start := time.Now()
				if err := r.Run(runCtx, name); err != nil {
					log.ErrorContext(runCtx, "background job failed", "job", name, "error", err.Error(), "took", time.Since(start).String())
					return
				}
				log.DebugContext(runCtx, "background job done", "job", name, "took", time.Since(start).String())
			})
		}
		wg.Wait() // one run of each job at a time: a slow job delays the next tick, never doubles
	}
}
