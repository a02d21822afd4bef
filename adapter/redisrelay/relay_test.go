package redisrelay_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/redisrelay"
	"github.com/skygraph/skygraph/domain/event/eventtest"
	"github.com/skygraph/skygraph/internal/redistest"
	"github.com/skygraph/skygraph/internal/testcert"
)

const hangGuard = 2 * time.Minute

// logs records a relay's log messages so a test can wait for one.
type logs struct {
	mu      sync.Mutex
	msgs    []string
	changed chan struct{}
}

func newLogs() *logs { return &logs{changed: make(chan struct{}, 1)} }

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logs) WithGroup(string) slog.Handler            { return l }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.msgs = append(l.msgs, r.Level.String()+" "+r.Message)
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return nil
}

func (l *logs) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, sub) {
			n++
		}
	}
	return n
}

// waitCount waits until sub appears at least n times.
func (l *logs) waitCount(t *testing.T, sub string, n int) {
	t.Helper()
	deadline := time.After(hangGuard)
	for l.count(sub) < n {
		select {
		case <-l.changed:
		case <-deadline:
			t.Fatalf("log %q did not appear %d times within %s", sub, n, hangGuard)
		}
	}
}

func newRelay(t *testing.T, cfg redisrelay.Config) (*redisrelay.Relay, *logs) {
	t.Helper()
	l := newLogs()
	cfg.Log = slog.New(l)
	// Short backoff: the test waits for outcomes, this only makes them come sooner.
	cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 200*time.Millisecond
	r, err := redisrelay.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r, l
}

// Two processes on one redis-server: each payload reaches the other exactly once, in
// order, never its publisher; killing redis-server makes Publish fail while both Runs keep
// retrying (and log it), and delivery resumes once it is back.
func TestPairOnRedisWithOutage(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	a, la := newRelay(t, redisrelay.Config{URL: srv.URL})
	b, lb := newRelay(t, redisrelay.Config{URL: srv.URL})
	eventtest.Pair(t, a, b, &eventtest.Outage{
		Stop: func(t *testing.T) {
			lostA, lostB := la.count("subscription lost"), lb.count("subscription lost")
			srv.Kill()
			la.waitCount(t, "subscription lost", lostA+1)
			lb.waitCount(t, "subscription lost", lostB+1)
		},
		Start: func(t *testing.T) {
			srv.Restart()
			// Both Runs say so when they are subscribed again.
			la.waitCount(t, "subscribed again", 1)
			lb.waitCount(t, "subscribed again", 1)
		},
	})
}

// rediss:// (ElastiCache Serverless accepts TLS only): the relay verifies the server's
// certificate against RootCAs, and refuses a server it cannot verify.
func TestPairOverTLS(t *testing.T) {
	cert := testcert.New(t)
	srv := redistest.Start(t, redistest.Options{TLSCertFile: cert.CertFile, TLSKeyFile: cert.KeyFile})
	require.True(t, strings.HasPrefix(srv.URL, "rediss://"))

	untrusting, lu := newRelay(t, redisrelay.Config{URL: srv.URL})
	err := untrusting.Publish(context.Background(), []byte("x"))
	require.Error(t, err, "a server whose certificate does not verify must be refused")
	require.Contains(t, err.Error(), "certificate")
	// go-redis's own report of the failed dials goes to the relay's slog logger (JSON in
	// the server), not to stderr as plain text.
	lu.waitCount(t, "WARN redis client:", 1)

	a, _ := newRelay(t, redisrelay.Config{URL: srv.URL, RootCAs: cert.Pool})
	b, _ := newRelay(t, redisrelay.Config{URL: srv.URL, RootCAs: cert.Pool})
	eventtest.Pair(t, a, b, nil)
}

func TestSingleOnRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	r, _ := newRelay(t, redisrelay.Config{URL: srv.URL})
	eventtest.Single(t, r)
}

// Two deployments sharing one Redis on different channels do not hear each other, and a
// message on the channel that no skygraph process framed is dropped (and logged), not
// delivered as a payload.
func TestChannelsAndForeignMessages(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	a, la := newRelay(t, redisrelay.Config{URL: srv.URL, Channel: "one"})
	other, _ := newRelay(t, redisrelay.Config{URL: srv.URL, Channel: "two"})
	b, _ := newRelay(t, redisrelay.Config{URL: srv.URL, Channel: "one"})

	got := make(chan string, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = a.Run(ctx, func(p []byte) { got <- string(p) }) }()
	opt, err := redis.ParseURL(srv.URL)
	require.NoError(t, err)
	raw := redis.NewClient(opt)
	defer raw.Close()

	// Wait until a's Run is subscribed: b's probe arrives.
	waitPayload(t, got, "probe", func() { require.NoError(t, b.Publish(ctx, []byte("probe"))) })
	require.NoError(t, raw.Publish(ctx, "one", "not framed").Err())
	require.NoError(t, other.Publish(ctx, []byte("other deployment")))
	require.NoError(t, b.Publish(ctx, []byte("fence")))
	waitPayload(t, got, "fence", nil)
	la.waitCount(t, "ignored a message", 1)
}

// waitPayload drains got until want arrives (failing on anything but want and probes),
// calling tick while waiting.
func waitPayload(t *testing.T, got chan string, want string, tick func()) {
	t.Helper()
	deadline := time.After(hangGuard)
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for {
		if tick != nil {
			tick()
		}
		select {
		case p := <-got:
			if p == want {
				return
			}
			require.Equal(t, "probe", p, "unexpected delivery")
		case <-ticker.C:
		case <-deadline:
			t.Fatalf("%q not delivered within %s", want, hangGuard)
		}
	}
}

// Close ends a Run in progress (redis.ErrClosed), even one waiting for Redis.
func TestCloseEndsRun(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	for _, down := range []bool{false, true} {
		r, l := newRelay(t, redisrelay.Config{URL: srv.URL})
		done := make(chan error, 1)
		go func() { done <- r.Run(context.Background(), func([]byte) {}) }()
		if down {
			srv.Kill()
			l.waitCount(t, "subscription lost", 1)
		}
		require.NoError(t, r.Close())
		select {
		case err := <-done:
			require.ErrorIs(t, err, redis.ErrClosed)
		case <-time.After(hangGuard):
			t.Fatal("Run did not return after Close")
		}
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "http://127.0.0.1:6379", "redis://127.0.0.1:6379/notadb"} {
		_, err := redisrelay.New(redisrelay.Config{URL: u})
		require.Error(t, err, u)
	}
}
