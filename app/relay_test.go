package app_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/adapter/redisrelay"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/internal/redistest"
)

func TestRedisAndTLSSettings(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // "" = accepted
	}{
		{map[string]string{"SKYGRAPH_REDIS_URL": "redis://127.0.0.1:6379"}, ""},
		{map[string]string{"SKYGRAPH_REDIS_URL": "rediss://cache.example:6379"}, ""},
		{map[string]string{"SKYGRAPH_REDIS_URL": "127.0.0.1:6379"}, "SKYGRAPH_REDIS_URL"},
		{map[string]string{"SKYGRAPH_REDIS_URL": "http://127.0.0.1:6379"}, "SKYGRAPH_REDIS_URL"},
		{map[string]string{"SKYGRAPH_TLS_CERT": "c.pem", "SKYGRAPH_TLS_KEY": "k.pem"}, ""},
		{map[string]string{"SKYGRAPH_TLS_CERT": "c.pem"}, "SKYGRAPH_TLS_KEY"},
		{map[string]string{"SKYGRAPH_TLS_KEY": "k.pem"}, "SKYGRAPH_TLS_CERT"},
	} {
		c, err := app.FromEnv(func(k string) string { return tc.env[k] })
		if tc.want == "" {
			require.NoError(t, err, tc.env)
			require.Equal(t, tc.env["SKYGRAPH_REDIS_URL"], c.RedisURL)
			require.Equal(t, tc.env["SKYGRAPH_TLS_CERT"], c.TLSCertFile)
			continue
		}
		require.ErrorContains(t, err, tc.want, tc.env)
	}
}

func numsub(t *testing.T, srv *redistest.Server) int64 {
	return srv.NumSub(t, redisrelay.DefaultChannel)
}

func waitNumsub(t *testing.T, srv *redistest.Server, want int64) {
	srv.WaitNumSub(t, redisrelay.DefaultChannel, want)
}

// SKYGRAPH_REDIS_URL makes app.New share its events through Redis: an event published on
// one App reaches a subscription on the other, and App.Close closes the relay (its
// subscription connection leaves Redis).
func TestAppSharesEventsThroughRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	b := dynamotest.Backends(t)[0]
	withRedis := func(c *app.Config) { c.RedisURL = srv.URL }
	one, two := newEnv(t, b, withRedis), newEnv(t, b, withRedis)
	waitNumsub(t, srv, 2)

	sub := two.app.Events.Subscribe([]event.Kind{event.BookingUpdated}, nil)
	defer sub.Close()
	e := event.Event{Kind: event.BookingUpdated, ID: "b-1", Owner: "alice"}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for got := false; !got; {
		one.app.Events.Publish(context.Background(), e)
		select {
		case ev := <-sub.C:
			require.Equal(t, [3]string{string(e.Kind), e.ID, e.Owner}, [3]string{string(ev.Kind), ev.ID, ev.Owner})
			got = true
		case <-tick.C:
		case <-deadline:
			t.Fatal("an event published on one App never reached the other through Redis")
		}
	}

	require.NoError(t, one.app.Close())
	waitNumsub(t, srv, 1)
	require.NoError(t, two.app.Close())
	waitNumsub(t, srv, 0)
}

// countingRelay records what the hub hands it.
type countingRelay struct {
	event.Alone
	published atomic.Int64
}

func (r *countingRelay) Publish(context.Context, []byte) error {
	r.published.Add(1)
	return nil
}

// Options.Relay wins over SKYGRAPH_REDIS_URL (tests bring their own relay).
func TestOptionsRelayWinsOverRedisURL(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	rec := &countingRelay{}
	e := newEnvWith(t, dynamotest.Backends(t)[0], app.Options{Relay: rec}, func(c *app.Config) { c.RedisURL = srv.URL })
	e.app.Events.Publish(context.Background(), event.Event{Kind: event.BookingUpdated, ID: "b-1"})
	deadline := time.Now().Add(2 * time.Minute)
	for rec.published.Load() == 0 {
		require.True(t, time.Now().Before(deadline), "the given relay was not used")
		time.Sleep(10 * time.Millisecond)
	}
	require.Zero(t, numsub(t, srv), "a Redis relay was opened although Options.Relay was given")
}
