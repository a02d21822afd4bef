//go:build !crashtest

package main

import (
	"log/slog"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/order"
)

// crashHooks are the killed-process tests' fault injection; release builds have none (see
// crashhook_crashtest.go, built only with -tags crashtest).
func crashHooks(func(string) string, *slog.Logger) (booking.Hook, order.Hook) { return nil, nil }
