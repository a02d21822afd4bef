package localidp

import (
	"sync"
	"time"

	"github.com/skygraph/skygraph/domain/account"
)

// MsgAttemptsExceeded is Cognito's message for a locked-out sign-in.
const MsgAttemptsExceeded = account.MsgAttemptsExceeded

// Throttling defaults, Cognito's where it documents them: after 5 failed attempts an
// account is locked for 1 s, doubling with each further failure up to about 15 minutes.
// One peer address gets more attempts (it may be a NAT), with the same back-off.
const (
	DefaultMaxFailures      = 5
	DefaultMaxFailuresPerIP = 20
	DefaultMaxLockout       = 15 * time.Minute
	failureMemory           = 15 * time.Minute
	maxThrottleEntries      = 100_000
	firstLockout            = time.Second
)

// throttle counts failed credential checks per key (an email, a peer address) and locks a
// key out once it has too many, with exponential back-off. It is in memory, per process:
// the local provider is a development stand-in.
type throttle struct {
	mu      sync.Mutex
	now     func() time.Time
	max     int
	maxLock time.Duration
	entries map[string]*throttleEntry
}

type throttleEntry struct {
	failures    int
	lastFailure time.Time
	lockedUntil time.Time
}

func newThrottle(now func() time.Time, maxFailures int, maxLock time.Duration) *throttle {
	return &throttle{now: now, max: maxFailures, maxLock: maxLock, entries: map[string]*throttleEntry{}}
}

// locked reports whether key is locked out now.
func (t *throttle) locked(key string) bool {
	if key == "" {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[key]
	return e != nil && t.now().Before(e.lockedUntil)
}

// fail records a failed attempt for key; past max failures the key is locked for
// firstLockout, doubled for each further failure, up to maxLock.
func (t *throttle) fail(key string) {
	if key == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	e := t.entries[key]
	if e == nil {
		t.makeRoom(now)
		e = &throttleEntry{}
		t.entries[key] = e
	}
	if now.Sub(e.lastFailure) > failureMemory {
		e.failures = 0
	}
	e.failures++
	e.lastFailure = now
	if over := e.failures - t.max; over > 0 {
		lock := firstLockout << min(over-1, 20)
		e.lockedUntil = now.Add(min(lock, t.maxLock))
	}
}

// succeed forgets key's failures (a correct password ends an account's back-off).
func (t *throttle) succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// makeRoom keeps the table bounded: forgotten failures go first, then entries that are
// not locked. Locked entries stay, so spraying keys cannot lift a lockout.
func (t *throttle) makeRoom(now time.Time) {
	if len(t.entries) < maxThrottleEntries {
		return
	}
	for k, e := range t.entries {
		if now.Sub(e.lastFailure) > failureMemory && !now.Before(e.lockedUntil) {
			delete(t.entries, k)
		}
	}
	for k, e := range t.entries {
		if len(t.entries) < maxThrottleEntries {
			return
		}
		if !now.Before(e.lockedUntil) {
			delete(t.entries, k)
		}
	}
}

func errAttemptsExceeded() error { return account.ErrAttemptsExceeded() }
