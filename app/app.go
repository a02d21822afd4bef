package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/app/demo"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/loyalty"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/resolvers"
)

// App is a wired skygraph: its HTTP handler and what it must close.
type App struct {
	// Handler serves every route: /graphql, /, /healthz, /readyz.
	Handler http.Handler
	// Store is the table, for commands (seed) and tests.
	Store *dynamo.Store
	// Flights is the flight service.
	Flights *flight.Service
	// Accounts is the account service (sign-up, sign-in, groups).
	Accounts *account.Service
	// Payments is the payment service over the simulated card processor.
	Payments *payment.Service
	// Bookings is the booking service: the processBooking saga and its recovery sweep.
	Bookings *booking.Service
	// Loyalty answers getLoyalty.
	Loyalty *loyalty.Service
	// Waitlists is the restaurant waitlist service and its notification producer/consumer.
	Waitlists *waitlist.Service
	// Products is the product catalog (issue 11).
	Products *product.Service
	// Orders is the order service: the placeOrder saga and its recovery sweep (issue 11).
	Orders *order.Service
	// Users is customer profiles (issue 11).
	Users *user.Service
	// Events is the process's event hub: every service publishes its changes to it, the
	// subscriptions listen to it, and it shares events with other processes through
	// Options.Relay.
	Events *event.Hub

	identity *identity
	waitlist waitlistParts
	closers  []func() error
	log      *slog.Logger
}

// Options adjust New for tests and commands.
type Options struct {
	// API replaces the DynamoDB client (tests wrap the real one to count round trips).
	API func(dynamo.API) dynamo.API
	// Now replaces the clock of the services.
	Now func() time.Time
	// BookingHook injects faults into the booking saga (tests only; see booking.Hook).
	BookingHook booking.Hook
	// BookingRecoverAfter overrides how long a saga may be pending before the recovery
	// sweep takes it over (tests; default booking.Config's).
	BookingRecoverAfter time.Duration
	// BookingTimeout overrides the saga's own deadline (booking.Config.Timeout): load tests
	// give theirs room for a CPU 4x slower than a developer's under -race.
	BookingTimeout time.Duration
	// OrderHook injects faults into the order saga (tests only; see order.Hook).
	OrderHook order.Hook
	// LocalBcryptCost lowers the local identity provider's password hashing cost (tests:
	// bcrypt's minimum, so each test's seeded accounts cost milliseconds, not seconds).
	LocalBcryptCost int
	// LocalNow replaces the local identity provider's clock (tests of its lockout, which
	// must not depend on how fast a busy machine runs them). Its tokens carry that time.
	LocalNow func() time.Time
	// WaitlistNotifier replaces the waitlist notifier (tests record notifications).
	WaitlistNotifier waitlist.Notifier
	// Relay shares domain events with the other server processes of the deployment
	// (Redis/Valkey pub/sub); nil means this process is alone (event.Alone). App.Close
	// closes it.
	Relay event.Relay
}

// New connects the store (starting the embedded one when no table is configured, then
// creating its table and seeding the demo catalog and accounts), builds the services, the
// identity provider and the handler. On error, whatever it started is closed.
func New(ctx context.Context, cfg Config, log *slog.Logger, opts Options) (*App, error) {
	a := &App{log: log}
	if err := a.build(ctx, cfg, opts); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context, cfg Config, opts Options) error {
	if err := cfg.leftOut(); err != nil {
		return err
	}
	cognito := a.startCognito(ctx, cfg) // its JWKS fetch overlaps the token secret's read
	defer cognito.discard()
	api, table, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	if opts.API != nil {
		api = opts.API(api)
	}
	secret, err := a.tokenSecret(ctx, cfg)
	if err != nil {
		return err
	}
	tokens, err := dynamo.NewTokenizer(secret)
	if err != nil {
		return err
	}
	a.Store = dynamo.NewStore(api, table, tokens)
	if opts.Relay == nil {
		if opts.Relay, err = a.openRelay(cfg); err != nil {
			return err
		}
	}
	a.startEvents(opts)
	a.Flights = flight.NewService(a.Store.Flights(), opts.Now, nil)
	a.Flights.SetEvents(a.Events)
	if a.identity, err = a.openIdentity(ctx, cfg, opts, cognito); err != nil {
		return err
	}
	a.Accounts = account.NewService(auditedAccounts{Provider: a.identity.accounts, log: a.log})
	a.Accounts.SetEvents(a.Events)
	// The card network cannot run here: the simulated processor stands behind the same
	// port a Stripe adapter would implement.
	processor, err := cardsim.New(a.Store.Charges(), cardsim.Config{})
	if err != nil {
		return err
	}
	a.Payments = payment.NewService(processor)
	recoverAfter := cfg.BookingRecoverAfter
	if opts.BookingRecoverAfter > 0 {
		recoverAfter = opts.BookingRecoverAfter
	}
	a.Bookings = booking.NewService(a.Store.Bookings(), a.Flights, a.Payments, booking.Config{
		Now: opts.Now, Hook: opts.BookingHook, RecoverAfter: recoverAfter, Timeout: opts.BookingTimeout, Events: a.Events,
	})
	a.Loyalty = loyalty.NewService(a.Store.Loyalty())
	if err := a.openWaitlists(ctx, cfg, opts); err != nil {
		return err
	}
	a.buildCommerce(opts, recoverAfter)

	if cfg.Embedded() {
		if err := dynamo.CreateTable(ctx, api, table); err != nil {
			return err
		}
		if cfg.SeedDays > 0 {
			start := time.Now()
			n, err := demo.Seed(ctx, a.Flights, start, cfg.SeedDays)
			if err != nil {
				return fmt.Errorf("seed demo catalog: %w", err)
			}
			a.log.Info("seeded demo catalog", "flights", n, "days", cfg.SeedDays, "took", time.Since(start).Round(time.Millisecond).String())
			if err := a.SeedAccounts(ctx); err != nil {
				return err
			}
			if err := a.seedWaitlist(ctx); err != nil {
				return err
			}
			if err := a.seedCommerce(ctx); err != nil {
				return err
			}
		}
	}

	apiKeys := make([][]byte, len(cfg.APIKeys))
	for i, k := range cfg.APIKeys {
		apiKeys[i] = []byte(k)
	}
	authn := &authenticator{verifier: a.identity.verifier, apiKeys: apiKeys, log: a.log}
	schema := resolvers.NewSchema(resolvers.Deps{
		Flights: a.Flights, Accounts: a.Accounts, Payments: a.Payments, Bookings: a.Bookings, Loyalty: a.Loyalty,
		Waitlists: a.Waitlists,
		Products:  a.Products, Orders: a.Orders, Users: a.Users, Events: a.Events,
	})
	ws := &wsLimits{max: int64(cfg.MaxWebSockets), initTimeout: cfg.WebSocketInitTimeout, maxOps: int64(cfg.MaxSubscriptions), timeout: cfg.RequestTimeout, log: a.log, events: a.Events}
	realtime := appsyncRealtime{authn: authn, limits: ws, log: a.log, origins: cfg.CORSOrigins, keepAlive: realtimeKeepAlive, readLimit: cfg.MaxBodyBytes}
	gql, err := newGraphQLServer(schema, cfg, a.log, a.Flights, a.commerceSources(), a.Waitlists, authn, ws, realtime)
	if err != nil {
		return err
	}
	a.Handler = routes(cfg, a.log, ws.middleware(authn.middleware(gql)), a.Store, a.identity.jwks)
	return nil
}

// embeddedTable is the table name inside the embedded store.
const embeddedTable = "skygraph"

func (a *App) openStore(ctx context.Context, cfg Config) (dynamo.API, string, error) {
	if cfg.Embedded() {
		return a.openEmbedded(ctx)
	}
	// An endpoint override means a local stand-in (DynamoDB Local), which accepts any
	// credentials: a laptop should not need an AWS profile for it.
	c, err := dynamo.NewClient(ctx, dynamo.ClientOptions{
		Endpoint: cfg.DynamoDBEndpoint, Region: cfg.Region, StaticCredentials: cfg.DynamoDBEndpoint != "",
	})
	return c, cfg.Table, err
}

// Close releases what New started (the embedded store), in reverse order, after every
// saga still running has finished: a saga outlives its client's request on purpose, and
// must not find its store closed (or, in tests, its table deleted) halfway. Each saga is
// bounded by its own deadline, so this wait is too.
func (a *App) Close() error {
	var errs []error
	if a.Bookings != nil {
		errs = append(errs, a.Bookings.Wait(context.Background()))
	}
	if a.Orders != nil {
		errs = append(errs, a.Orders.Wait(context.Background()))
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}
