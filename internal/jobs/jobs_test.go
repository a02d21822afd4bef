package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/jobs"
)

func TestRunUnknownJobFails(t *testing.T) {
	for _, r := range []jobs.Registry{nil, {}, {"other": func(context.Context) error { return nil }}} {
		err := r.Run(context.Background(), jobs.BookingRecovery)
		require.ErrorIs(t, err, jobs.ErrUnknownJob)
		require.ErrorContains(t, err, `"booking-recovery"`)
	}
	err := jobs.Registry{}.Run(context.Background(), "x")
	require.ErrorContains(t, err, "registered: none")
	err = jobs.Registry{"b": func(context.Context) error { return nil }, "a": func(context.Context) error { return nil }}.Run(context.Background(), "x")
	require.ErrorContains(t, err, "registered: a, b")
}

func TestRunRunsOnceAndReportsErrors(t *testing.T) {
	boom := errors.New("boom")
	var calls int
	r := jobs.Registry{
		"ok":   func(context.Context) error { calls++; return nil },
		"fail": func(context.Context) error { return boom },
	}
	require.NoError(t, r.Run(context.Background(), "ok"))
	require.Equal(t, 1, calls)
	err := r.Run(context.Background(), "fail")
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, `job "fail"`)
}

func TestRunRecoversPanics(t *testing.T) {
	r := jobs.Registry{"panics": func(context.Context) error { panic("kaput") }}
	err := r.Run(context.Background(), "panics")
	require.ErrorContains(t, err, `job "panics" panicked: kaput`)
}

func TestRunDoesNotStartWhenCtxIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	r := jobs.Registry{"j": func(context.Context) error { ran = true; return nil }}
	require.ErrorIs(t, r.Run(ctx, "j"), context.Canceled)
	require.False(t, ran)
}

func TestNames(t *testing.T) {
	r := jobs.Registry{jobs.WaitlistNotifier: func(context.Context) error { return nil }, jobs.BookingRecovery: func(context.Context) error { return nil }, "nil": nil}
	require.Equal(t, []string{"booking-recovery", "waitlist-notifier"}, r.Names())
	require.Empty(t, jobs.Registry(nil).Names())
}
