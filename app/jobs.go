package app

import (
	"context"
	"errors"
	"time"
)

// RecoverBookings runs one recovery sweep of every paid flow on the shared saga machinery
// (booking.Service.Recover, then order.Service.Recover) and logs what each did. It is the
// jobs.BookingRecovery job, whose name stays for the EventBridge rules already deployed:
// EventBridge runs it on Lambda, server mode every minute. One flow's failure does not
// keep the other from being swept.
func (a *App) RecoverBookings(ctx context.Context) error {
	return errors.Join(a.recoverBookingSagas(ctx), a.recoverOrders(ctx))
}

func (a *App) recoverBookingSagas(ctx context.Context) error {
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

// recoverOrders runs one order recovery sweep (order.Service.Recover) and logs it.
func (a *App) recoverOrders(ctx context.Context) error {
	if a.Orders == nil {
		return nil
	}
	start := time.Now()
	rep, err := a.Orders.Recover(ctx)
	attrs := []any{
		"pending", rep.Pending, "taken", rep.Taken, "paid", rep.Completed, "cancelled", rep.Compensated,
		"failed", rep.Failed, "took", time.Since(start).Round(time.Millisecond).String(),
	}
	switch {
	case err != nil:
		a.log.Error("order recovery", append(attrs, "error", err.Error())...)
	case rep.Taken > 0:
		a.log.Info("order recovery", attrs...)
	}
	return err
}
