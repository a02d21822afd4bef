// Package saga is the machinery every paid flow shares (the booking saga, the order
// saga): the fault-injection hook's vocabulary, retries of steps whose outcome is unknown,
// the detached deadline, the refund step of a compensation, and the recovery sweep over
// pending markers.
//
// A flow built on it persists a stage next to its public status (reserved → cancelling →
// done), makes every step idempotent and every write conditional on the version it read,
// and keeps a pending marker while it is unfinished. Then a process killed at any step
// leaves work that a retry or Sweep completes (the money was captured) or compensates
// (refund or void, then one transaction that cancels and releases what was held). The
// flows keep their own storage transactions; what is shared is the control flow, so a
// fix to it (a retry rule, the sweep's fan-out) reaches every flow at once.
//
// The package knows nothing of GraphQL or DynamoDB.
package saga

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Step names a saga step, for the fault-injection hook and for logs.
type Step string

// Phase says whether a hook runs before a step or after it succeeded.
type Phase string

// The phases.
const (
	Before Phase = "before"
	After  Phase = "after"
)

// ErrKilled stops a saga on the spot when a hook returns it, as if the process had died:
// nothing further is done or undone, and the caller gets an Unavailable error. The
// recovery sweep must then finish the job.
var ErrKilled = errors.New("saga: killed by a test hook")

// Killed reports whether err is (or wraps) ErrKilled.
func Killed(err error) bool { return errors.Is(err, ErrKilled) }

// Unknown reports an error whose outcome is unknown (see payment.Provider and the
// repositories' contracts): the operation may have taken effect. A killed saga's error is
// not unknown: nothing may be retried after a simulated crash.
func Unknown(err error) bool {
	if err == nil || Killed(err) {
		return false
	}
	c := apperr.CodeOf(err)
	return c == apperr.Unavailable || c == apperr.Internal
}

// Timeout bounds one request's run of a saga, under AppSync's 30 s request limit.
const Timeout = 25 * time.Second

// Runs counts one service's sagas in flight. A saga runs detached from its client's
// request on purpose (Detach), so whoever closes the store under the service (App.Close,
// a test's clean-up) waits for the count to reach zero first: no saga then writes to a
// store that is gone. The zero value is ready to use.
type Runs struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n == 0; replaced when n leaves 0
}

// Detach runs a saga on its own deadline (timeout; Timeout when not positive): a client
// that disconnects (or a request deadline that is too short) must not abandon a saga
// halfway, which would leave it to the recovery sweep for a minute. Values (request id,
// loaders) are kept. The run is counted until cancel is called.
func (r *Runs) Detach(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		timeout = Timeout
	}
	r.mu.Lock()
	if r.idle == nil || r.n == 0 {
		r.idle = make(chan struct{})
	}
	r.n++
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	var once sync.Once
	return ctx, func() {
		cancel()
		once.Do(r.done)
	}
}

func (r *Runs) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n--
	if r.n == 0 {
		close(r.idle)
	}
}

// Wait returns once no run is in flight, or with ctx's cause when ctx ends first.
func (r *Runs) Wait(ctx context.Context) error {
	r.mu.Lock()
	idle, n := r.idle, r.n
	r.mu.Unlock()
	if n == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Retrier runs a step again while its outcome is unknown.
type Retrier struct {
	// Retries bounds the retries after the first attempt.
	Retries int
	// Backoff is the first delay, doubled after each retry.
	Backoff time.Duration
}

// Do runs op, and again while its outcome is unknown, at most r.Retries more times with
// exponential backoff. A killed saga is never retried; a cancelled ctx ends the waits
// with Unavailable.
func (r Retrier) Do(ctx context.Context, op func() error) error {
	delay := r.Backoff
	for i := 0; ; i++ {
		err := op()
		if err == nil || Killed(err) || !Unknown(err) || i >= r.Retries {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return apperr.Wrap(ctx.Err(), apperr.Unavailable, "request cancelled or timed out")
		case <-t.C:
		}
		delay *= 2
	}
}

// Failure is the client-safe code and message a compensated saga stores as the reason it
// failed: the cause's own code and message, except that an Internal cause (whose message
// must never reach a client) is stored as Unavailable with fallback.
func Failure(cause error, fallback string) (apperr.Code, string) {
	code, msg := apperr.CodeOf(cause), fallback
	var ae *apperr.Error
	if errors.As(cause, &ae) && code != apperr.Internal {
		msg = ae.Message
	}
	if code == apperr.Internal {
		code = apperr.Unavailable
	}
	return code, msg
}

// Refunder is the part of the payment port a compensation needs (payment.Service).
type Refunder interface {
	Refund(ctx context.Context, customer, chargeID, idempotencyKey string) (payment.Charge, error)
}

// Refund is the money step of a compensation: it refunds what was captured of chargeID,
// or releases its hold, idempotently on key, retrying an unknown outcome. A charge that
// was declined or does not exist has nothing to give back, which is success. before runs
// ahead of each attempt (the fault-injection hook; its error is the refund's failure).
func Refund(ctx context.Context, r Retrier, p Refunder, customer, chargeID, key string, before func() error) error {
	return r.Do(ctx, func() error {
		if err := before(); err != nil {
			return err
		}
		_, err := p.Refund(ctx, customer, chargeID, key)
		if apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.NotFound) {
			return nil
		}
		return err
	})
}

// Pending is an unfinished saga as the recovery sweep sees it: its pending marker.
type Pending struct {
	ID    string
	Since time.Time
}

// Outcome is what finishing one pending saga did.
type Outcome int

// The outcomes.
const (
	// Nothing: the saga was already finished (its stale marker was removed).
	Nothing Outcome = iota
	// Completed: the saga went through (the money is captured and kept).
	Completed
	// Compensated: the saga was undone (refunded or voided, everything released).
	Compensated
)

// Report is what one sweep did.
type Report struct {
	// Pending is the number of pending sagas seen; Taken those old enough to take over.
	Pending, Taken int
	// Completed and Compensated count the sagas the sweep finished; Failed those it could
	// not (they stay pending for the next sweep).
	Completed, Compensated, Failed int
}

// Add sums two reports (a sweep over several flows).
func (r Report) Add(o Report) Report {
	return Report{
		Pending: r.Pending + o.Pending, Taken: r.Taken + o.Taken, Completed: r.Completed + o.Completed,
		Compensated: r.Compensated + o.Compensated, Failed: r.Failed + o.Failed,
	}
}

// SweepBatch bounds the markers one sweep of one flow reads; the next sweep takes the rest.
const SweepBatch = 1000

// sweepWorkers bounds the sagas one sweep finishes at once.
const sweepWorkers = 8

// Sweep finishes every pending saga whose marker is older than cutoff (its process died,
// or an outcome stayed unknown) with finish, a few at a time. It is safe to run
// concurrently with live requests and with other sweeps as long as finish is (every step
// idempotent, every write conditional). Errors of single sagas are joined; the others are
// still processed.
func Sweep(ctx context.Context, pending []Pending, cutoff time.Time, finish func(ctx context.Context, id string) (Outcome, error)) (Report, error) {
	rep := Report{Pending: len(pending)}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, sweepWorkers)
	)
	for _, p := range pending {
		if p.Since.After(cutoff) {
			continue
		}
		rep.Taken++
		wg.Add(1)
		sem <- struct{}{}
		go func(id string) {
			defer func() { <-sem; wg.Done() }()
			out, err := finish(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				rep.Failed++
				errs = append(errs, err)
			case out == Completed:
				rep.Completed++
			case out == Compensated:
				rep.Compensated++
			}
		}(p.ID)
	}
	wg.Wait()
	return rep, errors.Join(errs...)
}

// Stage is where a saga is, persisted on its object next to the public status so that
// any process (a retry, the recovery sweep) can carry on from it:
//
//	RESERVED ──capture, complete──▶ DONE
//	RESERVED ──step refused───────▶ CANCELLING ──refund, cancel──▶ DONE (cancelled)
//	DONE ──cancel asked for───────▶ CANCELLING ──refund, cancel──▶ DONE (cancelled)
//
// CANCELLING is a one-way door: every write of the object is conditional on the version
// it read, so once CANCELLING is written nothing can complete any more, and a refund can
// never race a completion.
type Stage string

// The stages.
const (
	Reserved   Stage = "RESERVED"
	Cancelling Stage = "CANCELLING"
	Done       Stage = "DONE"
)
