// Command serve is one server of `make bench`: it builds the very App skygraph serves
// (configured from the environment like the skygraph binary: the embedded store, or
// SKYGRAPH_TABLE on SKYGRAPH_DYNAMODB_ENDPOINT), seeds the workloads (bench/floor.Seed),
// writes their requests to -fixture, and serves either skygraph's handler or the bare floor
// on 127.0.0.1. GET /_bench/calls answers the DynamoDB calls made so far, so the load
// generator can report calls per operation, and the read and write capacity units they
// consumed (DynamoDB Local reports them; the embedded store does not). It writes
// "ready ADDR" on stdout once serving.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/bench/floor"
)

func main() {
	mode := flag.String("mode", "skygraph", "skygraph or floor")
	fixture := flag.String("fixture", "", "where to write the workloads' requests (JSON)")
	bookings := flag.Int("bookings", 300, "processBooking requests to prepare")
	orders := flag.Int("orders", 20, "orders of the orders workload's customer")
	create := flag.Bool("create-table", false, "create SKYGRAPH_TABLE first")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *mode, *fixture, *create, floor.Size{Bookings: *bookings, Orders: *orders, Only: *mode}); err != nil {
		fmt.Fprintln(os.Stderr, "bench serve:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, mode, fixturePath string, create bool, size floor.Size) error {
	cfg, err := app.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	cfg.SeedDays, cfg.Playground = 0, false
	// The access log is part of skygraph's per-request cost; it goes nowhere here.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var calls *dynamotest.Counter
	a, err := app.New(ctx, cfg, log, app.Options{API: func(api dynamo.API) dynamo.API {
		calls = dynamotest.NewCounter(api)
		return calls
	}})
	if err != nil {
		return err
	}
	defer func() { _ = a.Close() }()
	if create {
		if err := dynamo.CreateTable(ctx, a.Store.API(), cfg.Table); err != nil {
			return err
		}
	}
	fx, err := floor.Seed(ctx, a, size)
	if err != nil {
		return err
	}
	b, err := json.Marshal(fx)
	if err != nil {
		return err
	}
	if err := os.WriteFile(fixturePath, b, 0o600); err != nil {
		return err
	}
	var h http.Handler
	switch mode {
	case "skygraph":
		h = a.Handler
	case "floor":
		h = floor.Handler(a)
	default:
		return fmt.Errorf("mode %q: want skygraph or floor", mode)
	}
	// Every request's consumed capacity (skygraph's access log and the floor each sum their
	// own per request) also adds up here, for GET /_bench/calls.
	var used dynamo.Capacity
	mux := http.NewServeMux()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(dynamo.ContextWithCapacity(r.Context(), &used)))
	}))
	// Profiles of the server under load (bench/load -profile); 127.0.0.1 only.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /_bench/calls", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"total": calls.Total(), "rcu": used.Read(), "wcu": used.Write()})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The same server settings as skygraph's serve (server.go).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println("ready", ln.Addr().String())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
