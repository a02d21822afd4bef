// Package eventtest is the contract every event.Relay must meet (see event.Relay), as
// tests any implementation runs: Single for one process on its own (event.Alone, or a
// real relay with nobody else listening), Pair for two processes sharing one bus, with an
// optional outage of the bus in the middle.
//
// Nothing here waits for a duration: each step waits for an outcome (a delivery, Run
// returning) under a generous hang guard, so the suite passes on a slow machine.
package eventtest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/event"
)

// hangGuard bounds every wait: a broken relay fails the test instead of hanging it.
const hangGuard = 2 * time.Minute

// poll is how often a probe is published again while waiting for a subscription to be
// active: Publish only reaches processes whose Run is subscribed, and nothing in the port
// says when that is, so the suite repeats a probe until it arrives.
const poll = 20 * time.Millisecond

// recorder keeps what a Run delivered, in order.
type recorder struct {
	mu      sync.Mutex
	got     [][]byte
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 1)} }

func (r *recorder) deliver(p []byte) {
	r.mu.Lock()
	r.got = append(r.got, bytes.Clone(p))
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.got...)
}

func (r *recorder) has(p string) bool {
	for _, g := range r.snapshot() {
		if string(g) == p {
			return true
		}
	}
	return false
}

// waitFor waits until the recorder holds want, calling tick (if not nil) on every poll.
func (r *recorder) waitFor(t *testing.T, want string, tick func()) {
	t.Helper()
	deadline := time.After(hangGuard)
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	for !r.has(want) {
		if tick != nil {
			tick()
		}
		select {
		case <-r.changed:
		case <-ticker.C:
		case <-deadline:
			t.Fatalf("no delivery of %q within %s (got %d payloads)", want, hangGuard, len(r.snapshot()))
		}
	}
}

// running is a Run in progress.
type running struct {
	rec    *recorder
	cancel context.CancelFunc
	done   chan error
}

func start(r event.Relay) *running {
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{rec: newRecorder(), cancel: cancel, done: make(chan error, 1)}
	go func() { run.done <- r.Run(ctx, run.rec.deliver) }()
	return run
}

// stop cancels the Run and checks that it returns ctx.Err().
func (run *running) stop(t *testing.T) {
	t.Helper()
	run.cancel()
	select {
	case err := <-run.done:
		require.ErrorIs(t, err, context.Canceled, "Run must return ctx.Err() when its ctx ends")
	case <-time.After(hangGuard):
		t.Fatalf("Run did not return within %s of its ctx ending", hangGuard)
	}
}

// alive fails the test if Run has returned.
func (run *running) alive(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-run.done:
		t.Fatalf("%s: Run returned (%v); it must keep retrying until its ctx ends", what, err)
	default:
	}
}

// Single checks what a relay promises on its own: Publish succeeds with nobody else
// listening, concurrent Publish calls are safe, the Run delivers none of the relay's own
// payloads, Run returns ctx.Err() when its ctx ends, and Close succeeds. (That a busy bus
// never echoes a relay's own payloads is Pair's to prove: it fences them.)
func Single(t *testing.T, r event.Relay) {
	t.Helper()
	run := start(r)
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				errs <- r.Publish(context.Background(), fmt.Appendf(nil, "self:%d:%d", i, j))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	run.stop(t)
	require.Empty(t, run.rec.snapshot(), "Run delivered the relay's own payloads")
	require.NoError(t, r.Close())
}

// Outage breaks and restores the bus under a Pair (e.g. kills and restarts redis-server).
// Stop returns once the bus is down and both relays' Runs have seen it (their log says so).
type Outage struct {
	Stop  func(t *testing.T)
	Start func(t *testing.T)
}

// Pair checks two relays on one bus, as two server processes: each payload one publishes
// reaches the other exactly once, in publication order per publisher (while both publish
// concurrently), byte for byte, and never reaches the publisher itself. With outage, the bus
// then goes down: Publish returns an error, both Runs keep retrying, and once the bus is back
// delivery resumes, exactly once and in order again. Both relays are closed at the end.
func Pair(t *testing.T, a, b event.Relay, outage *Outage) {
	t.Helper()
	ra, rb := start(a), start(b)
	defer func() {
		ra.cancel()
		rb.cancel()
	}()
	round := 0
	exchange := func(n int, ignoreErrors bool) {
		t.Helper()
		round++
		connect(t, a, b, ra, rb, round, ignoreErrors)
		ab, ba := traffic(t, a, b, ra, rb, round, n)
		checkStream(t, "b from a", rb.rec.snapshot(), ab, round)
		checkStream(t, "a from b", ra.rec.snapshot(), ba, round)
	}
	exchange(200, false)

	if outage != nil {
		outage.Stop(t)
		err := a.Publish(context.Background(), []byte("lost"))
		require.Error(t, err, "Publish must return an error while the bus is down (the caller logs it)")
		ra.alive(t, "bus down")
		rb.alive(t, "bus down")
		outage.Start(t)
		// Payloads published while a Run resubscribes may be lost; connect repeats its
		// probes (ignoring Publish errors) until each side hears the other again.
		exchange(50, true)
	}

	ra.stop(t)
	rb.stop(t)
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
}

// connect repeats a probe from each relay until the other delivers it: both Runs are then
// subscribed.
func connect(t *testing.T, a, b event.Relay, ra, rb *running, round int, ignoreErrors bool) {
	t.Helper()
	for _, side := range []struct {
		name string
		from event.Relay
		to   *running
	}{{"a", a, rb}, {"b", b, ra}} {
		probe := fmt.Sprintf("probe:%d:%s", round, side.name)
		side.to.rec.waitFor(t, probe, func() {
			err := side.from.Publish(context.Background(), []byte(probe))
			if !ignoreErrors {
				require.NoError(t, err)
			}
		})
	}
}

// traffic publishes n payloads from each relay concurrently, then an end marker each, then
// waits until each side has the other's marker and a fence published after it: a relay
// that delivered its own payloads would have done so by then (the bus orders them before
// the fence). It returns what each side published.
func traffic(t *testing.T, a, b event.Relay, ra, rb *running, round, n int) (ab, ba []string) {
	t.Helper()
	payloads := func(name string) []string {
		var ps []string
		for i := range n {
			ps = append(ps, fmt.Sprintf("%d:%s:%d", round, name, i))
		}
		// One binary payload: every byte value, and larger than a typical socket read.
		bin := make([]byte, 0, 70_000)
		bin = fmt.Appendf(bin, "%d:%s:bin:", round, name)
		for i := range 69_000 {
			bin = append(bin, byte(i))
		}
		return append(ps, string(bin), fmt.Sprintf("%d:%s:end", round, name))
	}
	ab, ba = payloads("a"), payloads("b")
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, side := range []struct {
		r  event.Relay
		ps []string
	}{{a, ab}, {b, ba}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range side.ps {
				if err := side.r.Publish(context.Background(), []byte(p)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	rb.rec.waitFor(t, ab[len(ab)-1], nil)
	ra.rec.waitFor(t, ba[len(ba)-1], nil)
	fa, fb := fmt.Sprintf("%d:a:fence", round), fmt.Sprintf("%d:b:fence", round)
	require.NoError(t, a.Publish(context.Background(), []byte(fa)))
	require.NoError(t, b.Publish(context.Background(), []byte(fb)))
	rb.rec.waitFor(t, fa, nil)
	ra.rec.waitFor(t, fb, nil)
	return ab, ba
}

// checkStream checks that got holds exactly want (each once, in order) among this
// round's payloads, and none of the receiving side's own payloads of any round.
func checkStream(t *testing.T, name string, got [][]byte, want []string, round int) {
	t.Helper()
	from := strings.Split(want[0], ":")[1] // "a" or "b"
	self := map[string]string{"a": "b", "b": "a"}[from]
	prefix := fmt.Sprintf("%d:%s:", round, from)
	var stream []string
	for _, g := range got {
		s := string(g)
		if strings.Contains(s, ":"+self+":") && !strings.HasPrefix(s, "probe:") {
			t.Fatalf("%s: a relay delivered its own payload %.40q", name, s)
		}
		if strings.HasPrefix(s, "probe:") && strings.HasSuffix(s, ":"+self) {
			t.Fatalf("%s: a relay delivered its own probe %q", name, s)
		}
		if strings.HasPrefix(s, prefix) && !strings.HasSuffix(s, ":fence") {
			stream = append(stream, s)
		}
	}
	if len(stream) != len(want) {
		t.Fatalf("%s: got %d payloads of round %d, want %d, each exactly once", name, len(stream), round, len(want))
	}
	for i := range want {
		if stream[i] != want[i] {
			t.Fatalf("%s: payload %d is %.40q, want %.40q (order per publisher, bytes intact)", name, i, stream[i], want[i])
		}
	}
}
