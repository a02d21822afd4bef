//go:build !crashtest

package main

import (
	"log/slog"

	"github.com/skygraph/skygraph/domain/booking"
)

// crashHook is the killed-process tests' fault injection; release builds have none (see
// crashhook_crashtest.go, built only with -tags crashtest).
func crashHook(func(string) string, *slog.Logger) booking.Hook { return nil }
