// Package redisrelay is the event.Relay of a deployment with several server processes
// (Fargate tasks behind one load balancer): Redis or Valkey pub/sub on one channel
// (ElastiCache Serverless in the CDK Fargate flavour, a redis-server in the tests).
//
// Pub/sub fits the port's contract as it is: a message reaches the subscribers connected
// at the moment it is published, at most once, in publication order per connection, and
// nothing is stored. Each message carries the publishing process's random origin id, so a
// process drops its own messages (it has delivered them locally already).
package redisrelay

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/skygraph/skygraph/domain/event"
)

// DefaultChannel is the pub/sub channel when Config.Channel is empty. Deployments sharing
// one Redis need different channels (or different databases are no help: pub/sub ignores
// them).
const DefaultChannel = "skygraph:events"

// Config configures a Relay.
type Config struct {
	// URL is redis://[user:password@]host:port[/db] or rediss://… for TLS (ElastiCache
	// Serverless accepts TLS connections only). go-redis's query options apply, e.g.
	// ?dial_timeout=3s.
	URL string
	// RootCAs are the certificate authorities a rediss:// server must chain to (default:
	// the system's, which is what ElastiCache's certificates chain to); tests set their own.
	RootCAs *x509.CertPool
	// Channel is the pub/sub channel (default DefaultChannel).
	Channel string
	// Log receives connection losses (Error) and recoveries (Info). Default: slog.Default().
	Log *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between two subscription attempts of Run
	// (defaults 100ms and 5s): doubled after each failure, with jitter so that the tasks of
	// a deployment do not reconnect in lock-step after Redis restarts.
	MinBackoff, MaxBackoff time.Duration
	// HealthCheck is how long Run waits for a message before it pings Redis on the
	// subscription connection (default 30s); no answer within another HealthCheck means
	// the connection is dead without having been closed (a network partition), and Run
	// reconnects.
	HealthCheck time.Duration
}

// Relay carries event payloads between processes over Redis pub/sub. Build it with New.
type Relay struct {
	client  *redis.Client
	channel string
	origin  [originLen]byte
	log     *slog.Logger
	minWait time.Duration
	maxWait time.Duration
	health  time.Duration

	mu     sync.Mutex
	closed bool
	done   chan struct{}              // closed by Close: wakes a Run waiting to retry
	subs   map[*redis.PubSub]struct{} // open subscriptions, closed by Close
}

var _ event.Relay = (*Relay)(nil)

// A message on the channel is magic, the publisher's origin id, then the payload. The
// magic lets a process ignore anything else published on the channel by mistake.
const (
	magic     = "sg1"
	originLen = 16
	headerLen = len(magic) + originLen
)

// New parses cfg.URL and prepares the client; it does not connect (Publish and Run do, and
// Run keeps retrying), so a server starts while Redis is briefly unreachable.
func New(cfg Config) (*Relay, error) {
	if cfg.URL == "" {
		return nil, errors.New("redisrelay: no URL (want redis://host:port or rediss://host:port)")
	}
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redisrelay: URL: %w", err)
	}
	if opt.TLSConfig != nil && cfg.RootCAs != nil {
		opt.TLSConfig.RootCAs = cfg.RootCAs
	}
	r := &Relay{
		client: redis.NewClient(opt), channel: cfg.Channel, log: cfg.Log,
		done: make(chan struct{}), minWait: cfg.MinBackoff, maxWait: cfg.MaxBackoff, health: cfg.HealthCheck,
	}
	if r.channel == "" {
		r.channel = DefaultChannel
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.minWait <= 0 {
		r.minWait = 100 * time.Millisecond
	}
	if r.maxWait < r.minWait {
		r.maxWait = max(5*time.Second, r.minWait)
	}
	if r.health <= 0 {
		r.health = 30 * time.Second
	}
	// go-redis reports dial failures and reconnects through a package-wide logger that
	// writes plain text to stderr; the server's log is one JSON object per line.
	redis.SetLogger(redisLogger{r.log})
	if _, err := crand.Read(r.origin[:]); err != nil {
		return nil, fmt.Errorf("redisrelay: origin id: %w", err)
	}
	return r, nil
}

// Publish sends payload to every other process subscribed now. An error means they may
// miss it (Redis unreachable); the caller logs it and carries on.
func (r *Relay) Publish(ctx context.Context, payload []byte) error {
	msg := make([]byte, 0, headerLen+len(payload))
	msg = append(msg, magic...)
	msg = append(msg, r.origin[:]...)
	msg = append(msg, payload...)
	if err := r.client.Publish(ctx, r.channel, msg).Err(); err != nil {
		return fmt.Errorf("redisrelay: publish: %w", err)
	}
	return nil
}

// Run subscribes and hands every other process's payload to deliver, in order, until ctx
// ends (it then returns ctx.Err()) or the Relay is closed (redis.ErrClosed). A lost
// subscription is logged and retried with backoff; what was published meanwhile is lost.
func (r *Relay) Run(ctx context.Context, deliver func(payload []byte)) error {
	wait := r.minWait
	failures := 0
	for {
		if r.isClosed() {
			return redis.ErrClosed
		}
		subscribed, err := r.subscribeOnce(ctx, deliver, failures > 0)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r.isClosed() {
			return redis.ErrClosed
		}
		if subscribed {
			wait, failures = r.minWait, 0
		}
		failures++
		// Full jitter over the upper half: never zero, never in lock-step.
		d := wait/2 + rand.N(wait/2+1)
		r.log.Error("redis relay: subscription lost; events from other server processes are not delivered until it is back",
			"err", err, "channel", r.channel, "attempt", failures, "retry_in", d.String())
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-r.done:
			t.Stop()
			return redis.ErrClosed
		case <-t.C:
		}
		wait = min(2*wait, r.maxWait)
	}
}

// subscribeOnce runs one subscription until it fails or ctx ends. subscribed reports
// whether SUBSCRIBE was confirmed (the backoff starts over then).
func (r *Relay) subscribeOnce(ctx context.Context, deliver func([]byte), recovering bool) (subscribed bool, err error) {
	ps := r.client.Subscribe(ctx)
	if !r.track(ps) {
		_ = ps.Close()
		return false, redis.ErrClosed
	}
	// ReceiveTimeout watches neither ctx nor Close: closing the subscription is what
	// unblocks it.
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer func() {
		stop()
		r.untrack(ps)
		_ = ps.Close()
	}()
	if err := ps.Subscribe(ctx, r.channel); err != nil {
		return false, err
	}
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, r.health)
		if err != nil {
			var nerr net.Error
			if errors.As(err, &nerr) && nerr.Timeout() && !pinged {
				if err := ps.Ping(ctx); err != nil {
					return subscribed, err
				}
				pinged = true
				continue
			}
			return subscribed, err
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && !subscribed {
				subscribed = true
				if recovering {
					r.log.Info("redis relay: subscribed again; events from other server processes are delivered", "channel", r.channel)
				}
			}
		case *redis.Message:
			p := []byte(m.Payload)
			if len(p) < headerLen || string(p[:len(magic)]) != magic {
				r.log.Warn("redis relay: ignored a message that no skygraph process published", "channel", r.channel, "bytes", len(p))
				continue
			}
			if bytes.Equal(p[len(magic):headerLen], r.origin[:]) {
				continue // our own: delivered locally already
			}
			deliver(p[headerLen:])
		}
	}
}

func (r *Relay) track(ps *redis.PubSub) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	if r.subs == nil {
		r.subs = make(map[*redis.PubSub]struct{})
	}
	r.subs[ps] = struct{}{}
	return true
}

func (r *Relay) untrack(ps *redis.PubSub) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.subs, ps)
}

func (r *Relay) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// Close releases the connections; a Run in progress returns redis.ErrClosed.
func (r *Relay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.done)
	subs := r.subs
	r.subs = nil
	r.mu.Unlock()
	for ps := range subs {
		_ = ps.Close()
	}
	return r.client.Close()
}

// redisLogger sends go-redis's own messages to slog (Warn: they are about connections).
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}
