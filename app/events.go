package app

import (
	"context"

	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/domain/waitlist"
)

// startEvents builds the process's event hub over the relay (Options.Relay; nil: this
// process is alone) and runs it until Close. Every service publishes to it; the
// subscription resolvers listen to it.
func (a *App) startEvents(opts Options) {
	relay := opts.Relay
	if relay == nil {
		relay = event.Alone{}
	}
	a.Events = event.NewHub(a.log, event.HubConfig{Relay: relay})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.Events.Run(ctx)
	}()
	a.closers = append(a.closers, func() error {
		cancel()
		<-done
		return relay.Close()
	})
}

// waitlistEvents adapts the hub to the waitlist service's Events port: routing ids only,
// subscribers re-read the entry.
type waitlistEvents struct{ hub *event.Hub }

func (w waitlistEvents) EntryChanged(ctx context.Context, e *waitlist.Entry) {
	w.hub.Publish(ctx, event.Event{Kind: event.WaitlistEntryChanged, ID: e.ID, Parent: e.WaitlistID, Owner: e.Customer})
}

func (w waitlistEvents) WaitlistChanged(ctx context.Context, l *waitlist.Waitlist, deleted bool) {
	e := event.Event{Kind: event.WaitlistChanged, ID: l.ID, Owner: l.Owner}
	if deleted {
		e.Parent = "deleted"
	}
	w.hub.Publish(ctx, e)
}
