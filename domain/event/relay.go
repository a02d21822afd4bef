// Package event holds the port through which a server process shares domain events (a
// booking changed, a waitlist entry was seated, …) with the other processes of the same
// deployment, so that a subscriber connected to any process hears a change made on any
// other (Fargate tasks behind one load balancer).
//
// A process always delivers its own events to its own subscribers in memory; a Relay only
// has to reach the other processes. That split is what lets a deployment lose its relay
// (Redis restarting) and keep serving every subscriber connected to the process where a
// change happened, instead of going silent everywhere.
package event

import "context"

// Relay carries opaque event payloads between the processes of one deployment.
//
// Contract, for every implementation:
//   - Publish hands payload to every other process whose Run is active, at most once each.
//     It never delivers to the publishing process's own Run (that process has delivered
//     locally already). An error means other processes may miss this payload; the caller
//     logs it and carries on: it must never fail the mutation that raised the event.
//   - Run delivers, in publication order per publisher, each payload published by another
//     process, until ctx ends; it then returns ctx.Err(). A broken connection is logged and
//     retried with backoff inside Run; payloads published while it was broken are lost (a
//     subscription is a live feed, not a log). deliver must not block for long.
//   - Both are safe for concurrent use; Close releases the connection.
type Relay interface {
	Publish(ctx context.Context, payload []byte) error
	Run(ctx context.Context, deliver func(payload []byte)) error
	Close() error
}

// Alone is the Relay of a deployment with one process (the embedded default, Lambda):
// there is nobody else to reach.
type Alone struct{}

// Publish does nothing: there are no other processes.
func (Alone) Publish(context.Context, []byte) error { return nil }

// Run waits for ctx to end: no other process will ever publish.
func (Alone) Run(ctx context.Context, _ func([]byte)) error {
	<-ctx.Done()
	return ctx.Err()
}

// Close does nothing.
func (Alone) Close() error { return nil }
