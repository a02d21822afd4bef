package redisrelay_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skygraph/skygraph/adapter/redisrelay"
	"github.com/skygraph/skygraph/internal/redistest"
)

// BenchmarkPublishToOtherProcess: payloads/s from one relay to another through a local
// redis-server (publish, then wait until the other Run delivered every one). A measure,
// not a test: `go test -run '^$' -bench . ./adapter/redisrelay`.
func BenchmarkPublishToOtherProcess(b *testing.B) {
	srv := redistest.Start(b, redistest.Options{})
	a, err := redisrelay.New(redisrelay.Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	other, err := redisrelay.New(redisrelay.Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer other.Close()
	var got atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = other.Run(ctx, func([]byte) { got.Add(1) }) }()
	srv.WaitNumSub(b, redisrelay.DefaultChannel, 1)
	payload := []byte(`{"k":"booking.updated","id":"01a235ab-eb93-740e-81b1-9b625729dd40","o":"3f0c6a52-1d0e-4a53-9d5e-7b1b9c2f8e11"}`)
	b.ResetTimer()
	for range b.N {
		if err := a.Publish(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for got.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d", got.Load(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payloads/s")
}
