// Package jobs holds skygraph's background jobs: the work that is not a GraphQL request but
// runs on a schedule (the booking recovery sweep, the waitlist notifier). On Lambda, an
// EventBridge rule invokes the function with {"skygraph-job": "<name>"} and the function
// runs the job of that name from a Registry instead of serving HTTP.
//
// # The contract every job keeps
//
//   - Idempotent. EventBridge delivers an event at least once, and Lambda retries a failed
//     asynchronous invocation (twice by default), so a job may run twice for one schedule
//     tick, or overlap with the previous run. Running it again must not repeat an effect:
//     use conditional writes and state kept in the table, never "read, then write blindly".
//   - Bounded by ctx. ctx carries the Lambda deadline (less a margin left to report the
//     result). A job checks ctx between units of work and stops with ctx.Err() when it is
//     done for; work left over is picked up by the next run, which is why progress lives in
//     the table and not in memory.
//   - Reports failure. A job returns an error for anything that did not get done, never
//     logs and swallows it: the error fails the invocation, so Lambda retries it and, after
//     the retries, the on-failure destination (the dead-letter queue) receives it.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
)

// The job names the CDK app's EventBridge rules send as {"skygraph-job": NAME}. They are
// constants so a registration and the rule cannot drift apart by a typo.
const (
	// BookingRecovery finishes the paid sagas (bookings and orders, on the shared saga
	// machinery) left pending by a crashed process or an unanswered payment processor
	// (booking.Service.Recover, order.Service.Recover). The name predates orders and stays,
	// so deployed EventBridge rules keep working.
	BookingRecovery = "booking-recovery"
	// WaitlistNotifier tells customers on a restaurant waitlist that their table is ready.
	WaitlistNotifier = "waitlist-notifier"
)

// Func is one job. See the package documentation for the contract it keeps.
type Func func(ctx context.Context) error

// Registry maps job names to jobs. It is built once at start-up and only read afterwards,
// so concurrent Runs need no locking.
type Registry map[string]Func

// ErrUnknownJob is returned by Run for a name with no job. It is an error, not a no-op, so
// a rule that names a job this build does not have fails loudly (and reaches the
// dead-letter queue) instead of succeeding silently every time it fires.
var ErrUnknownJob = errors.New("unknown job")

// Run runs the job called name once and returns its error. A job that panics returns an
// error (with the stack) instead of taking down the process that also serves the API; a
// ctx already done means the job is not started at all.
func (r Registry) Run(ctx context.Context, name string) (err error) {
	f := r[name]
	if f == nil {
		return fmt.Errorf("%w %q (registered: %s)", ErrUnknownJob, name, r.describe())
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("job %q not started: %w", name, err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %q panicked: %v\n%s", name, p, debug.Stack())
		}
	}()
	if err := f(ctx); err != nil {
		return fmt.Errorf("job %q: %w", name, err)
	}
	return nil
}

// Names returns the registered job names, sorted, for logs and error messages.
func (r Registry) Names() []string {
	names := make([]string, 0, len(r))
	for n, f := range r {
		if f != nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func (r Registry) describe() string {
	if names := r.Names(); len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return "none"
}
