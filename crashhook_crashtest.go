//go:build crashtest

package main

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/saga"
)

// crashHooks kill the process for real at one saga step, named by SKYGRAPH_CRASH_AT as
// "step/phase" for the booking saga (e.g. "capture/after", see booking.Step and
// booking.Phase) or "order:step/phase" for the order saga (order.StepCapture, …): exit
// status 137, as after a SIGKILL, with no deferred function, no compensation and no
// graceful shutdown. Only binaries built with -tags crashtest have them: the
// killed-process tests build one.
func crashHooks(getenv func(string) string, log *slog.Logger) (booking.Hook, order.Hook) {
	at := getenv("SKYGRAPH_CRASH_AT")
	if at == "" {
		return nil, nil
	}
	die := func(what, id string) {
		log.Warn("crash test: dying now", what, id, "at", at)
		os.Exit(137)
	}
	if rest, ok := strings.CutPrefix(at, "order:"); ok {
		step, phase, _ := strings.Cut(rest, "/")
		log.Warn("crash test build: the process dies at an order saga step", "at", at)
		return nil, func(_ context.Context, o *order.Order, s saga.Step, p saga.Phase) error {
			if string(s) == step && string(p) == phase {
				die("order", o.ID)
			}
			return nil
		}
	}
	step, phase, _ := strings.Cut(at, "/")
	log.Warn("crash test build: the process dies at a booking saga step", "at", at)
	return func(_ context.Context, b *booking.Booking, s booking.Step, p booking.Phase) error {
		if string(s) == step && string(p) == phase {
			die("booking", b.ID)
		}
		return nil
	}, nil
}
