// Package lognotify is the default waitlist.Notifier: it writes the notification to the
// log instead of sending it, so development and embedded mode show what a party would
// receive without an SMS account. The phone number is masked to its last four digits:
// logs are not the place for customers' numbers.
package lognotify

import (
	"context"
	"log/slog"

	"github.com/skygraph/skygraph/domain/waitlist"
)

// Notifier logs notifications.
type Notifier struct{ Log *slog.Logger }

var _ waitlist.Notifier = Notifier{}

// Notify logs n at info level; it never fails.
func (n Notifier) Notify(ctx context.Context, x waitlist.Notification) error {
	n.Log.InfoContext(ctx, "waitlist notification", "entry", x.EntryID, "waitlist", x.WaitlistID,
		"to", Mask(x.Phone), "message", x.Text)
	return nil
}

// Mask keeps the last four digits of a phone number.
func Mask(phone string) string {
	if len(phone) <= 4 {
		return "****"
	}
	out := []byte(phone)
	for i := range len(out) - 4 {
		if out[i] >= '0' && out[i] <= '9' {
			out[i] = '*'
		}
	}
	return string(out)
}
