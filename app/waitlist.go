package app

import (
	"context"
	"time"

	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/adapter/lognotify"
	"github.com/skygraph/skygraph/adapter/memqueue"
	"github.com/skygraph/skygraph/app/demo"
	"github.com/skygraph/skygraph/domain/waitlist"
)

// waitlistParts are the notification ports of the waitlist service, as wired.
type waitlistParts struct {
	inbox waitlist.Inbox
	// kind names the queue and notifier for the start-up log.
	queueKind, notifierKind string
}

// openWaitlists builds the waitlist service with its queue (SQS when a queue URL is
// configured, in-process otherwise) and notifier (SNS SMS when configured, the log
// otherwise).
func (a *App) openWaitlists(ctx context.Context, cfg Config, opts Options) error {
	var (
		q     waitlist.Queue
		parts waitlistParts
	)
	switch {
	case cfg.WaitlistQueueURL != "":
		sq, err := openSQS(ctx, cfg)
		if err != nil {
			return err
		}
		q, parts.inbox, parts.queueKind = sq, sq, "sqs"
	default:
		mq := memqueue.New(memqueue.Config{})
		q, parts.inbox, parts.queueKind = mq, mq, "in-process"
	}
	var n waitlist.Notifier = lognotify.Notifier{Log: a.log}
	parts.notifierKind = "log"
	if cfg.WaitlistSMS {
		sn, err := openSNS(ctx, cfg)
		if err != nil {
			return err
		}
		n, parts.notifierKind = sn, "sns-sms"
	}
	if opts.WaitlistNotifier != nil {
		n, parts.notifierKind = opts.WaitlistNotifier, "test"
	}
	a.Waitlists = waitlist.NewService(a.Store.Waitlists(), waitlist.Config{Now: opts.Now, Queue: q, Notifier: n, Log: a.log, Events: waitlistEvents{a.Events}})
	a.waitlist = parts
	return nil
}

// seedWaitlist seeds the demo waitlist of owner@example.com (embedded mode).
func (a *App) seedWaitlist(ctx context.Context) error {
	if a.identity.local == nil {
		return nil // the demo owner exists only in the local identity provider
	}
	w, err := demo.SeedWaitlist(ctx, a.Waitlists, localidp.DemoSub("owner@example.com"), localidp.DemoSub("demo@example.com"))
	if err != nil {
		return err
	}
	a.log.Info("seeded demo waitlist", "id", w.ID, "name", w.Name)
	return nil
}

// NotifyWaitlists runs the waitlist notification producer once (waitlist.Service.Produce)
// and logs what it did. It is the jobs.WaitlistNotifier job: EventBridge runs it every
// minute on Lambda, server mode every minute too.
func (a *App) NotifyWaitlists(ctx context.Context) error {
	start := time.Now()
	rep, err := a.Waitlists.Produce(ctx)
	attrs := []any{"due", rep.Due, "claimed", rep.Claimed, "dropped", rep.Dropped, "lost", rep.Lost,
		"took", time.Since(start).Round(time.Millisecond).String()}
	switch {
	case err != nil:
		a.log.Error("waitlist notifier", append(attrs, "error", err.Error())...)
	case rep.Due > 0:
		a.log.Info("waitlist notifier", attrs...)
	}
	return err
}

// ConsumeWaitlistNotifications polls the notification queue and delivers what it takes,
// until ctx ends: server mode (local, Fargate). On Lambda the SQS event source mapping
// invokes DeliverWaitlistMessage instead.
func (a *App) ConsumeWaitlistNotifications(ctx context.Context) {
	a.log.Info("waitlist notification consumer started", "queue", a.waitlist.queueKind, "notifier", a.waitlist.notifierKind)
	a.Waitlists.Consume(ctx, a.waitlist.inbox)
}

// DeliverWaitlistMessage handles one queue message body (a Lambda SQS record). A body that
// is not a notification is dropped (logged, nil error: retrying cannot fix it); an error
// means the message must be retried.
func (a *App) DeliverWaitlistMessage(ctx context.Context, body string) error {
	m, err := waitlist.DecodeMessage(body)
	if err != nil {
		a.log.ErrorContext(ctx, "waitlist queue: dropping a message that is not a notification", "error", err.Error())
		return nil
	}
	return a.Waitlists.Deliver(ctx, m)
}

// WaitlistInbox is the consuming side of the notification queue (the server-mode poller's;
// tests take the messages the producer enqueued from it).
func (a *App) WaitlistInbox() waitlist.Inbox { return a.waitlist.inbox }
