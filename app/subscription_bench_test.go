package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/event"
)

// BenchmarkSubscriptionFanout measures one process serving 1,000 idle AppSync realtime
// subscribers (anonymous onUpdateFlight, filtered on one flight) on the embedded store:
//
//   - deliveries/s and events/s: each op publishes one domain event; every subscriber
//     re-reads (once per event and process, shared), authorizes, filters, marshals and
//     receives it. At most 32 events are in flight, below the subscriptions' buffer.
//   - MB-RSS/1000conns: the process's resident memory grown by opening the 1,000
//     WebSocket connections with their subscription. The clients run in the same
//     process, so it counts both ends: an upper bound for the server.
//
// Run: go test -run '^$' -bench SubscriptionFanout -benchtime 200x ./app
func BenchmarkSubscriptionFanout(b *testing.B) {
	const subscribers = 1000
	e := newEnvTB(b, dynamotest.Backends(b)[0], func(c *app.Config) { c.MaxWebSockets = 2 * subscribers })
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()
	f := newFlight(b, e, 5, 100, 10)
	start := startFrame("1", `subscription($f: ModelSubscriptionFlightFilterInput) { onUpdateFlight(filter: $f) { id seatCapacity ticketPrice } }`,
		map[string]any{"f": map[string]any{"id": map[string]any{"eq": f.ID}}}, map[string]string{"host": "localhost"})

	runtime.GC()
	before := rss(b)
	conns := make([]*websocket.Conn, subscribers)
	ctx := context.Background()
	for i := range conns {
		c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql/realtime",
			&websocket.DialOptions{Subprotocols: []string{"graphql-ws", appsyncHeader(map[string]string{"host": "localhost"})}})
		if err != nil {
			b.Fatal(err)
		}
		if res.Body != nil {
			_ = res.Body.Close()
		}
		defer func() { _ = c.CloseNow() }()
		for _, m := range []string{`{"type":"connection_init"}`, start} {
			if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
				b.Fatal(err)
			}
		}
		for acked := false; !acked; {
			_, msg, err := c.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			acked = strings.Contains(string(msg), `"start_ack"`)
		}
		conns[i] = c
	}
	runtime.GC()
	grown := rss(b) - before

	var received atomic.Int64
	for _, c := range conns {
		go func() {
			for {
				_, msg, err := c.Read(ctx)
				if err != nil {
					return
				}
				var m struct{ Type string }
				if json.Unmarshal(msg, &m) == nil && m.Type == "data" {
					received.Add(1)
				}
			}
		}()
	}
	wait := func(n int64) {
		deadline := time.Now().Add(5 * time.Minute) // a hang guard
		for received.Load() < n {
			if time.Now().After(deadline) {
				b.Fatalf("delivered %d of %d", received.Load(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	const window = 32
	b.ResetTimer()
	t0 := time.Now()
	for i := range b.N {
		if i >= window {
			wait(int64(i-window+1) * subscribers)
		}
		e.app.Events.Publish(ctx, event.Event{Kind: event.FlightUpdated, ID: f.ID})
	}
	wait(int64(b.N) * subscribers)
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N)*subscribers/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(grown)/1e6/subscribers*1000, "MB-RSS/1000conns")
}

// rss is the process's resident set size (Linux /proc/self/status VmRSS).
func rss(b *testing.B) int64 {
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	defer fh.Close()
	s := bufio.NewScanner(fh)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
