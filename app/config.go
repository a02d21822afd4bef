// Package app wires skygraph together: configuration, the store, the services, the
// GraphQL server and the HTTP routes. server.go (package main) only reads the process
// environment and runs it; tests build the very same App.
package app

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration. Every field comes from an environment variable
// (see FromEnv and the README's configuration table).
type Config struct {
	// Port to listen on (PORT, default 8080).
	Port int
	// Table is the DynamoDB table (SKYGRAPH_TABLE). Empty selects the embedded store.
	Table string
	// DynamoDBEndpoint overrides the AWS endpoint, e.g. DynamoDB Local
	// (SKYGRAPH_DYNAMODB_ENDPOINT).
	DynamoDBEndpoint string
	// Region is the AWS region (AWS_REGION); the SDK's own resolution applies when empty.
	Region string
	// TokenSecret seals pagination tokens (SKYGRAPH_TOKEN_SECRET, at least 16 bytes). All
	// instances of one API must share it; empty means TokenSecretARN, or else a random
	// secret per process.
	TokenSecret string
	// TokenSecretARN names a Secrets Manager secret holding the token secret
	// (SKYGRAPH_TOKEN_SECRET_ARN; the CDK app's Lambda flavour sets it). It is read once at
	// start; failing to read it fails the start.
	TokenSecretARN string
	// Introspection enables __schema/__type queries (SKYGRAPH_INTROSPECTION, default true).
	Introspection bool
	// Playground serves GraphiQL at / (SKYGRAPH_PLAYGROUND, default true; false in the Lambda-only
	// build, which leaves it out).
	Playground bool
	// CORSOrigins are the browser origins allowed to call the API (SKYGRAPH_CORS_ORIGINS,
	// comma-separated, default "*"). Credentials travel in the Authorization header, never
	// in cookies, so "*" exposes nothing a token does not.
	CORSOrigins []string
	// MaxComplexity and MaxDepth bound one operation (SKYGRAPH_MAX_COMPLEXITY, default
	// 100000, where a connection costs its selection times its limit; SKYGRAPH_MAX_DEPTH,
	// default 12).
	MaxComplexity int
	MaxDepth      int
	// MaxBodyBytes bounds a request body (SKYGRAPH_MAX_BODY_BYTES, default 1 MiB); a larger
	// one is answered 413.
	MaxBodyBytes int64
	// MaxTokens bounds the lexical tokens of a document (SKYGRAPH_MAX_TOKENS, default
	// 15000): parsing stops there, so the size of everything after it is bounded too.
	MaxTokens int
	// MaxFields bounds the field selections of a document with every fragment expanded
	// (SKYGRAPH_MAX_FIELDS, default 2000), checked before validation.
	MaxFields int
	// MaxFieldRepeats bounds how many fields merge into one response key
	// (SKYGRAPH_MAX_FIELD_REPEATS, default 10): validation compares those pairwise.
	MaxFieldRepeats int
	// MaxAliases and MaxRootFields bound one operation (SKYGRAPH_MAX_ALIASES, default 50;
	// SKYGRAPH_MAX_ROOT_FIELDS, default 20).
	MaxAliases    int
	MaxRootFields int
	// MaxErrors caps the errors of one response (SKYGRAPH_MAX_ERRORS, default 100, where
	// graphql-js stops validating).
	MaxErrors int
	// RequestTimeout bounds one HTTP request's execution (SKYGRAPH_REQUEST_TIMEOUT, default
	// 30s as AppSync's): its context is cancelled, and with it every store call.
	RequestTimeout time.Duration
	// MaxResolverCalls bounds the resolver calls of one operation
	// (SKYGRAPH_MAX_RESOLVER_CALLS, default 10000, AppSync's resolverCountLimit).
	MaxResolverCalls int
	// WebSocketInitTimeout is how long a WebSocket may wait before connection_init
	// (SKYGRAPH_WS_INIT_TIMEOUT, default 5s); then it is closed with 4408.
	WebSocketInitTimeout time.Duration
	// MaxWebSockets bounds open WebSocket connections server-wide (SKYGRAPH_MAX_WEBSOCKETS,
	// default 1000); MaxSubscriptions bounds active subscriptions per connection
	// (SKYGRAPH_MAX_SUBSCRIPTIONS, default 100).
	MaxWebSockets    int
	MaxSubscriptions int
	// MaxInFlight bounds the GraphQL HTTP operations executing at once (SKYGRAPH_MAX_INFLIGHT,
	// default 32 per CPU, 64 on 2; 0: no bound); more wait for a slot, up to RequestTimeout
	// (limitInFlight). It keeps memory proportional to the work, not to the open
	// connections (issue 13).
	MaxInFlight int
	// Listen is the host (interface) the API binds (SKYGRAPH_LISTEN). Default: 127.0.0.1
	// with the embedded store (a laptop: the README publishes the demo passwords), all
	// interfaces otherwise (containers, AWS).
	Listen string
	// ShutdownTimeout bounds graceful shutdown (SKYGRAPH_SHUTDOWN_TIMEOUT, default 25s,
	// under ECS's 30 s stop timeout).
	ShutdownTimeout time.Duration
	// SeedDays is how many days of demo flights the embedded store is seeded with
	// (SKYGRAPH_SEED_DAYS, default 30; 0 disables seeding).
	SeedDays int
	// LogLevel is debug, info, warn or error (SKYGRAPH_LOG_LEVEL, default info).
	LogLevel string

	// CognitoUserPoolID selects Cognito (SKYGRAPH_COGNITO_USER_POOL_ID). Empty selects the
	// local identity provider (embedded mode's default).
	CognitoUserPoolID string
	// CognitoClientIDs are the app clients whose tokens are accepted; the first is used for
	// sign-up and sign-in (SKYGRAPH_COGNITO_CLIENT_IDS, comma-separated).
	CognitoClientIDs []string
	// CognitoEndpoint overrides the Cognito endpoint, e.g. cognito-local
	// (SKYGRAPH_COGNITO_ENDPOINT).
	CognitoEndpoint string
	// CognitoIssuer and CognitoJWKSURL override the issuer and JWKS URL derived from the
	// region and pool (SKYGRAPH_COGNITO_ISSUER, SKYGRAPH_COGNITO_JWKS_URL): cognito-local
	// issues http://HOST:PORT/<poolId>.
	CognitoIssuer  string
	CognitoJWKSURL string
	// APIKeys are accepted in x-api-key for @aws_api_key fields (SKYGRAPH_API_KEYS,
	// comma-separated; none by default).
	APIKeys []string
	// LocalIssuer is the issuer of the local identity provider's tokens
	// (SKYGRAPH_LOCAL_ISSUER).
	LocalIssuer string
	// LocalSigningKeyPEM is the local identity provider's RSA key (SKYGRAPH_LOCAL_SIGNING_KEY,
	// PEM). Empty generates one at start, so tokens do not survive a restart.
	LocalSigningKeyPEM string
	// LocalTokenTTL is the lifetime of the local identity provider's ID and access tokens
	// (SKYGRAPH_LOCAL_TOKEN_TTL, default 1h as Cognito's).
	LocalTokenTTL time.Duration
	// BookingRecoverAfter is how long a booking saga may be pending before the recovery
	// sweep takes it over (SKYGRAPH_BOOKING_RECOVER_AFTER, 1ms..24h; default 1m). Taking
	// over a live saga is safe, so an operator finishing sagas after an incident may set
	// it low for one `skygraph run-job booking-recovery`.
	BookingRecoverAfter time.Duration

	// RedisURL is the Redis/Valkey that shares domain events between the server processes
	// of one deployment, so a subscriber on one process hears a change made on another
	// (SKYGRAPH_REDIS_URL: redis://host:port, or rediss://host:port for TLS, which
	// ElastiCache Serverless requires). Empty: this process is alone (embedded, Lambda).
	RedisURL string
	// TLSCertFile and TLSKeyFile make the server listen with HTTPS (SKYGRAPH_TLS_CERT,
	// SKYGRAPH_TLS_KEY: PEM files, both or neither), for where no proxy terminates TLS:
	// Amplify always opens its subscriptions with wss://.
	TLSCertFile string
	TLSKeyFile  string

	WaitlistConfig
}

// UsesCognito reports whether tokens come from a Cognito user pool (or cognito-local).
func (c Config) UsesCognito() bool { return c.CognitoUserPoolID != "" }

// Embedded reports whether the server runs on the in-process store.
func (c Config) Embedded() bool { return c.Table == "" }

// FromEnv reads the configuration through getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Port: 8080, Introspection: true, Playground: !LambdaOnly, CORSOrigins: []string{"*"},
		MaxComplexity: 100_000, MaxDepth: 12, MaxBodyBytes: 1 << 20, ShutdownTimeout: 25 * time.Second,
		MaxTokens: 15_000, MaxFields: 2000, MaxFieldRepeats: 10, MaxAliases: 50, MaxRootFields: 20,
		MaxErrors: 100, RequestTimeout: 30 * time.Second, MaxResolverCalls: 10_000,
		WebSocketInitTimeout: 5 * time.Second, MaxWebSockets: 1000, MaxSubscriptions: 100, MaxInFlight: 32 * runtime.GOMAXPROCS(0),
		SeedDays: 30, LogLevel: "info",
		Table:            getenv("SKYGRAPH_TABLE"),
		DynamoDBEndpoint: getenv("SKYGRAPH_DYNAMODB_ENDPOINT"),
		Region:           getenv("AWS_REGION"),
		TokenSecret:      getenv("SKYGRAPH_TOKEN_SECRET"),
		TokenSecretARN:   getenv("SKYGRAPH_TOKEN_SECRET_ARN"),

		CognitoUserPoolID:  getenv("SKYGRAPH_COGNITO_USER_POOL_ID"),
		CognitoClientIDs:   list(getenv("SKYGRAPH_COGNITO_CLIENT_IDS")),
		CognitoEndpoint:    getenv("SKYGRAPH_COGNITO_ENDPOINT"),
		CognitoIssuer:      getenv("SKYGRAPH_COGNITO_ISSUER"),
		CognitoJWKSURL:     getenv("SKYGRAPH_COGNITO_JWKS_URL"),
		APIKeys:            list(getenv("SKYGRAPH_API_KEYS")),
		LocalIssuer:        "http://localhost/skygraph-local",
		LocalSigningKeyPEM: getenv("SKYGRAPH_LOCAL_SIGNING_KEY"),
		RedisURL:           getenv("SKYGRAPH_REDIS_URL"),
		TLSCertFile:        getenv("SKYGRAPH_TLS_CERT"),
		TLSKeyFile:         getenv("SKYGRAPH_TLS_KEY"),
	}
	if v := getenv("SKYGRAPH_LOCAL_ISSUER"); v != "" {
		c.LocalIssuer = v
	}
	var errs []string
	intVar := func(name string, dst *int, lo, hi int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				errs = append(errs, fmt.Sprintf("%s=%q: want an integer in %d..%d", name, v, lo, hi))
				return
			}
			*dst = n
		}
	}
	boolVar := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: want true or false", name, v))
				return
			}
			*dst = b
		}
	}
	intVar("PORT", &c.Port, 0, 65535) // 0 picks a free port (tests)
	intVar("SKYGRAPH_MAX_COMPLEXITY", &c.MaxComplexity, 1, 1_000_000)
	intVar("SKYGRAPH_MAX_DEPTH", &c.MaxDepth, 1, 100)
	intVar("SKYGRAPH_SEED_DAYS", &c.SeedDays, 0, 366)
	intVar("SKYGRAPH_MAX_TOKENS", &c.MaxTokens, 100, 1_000_000)
	intVar("SKYGRAPH_MAX_FIELDS", &c.MaxFields, 10, 100_000)
	intVar("SKYGRAPH_MAX_FIELD_REPEATS", &c.MaxFieldRepeats, 1, 1000)
	intVar("SKYGRAPH_MAX_ALIASES", &c.MaxAliases, 0, 10_000)
	intVar("SKYGRAPH_MAX_ROOT_FIELDS", &c.MaxRootFields, 1, 10_000)
	intVar("SKYGRAPH_MAX_ERRORS", &c.MaxErrors, 1, 10_000)
	intVar("SKYGRAPH_MAX_RESOLVER_CALLS", &c.MaxResolverCalls, 1, 1_000_000)
	intVar("SKYGRAPH_MAX_WEBSOCKETS", &c.MaxWebSockets, 1, 1_000_000)
	intVar("SKYGRAPH_MAX_SUBSCRIPTIONS", &c.MaxSubscriptions, 1, 10_000)
	intVar("SKYGRAPH_MAX_INFLIGHT", &c.MaxInFlight, 0, 1_000_000)
	durVar := func(name string, dst *time.Duration, lo, hi time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < lo || d > hi {
				errs = append(errs, fmt.Sprintf("%s=%q: want a duration from %s to %s", name, v, lo, hi))
				return
			}
			*dst = d
		}
	}
	durVar("SKYGRAPH_REQUEST_TIMEOUT", &c.RequestTimeout, 100*time.Millisecond, 15*time.Minute)
	durVar("SKYGRAPH_WS_INIT_TIMEOUT", &c.WebSocketInitTimeout, 100*time.Millisecond, time.Minute)
	c.Listen = getenv("SKYGRAPH_LISTEN")
	if c.Listen == "" && c.Table == "" {
		c.Listen = "127.0.0.1"
	}
	body := int(c.MaxBodyBytes)
	intVar("SKYGRAPH_MAX_BODY_BYTES", &body, 1024, 64<<20)
	c.MaxBodyBytes = int64(body)
	boolVar("SKYGRAPH_INTROSPECTION", &c.Introspection)
	boolVar("SKYGRAPH_PLAYGROUND", &c.Playground)
	if v := list(getenv("SKYGRAPH_CORS_ORIGINS")); len(v) > 0 {
		c.CORSOrigins = v
	}
	if v := getenv("SKYGRAPH_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Sprintf("SKYGRAPH_SHUTDOWN_TIMEOUT=%q: want a duration such as 25s", v))
		} else {
			c.ShutdownTimeout = d
		}
	}
	if v := getenv("SKYGRAPH_LOCAL_TOKEN_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 24*time.Hour {
			errs = append(errs, fmt.Sprintf("SKYGRAPH_LOCAL_TOKEN_TTL=%q: want a duration from 1s to 24h", v))
		} else {
			c.LocalTokenTTL = d
		}
	}
	if v := getenv("SKYGRAPH_BOOKING_RECOVER_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Millisecond || d > 24*time.Hour {
			errs = append(errs, fmt.Sprintf("SKYGRAPH_BOOKING_RECOVER_AFTER=%q: want a duration from 1ms to 24h", v))
		} else {
			c.BookingRecoverAfter = d
		}
	}
	if v := getenv("SKYGRAPH_LOG_LEVEL"); v != "" {
		switch v {
		case "debug", "info", "warn", "error":
			c.LogLevel = v
		default:
			errs = append(errs, fmt.Sprintf("SKYGRAPH_LOG_LEVEL=%q: want debug, info, warn or error", v))
		}
	}
	if c.TokenSecret != "" && len(c.TokenSecret) < 16 {
		errs = append(errs, "SKYGRAPH_TOKEN_SECRET: want at least 16 bytes")
	}
	if c.Table == "" && c.DynamoDBEndpoint != "" {
		errs = append(errs, "SKYGRAPH_DYNAMODB_ENDPOINT is set but SKYGRAPH_TABLE is not: name the table")
	}
	if c.CognitoUserPoolID != "" && len(c.CognitoClientIDs) == 0 {
		errs = append(errs, "SKYGRAPH_COGNITO_USER_POOL_ID is set but SKYGRAPH_COGNITO_CLIENT_IDS is not: name the app client(s)")
	}
	if c.CognitoUserPoolID != "" && c.CognitoIssuer == "" && c.Region == "" {
		errs = append(errs, "Cognito: set AWS_REGION (or SKYGRAPH_COGNITO_ISSUER) so the token issuer is known")
	}
	for _, k := range c.APIKeys {
		if len(k) < 16 {
			errs = append(errs, "SKYGRAPH_API_KEYS: each key needs at least 16 characters")
			break
		}
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		errs = append(errs, "SKYGRAPH_REDIS_URL: want redis://host:port or rediss://host:port (TLS)")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, "SKYGRAPH_TLS_CERT and SKYGRAPH_TLS_KEY: set both (PEM certificate and key files) or neither")
	}
	errs = append(errs, c.WaitlistConfig.fromEnv(getenv)...)
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// list splits a comma-separated setting, dropping blanks.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
