package saga_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
)

func TestRetrierRetriesOnlyUnknownOutcomes(t *testing.T) {
	ctx := context.Background()
	r := saga.Retrier{Retries: 3, Backoff: time.Microsecond}
	for _, c := range []struct {
		err   error
		calls int
	}{
		{nil, 1},
		{apperr.New(apperr.Unavailable, "down"), 4},
		{apperr.Errorf("boom"), 4},
		{apperr.New(apperr.PaymentDeclined, "no"), 1},
		{apperr.New(apperr.Conflict, "moved"), 1},
		{apperr.Wrap(saga.ErrKilled, apperr.Unavailable, "killed"), 1},
	} {
		n := 0
		err := r.Do(ctx, func() error { n++; return c.err })
		require.Equal(t, c.calls, n, "%v", c.err)
		require.Equal(t, c.err, err)
	}
	// A cancelled context ends the waits.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err := saga.Retrier{Retries: 3, Backoff: time.Hour}.Do(cctx, func() error { return apperr.New(apperr.Unavailable, "down") })
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
}

func TestFailureNeverLeaksAnInternalMessage(t *testing.T) {
	code, msg := saga.Failure(apperr.New(apperr.PaymentDeclined, "card declined"), "fallback")
	require.Equal(t, apperr.PaymentDeclined, code)
	require.Equal(t, "card declined", msg)
	code, msg = saga.Failure(apperr.Errorf("dynamodb: secret table detail"), "fallback")
	require.Equal(t, apperr.Unavailable, code)
	require.Equal(t, "fallback", msg)
}

type refunder struct{ err error }

func (r refunder) Refund(context.Context, string, string, string) (payment.Charge, error) {
	return payment.Charge{}, r.err
}

func TestRefundTreatsNothingToGiveBackAsDone(t *testing.T) {
	ctx := context.Background()
	r := saga.Retrier{Retries: 1, Backoff: time.Microsecond}
	ok := func() error { return nil }
	require.NoError(t, saga.Refund(ctx, r, refunder{apperr.New(apperr.Conflict, "declined charge")}, "c", "ch", "k", ok))
	require.NoError(t, saga.Refund(ctx, r, refunder{apperr.New(apperr.NotFound, "no charge")}, "c", "ch", "k", ok))
	err := saga.Refund(ctx, r, refunder{apperr.New(apperr.Unavailable, "down")}, "c", "ch", "k", ok)
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
	hookErr := errors.New("injected")
	require.ErrorIs(t, saga.Refund(ctx, r, refunder{}, "c", "ch", "k", func() error { return hookErr }), hookErr)
}

func TestSweepTakesOnlyOldSagasAndCountsOutcomes(t *testing.T) {
	now := time.Now()
	var pending []saga.Pending
	for i := range 30 {
		since := now.Add(-time.Hour)
		if i%3 == 0 {
			since = now // too young: a live request may still be running it
		}
		pending = append(pending, saga.Pending{ID: fmt.Sprint(i), Since: since})
	}
	var calls atomic.Int32
	rep, err := saga.Sweep(context.Background(), pending, now.Add(-time.Minute), func(_ context.Context, id string) (saga.Outcome, error) {
		calls.Add(1)
		var n int
		_, _ = fmt.Sscan(id, &n)
		switch n % 3 {
		case 1:
			return saga.Completed, nil
		default:
			if n%2 == 0 {
				return saga.Nothing, apperr.New(apperr.Unavailable, "still down")
			}
			return saga.Compensated, nil
		}
	})
	require.Error(t, err)
	require.EqualValues(t, 20, calls.Load())
	require.Equal(t, saga.Report{Pending: 30, Taken: 20, Completed: 10, Compensated: 5, Failed: 5}, rep)
	require.Equal(t, saga.Report{Pending: 60, Taken: 40, Completed: 20, Compensated: 10, Failed: 10}, rep.Add(rep))
}
