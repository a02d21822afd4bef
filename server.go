// Command skygraph is a GraphQL API server that does what an AWS AppSync API does for a
// serverless booking platform. With no configuration it runs everything in process: an
// embedded DynamoDB-compatible store seeded with a demo catalog, and the GraphiQL
// playground at http://localhost:8080/.
//
//	skygraph              serve (default)
//	skygraph init-table   create the configured table (SKYGRAPH_TABLE) and exit
//	skygraph seed         create the table if needed, add the demo catalog, and exit
//	skygraph run-job NAME run one background job once (e.g. booking-recovery) and exit
//
// Configuration is read from the environment; see the README.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/app/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "skygraph:", err)
		os.Exit(1)
	}
}

// hooks let tests observe the server: the address it listens on, and a wrapper around its
// handler.
type hooks struct {
	listening   func(addr string)
	wrapHandler func(http.Handler) http.Handler
}

// run is the whole program: it returns when ctx is cancelled (SIGTERM/SIGINT) after
// in-flight requests have finished, or on a start-up error.
func run(ctx context.Context, args []string, getenv func(string) string, logOut io.Writer, h *hooks) error {
	cfg, err := app.FromEnv(getenv)
	if err != nil {
		return err
	}
	log := newLogger(logOut, cfg.LogLevel)
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve":
		// On AWS Lambda (its runtime always sets AWS_LAMBDA_RUNTIME_API for a bootstrap) the
		// same App answers invocations instead of a port: see lambda.go.
		if getenv("AWS_LAMBDA_RUNTIME_API") != "" {
			return runLambda(ctx, cfg, log)
		}
		return serve(ctx, cfg, log, h, app.Options{BookingHook: crashHook(getenv, log)})
	case "init-table", "seed":
		if cfg.Embedded() {
			return fmt.Errorf("%s: set SKYGRAPH_TABLE (and SKYGRAPH_DYNAMODB_ENDPOINT for DynamoDB Local); the embedded store is created and seeded by `serve`", cmd)
		}
		return initTable(ctx, cfg, log, cmd == "seed")
	case "run-job":
		if len(args) != 2 {
			return fmt.Errorf("run-job: name one job (%s)", strings.Join(backgroundJobs(nil).Names(), ", "))
		}
		if cfg.Embedded() {
			return fmt.Errorf("run-job: set SKYGRAPH_TABLE: the embedded store of a running server is not reachable from another process")
		}
		return runJob(ctx, cfg, log, args[1])
	case "help", "-h", "--help":
		fmt.Fprintln(logOut, "usage: skygraph [serve|init-table|seed|run-job NAME]  (configuration: environment, see README)")
		return nil
	default:
		return fmt.Errorf("unknown command %q (want serve, init-table, seed or run-job)", cmd)
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func initTable(ctx context.Context, cfg app.Config, log *slog.Logger, seed bool) error {
	days := cfg.SeedDays
	cfg.SeedDays, cfg.Playground = 0, false
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = a.Close() }()
	api := a.Store.API()
	if err := dynamo.CreateTable(ctx, api, cfg.Table); err != nil {
		return err
	}
	log.Info("table ready", "table", cfg.Table)
	if !seed {
		return nil
	}
	n, err := demo.Seed(ctx, a.Flights, time.Now(), days)
	if err != nil {
		return err
	}
	log.Info("seeded demo catalog", "table", cfg.Table, "created", n, "days", days)
	return a.SeedAccounts(ctx)
}

// runJob runs one background job once, as the scheduled rule would: for operators (finish
// pending booking sagas now, after an incident) and for the killed-process tests.
func runJob(ctx context.Context, cfg app.Config, log *slog.Logger, name string) error {
	cfg.SeedDays, cfg.Playground = 0, false
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = a.Close() }()
	start := time.Now()
	if err := backgroundJobs(a).Run(ctx, name); err != nil {
		return err
	}
	log.Info("job done", "job", name, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

func serve(ctx context.Context, cfg app.Config, log *slog.Logger, h *hooks, opts app.Options) error {
	start := time.Now()
	a, err := app.New(ctx, cfg, log, opts)
	if err != nil {
		return err
	}
	defer func() { _ = a.Close() }()

	handler := a.Handler
	if h != nil && h.wrapHandler != nil {
		handler = h.wrapHandler(handler)
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	log.Info("skygraph ready", "addr", addr, "graphql", "/graphql", "playground", cfg.Playground,
		"store", storeName(cfg), "started_in", time.Since(start).Round(time.Millisecond).String())
	if h != nil && h.listening != nil {
		h.listening(addr)
	}

	// Background jobs run here on a timer (on Lambda, EventBridge rules invoke them).
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		backgroundJobs(a).Every(ctx, jobInterval, log)
	}()
	defer func() { <-jobsDone }() // a run in progress finishes before the store closes
	// The waitlist notification consumer polls its queue (on Lambda, SQS invokes it).
	consumerDone := make(chan struct{})
	go func() {
		defer close(consumerDone)
		a.ConsumeWaitlistNotifications(ctx)
	}()
	defer func() { <-consumerDone }()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// jobInterval is how often server mode runs the background jobs: the CDK app's rules run
// them every minute on Lambda.
const jobInterval = time.Minute

func storeName(cfg app.Config) string {
	if cfg.Embedded() {
		return "embedded"
	}
	if cfg.DynamoDBEndpoint != "" {
		return "dynamodb@" + cfg.DynamoDBEndpoint
	}
	return "dynamodb"
}
