//go:build crashtest

package main

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/skygraph/skygraph/domain/booking"
)

// crashHook kills the process for real at one booking saga step, named by
// SKYGRAPH_CRASH_AT as "step/phase" (e.g. "capture/after", see booking.Step and
// booking.Phase): exit status 137, as after a SIGKILL, with no deferred function, no
// compensation and no graceful shutdown. Only binaries built with -tags crashtest have it:
// the killed-process tests build one.
func crashHook(getenv func(string) string, log *slog.Logger) booking.Hook {
	at := getenv("SKYGRAPH_CRASH_AT")
	if at == "" {
		return nil
	}
	step, phase, _ := strings.Cut(at, "/")
	log.Warn("crash test build: the process dies at a booking saga step", "at", at)
	return func(_ context.Context, b *booking.Booking, s booking.Step, p booking.Phase) error {
		if string(s) == step && string(p) == phase {
			log.Warn("crash test: dying now", "booking", b.ID, "at", at)
			os.Exit(137)
		}
		return nil
	}
}
