package app

import (
	"context"
	"time"
)

// RecoverBookings runs one booking recovery sweep (booking.Service.Recover) and logs what
// it did. It is the jobs.BookingRecovery job: EventBridge runs it on Lambda, server mode
// every minute.
func (a *App) RecoverBookings(ctx context.Context) error {
	start := time.Now()
	rep, err := a.Bookings.Recover(ctx)
	attrs := []any{
		"pending", rep.Pending, "taken", rep.Taken, "confirmed", rep.Confirmed, "cancelled", rep.Cancelled,
		"failed", rep.Failed, "took", time.Since(start).Round(time.Millisecond).String(),
	}
	switch {
	case err != nil:
		a.log.Error("booking recovery", append(attrs, "error", err.Error())...)
	case rep.Taken > 0:
		a.log.Info("booking recovery", attrs...)
	}
	return err
}
