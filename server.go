// Command skygraph is a GraphQL API server that does what an AWS AppSync API does for a
// serverless booking platform. With no configuration it runs everything in process: an
// embedded DynamoDB-compatible store seeded with a demo catalog, and the GraphiQL
// playground at http://localhost:8080/.
//
//	skygraph              serve (default)
//	skygraph init-table   create the configured table (SKYGRAPH_TABLE) and exit
//	skygraph seed         create the table if needed, add the demo catalog, and exit
//	skygraph run-job NAME run one background job once (e.g. booking-recovery) and exit
//	skygraph version      print the commit this binary was built from, and the Go version
//
// Configuration is read from the environment; see the README.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
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
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, &hooks{stdout: os.Stdout})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "skygraph:", err)
		os.Exit(1)
	}
}

// hooks let main and tests observe the program: where it prints what a person asked for
// (version, help), the address it listens on, and a wrapper around its handler.
type hooks struct {
	stdout      io.Writer
	listening   func(addr string)
	wrapHandler func(http.Handler) http.Handler
}

// stdout is where output a person asked for goes: main's standard output, else the log.
func (h *hooks) out(log io.Writer) io.Writer {
	if h != nil && h.stdout != nil {
		return h.stdout
	}
	return log
}

// run is the whole program: it returns when ctx is cancelled (SIGTERM/SIGINT) after
// in-flight requests have finished, or on a start-up error.
func run(ctx context.Context, args []string, getenv func(string) string, logOut io.Writer, h *hooks) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	// These answer whatever the environment holds: they are how one finds out what is
	// wrong with a deployment.
	switch cmd {
	case "version", "-version", "--version":
		info, ok := debug.ReadBuildInfo()
		fmt.Fprintln(h.out(logOut), version(info, ok))
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(h.out(logOut), usage)
		return nil
	}
	cfg, err := app.FromEnv(getenv)
	if err != nil {
		return err
	}
	log := newLogger(logOut, cfg.LogLevel)
	// Libraries that write with the standard log package (gqlgen's transports use
	// log.Printf) go through the same JSON handler.
	slog.SetDefault(log)
	switch cmd {
	case "serve":
		// On AWS Lambda (its runtime always sets AWS_LAMBDA_RUNTIME_API for a bootstrap) the
		// same App answers invocations instead of a port: see lambda.go.
		if getenv("AWS_LAMBDA_RUNTIME_API") != "" {
			return runLambda(ctx, cfg, log)
		}
		bookingHook, orderHook := crashHooks(getenv, log)
		return serve(ctx, cfg, log, h, app.Options{BookingHook: bookingHook, OrderHook: orderHook})
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
	default:
		return fmt.Errorf("unknown command %q (want serve, init-table, seed, run-job or version)", cmd)
	}
}

const usage = `usage: skygraph [command]

  serve          serve the API (the default): embedded store and playground unless configured
  init-table     create the configured table (SKYGRAPH_TABLE) and exit
  seed           create the table if needed, add the demo catalog, and exit
  run-job NAME   run one background job once (booking-recovery) and exit
  version        print the commit this binary was built from, and the Go version

Configuration is read from the environment (SKYGRAPH_*, PORT); see the README.`

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
	// A certificate that cannot be read fails the start before anything else is built.
	tlsConfig, err := loadTLS(cfg)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log, opts)
	if err != nil {
		return err
	}
	defer func() { _ = a.Close() }()

	handler := a.Handler
	if h != nil && h.wrapHandler != nil {
		handler = h.wrapHandler(handler)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Listen, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		// net/http's own complaints ("superfluous WriteHeader", TLS handshake errors) go
		// through slog like every other line, so the log stays one JSON object per line.
		ErrorLog:  slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig: tlsConfig,
	}
	served := make(chan error, 1)
	if tlsConfig != nil {
		go func() { served <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { served <- srv.Serve(ln) }()
	}
	addr := ln.Addr().String()
	log.Info("skygraph ready", "addr", addr, "graphql", "/graphql", "playground", cfg.Playground,
		"tls", tlsConfig != nil, "store", storeName(cfg), "started_in", time.Since(start).Round(time.Millisecond).String())
	log.Info(openMessage(ln.Addr(), cfg.Playground, tlsConfig != nil))
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

// openMessage is the start-up line a person looks for: where to point a browser (the
// playground) or a client (the API) on this machine.
func openMessage(addr net.Addr, playground, https bool) string {
	base := "http://localhost:" + strconv.Itoa(listenPort(addr))
	if https {
		base = "https" + strings.TrimPrefix(base, "http")
	}
	if playground {
		return "open " + base + "/ (GraphiQL playground; the API is POST /graphql)"
	}
	return "GraphQL API at " + base + "/graphql (playground disabled)"
}

// loadTLS reads SKYGRAPH_TLS_CERT and SKYGRAPH_TLS_KEY: nil without them (plain HTTP, TLS
// terminated by the load balancer), else the listener's TLS configuration. HTTP/2 is
// offered for queries; WebSockets stay on HTTP/1.1 (net/http's HTTP/2 server does not
// offer extended CONNECT, so browsers and Amplify upgrade over HTTP/1.1).
func loadTLS(cfg app.Config) (*tls.Config, error) {
	if cfg.TLSCertFile == "" && cfg.TLSKeyFile == "" {
		return nil, nil
	}
	if cfg.TLSCertFile == "" || cfg.TLSKeyFile == "" {
		return nil, errors.New("TLS: set both SKYGRAPH_TLS_CERT and SKYGRAPH_TLS_KEY (PEM files), or neither")
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS: SKYGRAPH_TLS_CERT=%s, SKYGRAPH_TLS_KEY=%s: %w", cfg.TLSCertFile, cfg.TLSKeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

func listenPort(addr net.Addr) int {
	if a, ok := addr.(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
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
