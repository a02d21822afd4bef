package auth

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Defaults of VerifierConfig. They follow Cognito's own numbers where it has them (keys are
// rotated rarely and published before use, so an hourly refresh is plenty) and keyfunc's
// defaults otherwise.
const (
	// DefaultLeeway is the clock skew tolerated on exp, nbf and iat.
	DefaultLeeway = 60 * time.Second
	// DefaultMaxTokenBytes caps a token's length before any decoding: Cognito tokens are
	// 1–4 KiB even with many groups and custom attributes.
	DefaultMaxTokenBytes = 8 << 10
	// DefaultRefreshEvery is how often the JWKS is refetched in the background.
	DefaultRefreshEvery = time.Hour
	// DefaultUnknownKIDRefreshLimit is the minimum interval between JWKS refetches caused by
	// a token whose kid is not in the cached set.
	DefaultUnknownKIDRefreshLimit = 5 * time.Minute
	// DefaultFetchTimeout bounds one JWKS request.
	DefaultFetchTimeout = 5 * time.Second
)

const (
	// minRSABits rejects keys too weak to trust, whatever the JWKS says. Cognito and
	// cognito-local both use 2048-bit keys.
	minRSABits = 2048
	// maxJWKSBytes caps a JWKS response body (jwkset decodes it without a limit). A Cognito
	// JWKS is about 1 KiB.
	maxJWKSBytes = 1 << 20
	// jwksWarmUpFirstDelay and jwksWarmUpMaxDelay pace the retries while no key has ever
	// been fetched (the JWKS endpoint was down when the verifier was created).
	jwksWarmUpFirstDelay = 500 * time.Millisecond
	jwksWarmUpMaxDelay   = 30 * time.Second
)

// Client-safe messages of verification failures. They never echo the token and never
// say which check failed beyond "expired", which a client can act on (refresh the token).
const (
	msgTokenInvalid = "Token is invalid."
	msgTokenExpired = "Token has expired."
)

// VerifierConfig configures a Verifier. Issuer and ClientIDs are required; the zero value
// of every other field selects its default.
type VerifierConfig struct {
	// Issuer is the exact iss every token must carry: CognitoIssuer(region, pool) for
	// Cognito, http://HOST:PORT/<poolId> for cognito-local, the local identity provider's
	// issuer in embedded mode. A token from another pool differs only here.
	Issuer string
	// JWKSURL is where the pool publishes its keys. Empty means JWKSURLFor(Issuer), which
	// is right for Cognito and cognito-local; never derived from a token (no jku/x5u) nor
	// from cognito-local's discovery document (which hard-codes localhost:9229).
	JWKSURL string
	// ClientIDs are the app clients whose tokens are accepted (ID tokens: aud; access
	// tokens: client_id). Required: a pool may have other clients, and their tokens must
	// not work here (AppSync's AppIdClientRegex).
	ClientIDs []string
	// TokenUses are the accepted token kinds. Empty accepts both, as AppSync does.
	TokenUses []TokenUse
	// Leeway is the clock skew tolerated on exp, nbf and iat. Zero means DefaultLeeway;
	// negative is an error.
	Leeway time.Duration
	// MaxTokenBytes rejects longer tokens before decoding them. Zero means
	// DefaultMaxTokenBytes.
	MaxTokenBytes int
	// HTTPClient fetches the JWKS. Nil means a new client; either way responses are capped
	// at 1 MiB and each request at FetchTimeout.
	HTTPClient *http.Client
	// RefreshEvery is the periodic JWKS refresh. Zero means DefaultRefreshEvery.
	RefreshEvery time.Duration
	// UnknownKIDRefreshLimit is the minimum interval between refreshes triggered by an
	// unknown kid, so a caller spraying random kids cannot make us hammer the JWKS
	// endpoint. Zero means DefaultUnknownKIDRefreshLimit.
	UnknownKIDRefreshLimit time.Duration
	// FetchTimeout bounds one JWKS request, and so how long Verify can wait on a refresh.
	// Zero means DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Logger receives a warning for each failed JWKS fetch (the endpoint being down is
	// otherwise invisible until tokens fail). Nil means slog.Default().
	Logger *slog.Logger
}

// CognitoIssuer returns the iss of a Cognito user pool's tokens. Verifiers compare it
// exactly, so it has no trailing slash, as Cognito issues it.
func CognitoIssuer(region, userPoolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + userPoolID
}

// JWKSURLFor returns the JWKS URL of an issuer (Cognito and cognito-local both publish their
// keys at <issuer>/.well-known/jwks.json). It is built, not discovered, because
// cognito-local's discovery document names localhost:9229 whatever its address.
func JWKSURLFor(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/jwks.json"
}

// Verifier verifies Cognito user-pool tokens (ID and access) and the local identity
// provider's tokens, which are shaped the same, and turns them into a Principal. It is safe
// for concurrent use.
//
// What it enforces, whatever the token says: RS256 only (the algorithm is pinned, never
// taken from the token's header, so "none", HS256 keyed with the public key and other
// algorithm-confusion tricks fail); a kid naming a key of the configured key set (never a
// key from the token itself: jku, x5u and jwk headers are ignored); an RSA key of at least
// 2048 bits whose JWK use, when present, is "sig", whose alg, when present, is RS256 and
// whose key_ops, when present, allow "verify"; exp present and not past, nbf and iat not in
// the future (each with Leeway); iss equal to Issuer; token_use allowed; the client check of
// that kind of token; a non-empty sub; every claim it reads of the right JSON type.
type Verifier struct {
	issuer    string
	clientIDs []string
	uses      []TokenUse
	maxBytes  int
	parser    *jwt.Parser

	// keys holds the key set. For a remote verifier it is keyfunc's jwkset HTTP client:
	// KeyReadAll reads the cache, KeyRead of an unknown kid refetches the JWKS (keyfunc's
	// own rate limit is switched off: refreshes go through refresh, below).
	keys   jwkset.Storage
	remote bool

	fetchTimeout time.Duration
	// limiter allows one unknown-kid refresh per UnknownKIDRefreshLimit.
	limiter *rate.Limiter

	ctx    context.Context // ends the background refreshes; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	inflight chan struct{} // closed when the refresh in flight ends; nil when none is
	closed   bool
}

// NewVerifier returns a verifier over the remote JWKS at cfg.JWKSURL, fetched with keyfunc v3
// and jwkset's HTTP storage: the key set is cached and refreshed every cfg.RefreshEvery in
// a goroutine that ends with ctx or Close.
//
// A token whose kid is not cached triggers one refetch (a key rotation), rate-limited: one
// refresh in flight at a time, which concurrent callers wait for, and at most one per
// cfg.UnknownKIDRefreshLimit; callers finding the limit spent are rejected at once, without
// a request.
//
// If the first fetch fails (the endpoint is down or not started yet) NewVerifier still
// succeeds, so the server starts; tokens are rejected until keys arrive, which a
// background retry (0.5 s, doubling to 30 s) fetches as soon as the endpoint answers.
// NewVerifier waits for the first fetch, at most cfg.FetchTimeout.
func NewVerifier(ctx context.Context, cfg VerifierConfig) (*Verifier, error) {
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = JWKSURLFor(cfg.Issuer)
	}
	v, err := newVerifier(ctx, cfg)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	kf, err := keyfunc.NewDefaultOverrideCtx(v.ctx, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:                    jwksHTTPClient(cfg.HTTPClient),
		HTTPTimeout:               v.fetchTimeout,
		NoErrorReturnFirstHTTPReq: new(true),
		RefreshInterval:           durationOr(cfg.RefreshEvery, DefaultRefreshEvery),
		// keyfunc's limiter makes callers wait (up to RateLimitWaitMax) or fail while a
		// refresh is in flight, so a token with a freshly rotated key could be rejected by
		// bad timing. refresh coalesces and rate-limits instead; keyfunc may always refetch.
		RefreshUnknownKID: rate.NewLimiter(rate.Inf, 1),
		RateLimitWaitMax:  v.fetchTimeout, // also bounds keyfunc's unknown-kid refetch
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				log.WarnContext(ctx, "auth: JWKS fetch failed", "url", u, "error", err)
			}
		},
	})
	if err != nil {
		v.cancel()
		return nil, apperr.Errorf("auth: JWKS of %s: %w", cfg.JWKSURL, err)
	}
	v.keys = kf.Storage()
	v.remote = true
	v.limiter = rate.NewLimiter(rate.Every(durationOr(cfg.UnknownKIDRefreshLimit, DefaultUnknownKIDRefreshLimit)), 1)
	if !v.hasKeys() {
		v.wg.Add(1)
		go v.warmUp()
	}
	return v, nil
}

// NewStaticVerifier returns a verifier over a fixed key set, with exactly the checks of
// NewVerifier: the embedded local identity provider passes the storage it signs with
// (private keys are fine; only their public halves are used), so local tokens are verified
// the way Cognito's are. keys is read on every Verify, so keys written to it later are
// used; an unknown kid is rejected without any fetch. cfg.JWKSURL, HTTPClient,
// RefreshEvery, UnknownKIDRefreshLimit, FetchTimeout and Logger are ignored.
func NewStaticVerifier(cfg VerifierConfig, keys jwkset.Storage) (*Verifier, error) {
	if keys == nil {
		return nil, apperr.Errorf("auth: static verifier without keys")
	}
	v, err := newVerifier(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	v.keys = keys
	return v, nil
}

// newVerifier validates cfg and builds everything but the key set.
func newVerifier(ctx context.Context, cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, apperr.Errorf("auth: verifier: Issuer is required")
	}
	if len(cfg.ClientIDs) == 0 || slices.Contains(cfg.ClientIDs, "") {
		return nil, apperr.Errorf("auth: verifier: ClientIDs must be non-empty client ids")
	}
	uses := slices.Clone(cfg.TokenUses)
	if len(uses) == 0 {
		uses = []TokenUse{TokenID, TokenAccess}
	}
	for _, u := range uses {
		if u != TokenID && u != TokenAccess {
			return nil, apperr.Errorf("auth: verifier: unknown token use %q", u)
		}
	}
	if cfg.Leeway < 0 || cfg.MaxTokenBytes < 0 || cfg.RefreshEvery < 0 ||
		cfg.UnknownKIDRefreshLimit < 0 || cfg.FetchTimeout < 0 {
		return nil, apperr.Errorf("auth: verifier: negative duration or size")
	}
	leeway := durationOr(cfg.Leeway, DefaultLeeway)
	maxBytes := cfg.MaxTokenBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxTokenBytes
	}
	vctx, cancel := context.WithCancel(ctx)
	return &Verifier{
		issuer:    cfg.Issuer,
		clientIDs: slices.Clone(cfg.ClientIDs),
		uses:      uses,
		maxBytes:  maxBytes,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithLeeway(leeway),
			jwt.WithIssuedAt(),
			jwt.WithStrictDecoding(), // one encoding per signature: no malleable variants
		),
		fetchTimeout: durationOr(cfg.FetchTimeout, DefaultFetchTimeout),
		ctx:          vctx,
		cancel:       cancel,
	}, nil
}

// Close stops the background JWKS refreshes and waits for any refresh this verifier
// started. Verify keeps working on the cached keys, without refetching. Close is
// idempotent.
func (v *Verifier) Close() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	v.cancel()
	v.wg.Wait()
}

// Verify checks token (the raw JWT, without "Bearer ") and returns its caller. Every failure
// is an *apperr.Error with code Unauthorized, a client-safe message and the reason as Cause
// for logs; the Principal is then the zero value. Verify waits for a JWKS refresh only when
// the kid is unknown, at most FetchTimeout and never past ctx.
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, tokenInvalid(errors.New("empty token"))
	}
	if len(token) > v.maxBytes {
		return Principal{}, tokenInvalid(fmt.Errorf("token longer than %d bytes", v.maxBytes))
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(token, claims, v.keyfunc(ctx)); err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return Principal{}, apperr.Wrap(err, apperr.Unauthorized, msgTokenExpired)
		}
		return Principal{}, tokenInvalid(err)
	}
	p, err := v.principal(claims)
	if err != nil {
		return Principal{}, tokenInvalid(err)
	}
	return p, nil
}

// principal checks the Cognito claims of a token whose signature and registered claims
// (exp, nbf, iat, iss) are valid, and builds its Principal.
func (v *Verifier) principal(claims jwt.MapClaims) (Principal, error) {
	use, err := cognitoStringClaim(claims, "token_use")
	if err != nil {
		return Principal{}, err
	}
	if !slices.Contains(v.uses, TokenUse(use)) {
		return Principal{}, fmt.Errorf("token_use %q not accepted", use)
	}
	// Type-checked for both kinds: an aud of the wrong type is a malformed token.
	aud, err := cognitoAudience(claims)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{Mode: ModeUserPools, TokenUse: TokenUse(use), Claims: claims}
	switch p.TokenUse {
	case TokenID:
		// An ID token names its client in aud (OpenID Connect).
		for _, a := range aud {
			if slices.Contains(v.clientIDs, a) {
				p.ClientID = a
				break
			}
		}
		if p.ClientID == "" {
			return Principal{}, errors.New("aud names no accepted client")
		}
		if p.Username, err = cognitoStringClaim(claims, "cognito:username"); err != nil {
			return Principal{}, err
		}
		if p.Email, err = cognitoStringClaim(claims, "email"); err != nil {
			return Principal{}, err
		}
	case TokenAccess:
		// Cognito access tokens have no aud (they are OAuth access tokens for Cognito's own
		// APIs); their client is client_id.
		if p.ClientID, err = cognitoStringClaim(claims, "client_id"); err != nil {
			return Principal{}, err
		}
		if !slices.Contains(v.clientIDs, p.ClientID) {
			return Principal{}, errors.New("client_id is no accepted client")
		}
		if p.Username, err = cognitoStringClaim(claims, "username"); err != nil {
			return Principal{}, err
		}
	}
	if p.Sub, err = cognitoStringClaim(claims, "sub"); err != nil {
		return Principal{}, err
	}
	if p.Sub == "" {
		return Principal{}, errors.New("no sub")
	}
	if p.Groups, err = cognitoGroups(claims); err != nil {
		return Principal{}, err
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil { // the parser required it; kept for safety
		return Principal{}, errors.New("no exp")
	}
	p.ExpiresAt = exp.Time
	return p, nil
}

// cognitoStringClaim returns a string claim, "" when absent, and an error when present with
// another JSON type.
func cognitoStringClaim(claims jwt.MapClaims, name string) (string, error) {
	raw, ok := claims[name]
	if !ok {
		return "", nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("claim %s is not a string", name)
	}
	return s, nil
}

// cognitoAudience returns aud: absent, a string or an array of strings (RFC 7519 §4.1.3).
// jwt.MapClaims.GetAudience is not used: it silently reads an aud of another type (a
// number, an object) as no audience.
func cognitoAudience(claims jwt.MapClaims) ([]string, error) {
	switch aud := claims["aud"].(type) {
	case nil:
		if _, ok := claims["aud"]; ok {
			return nil, errors.New("claim aud is null")
		}
		return nil, nil
	case string:
		return []string{aud}, nil
	case []any:
		out := make([]string, 0, len(aud))
		for _, a := range aud {
			s, ok := a.(string)
			if !ok {
				return nil, errors.New("claim aud is not an array of strings")
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, errors.New("claim aud is neither a string nor an array of strings")
	}
}

// cognitoGroups returns cognito:groups (absent when the user is in no group), which must be
// an array of strings.
func cognitoGroups(claims jwt.MapClaims) ([]string, error) {
	raw, ok := claims["cognito:groups"]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, errors.New("claim cognito:groups is not an array")
	}
	groups := make([]string, 0, len(list))
	for _, g := range list {
		s, ok := g.(string)
		if !ok {
			return nil, errors.New("claim cognito:groups is not an array of strings")
		}
		groups = append(groups, s)
	}
	return groups, nil
}

// keyfunc returns the jwt.Keyfunc of one Verify: it runs after the parser has checked that
// the token is RS256, and returns the RSA public key named by the token's kid.
func (v *Verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		// RFC 7515 §4.1.11: critical extensions we do not understand make a token invalid.
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New("crit header")
		}
		// Cognito always names the key. Without a kid keyfunc would try every key of the
		// set, skipping the use and alg checks below; we refuse instead.
		kid, ok := t.Header["kid"].(string)
		if !ok || kid == "" {
			return nil, errors.New("no kid")
		}
		jwk, err := v.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		return rsaVerificationKey(jwk)
	}
}

// rsaVerificationKey returns the public key of jwk if it may verify RS256 signatures.
// keyfunc checks only alg, and use only against a whitelist that also rejects keys
// without use, so the checks are done here.
func rsaVerificationKey(jwk jwkset.JWK) (*rsa.PublicKey, error) {
	m := jwk.Marshal()
	if m.USE != "" && m.USE != jwkset.UseSig {
		return nil, fmt.Errorf("key use %q is not sig", m.USE)
	}
	if m.ALG != "" && m.ALG != jwkset.AlgRS256 {
		return nil, fmt.Errorf("key alg %q is not RS256", m.ALG)
	}
	if len(m.KEYOPS) > 0 && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify) {
		return nil, errors.New("key_ops does not allow verify")
	}
	var pub *rsa.PublicKey
	switch k := jwk.Key().(type) {
	case *rsa.PublicKey:
		pub = k
	case *rsa.PrivateKey: // jwkset loads private members when a JWKS has them
		pub = &k.PublicKey
	default:
		return nil, fmt.Errorf("key is %T, not RSA", k)
	}
	if pub.N == nil || pub.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("RSA key shorter than %d bits", minRSABits)
	}
	return pub, nil
}

// key returns the cached key kid, refreshing the key set once if it is unknown and the
// rate limit allows.
func (v *Verifier) key(ctx context.Context, kid string) (jwkset.JWK, error) {
	if jwk, ok := v.cached(ctx, kid); ok {
		return jwk, nil
	}
	if !v.remote {
		return jwkset.JWK{}, errors.New("unknown kid")
	}
	done := v.refresh(ctx, kid, true)
	if done == nil {
		return jwkset.JWK{}, errors.New("unknown kid (JWKS refresh rate-limited)")
	}
	select {
	case <-done:
	case <-ctx.Done():
		return jwkset.JWK{}, fmt.Errorf("waiting for the JWKS: %w", ctx.Err())
	}
	if jwk, ok := v.cached(ctx, kid); ok {
		return jwk, nil
	}
	return jwkset.JWK{}, errors.New("unknown kid (not in the refreshed JWKS)")
}

// cached returns the key kid from the cached set, without fetching.
func (v *Verifier) cached(ctx context.Context, kid string) (jwkset.JWK, bool) {
	all, err := v.keys.KeyReadAll(ctx)
	if err != nil {
		return jwkset.JWK{}, false
	}
	for _, k := range all {
		if k.Marshal().KID == kid {
			return k, true
		}
	}
	return jwkset.JWK{}, false
}

// hasKeys reports whether the cached key set has any key.
func (v *Verifier) hasKeys() bool {
	all, err := v.keys.KeyReadAll(v.ctx)
	return err == nil && len(all) > 0
}

// refresh starts a JWKS refetch, or joins the one in flight, and returns a channel closed
// when it ends. It returns nil, starting nothing, when the verifier is closed or, for a
// limited (unknown-kid) refresh, when the limiter has no token left. The refetch runs
// detached from the caller's ctx, so a caller giving up does not cancel it for the others.
func (v *Verifier) refresh(ctx context.Context, kid string, limited bool) <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.inflight != nil {
		return v.inflight
	}
	if v.closed {
		return nil
	}
	done := make(chan struct{})
	if _, ok := v.cached(ctx, kid); ok && limited { // a refresh that just ended brought it
		close(done)
		return done
	}
	if limited && !v.limiter.Allow() {
		return nil
	}
	v.inflight = done
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		fctx, cancel := context.WithTimeout(v.ctx, v.fetchTimeout)
		// keyfunc's storage refetches when kid is not cached; its result is read from the
		// cache by the callers, and failures were logged by the refresh error handler.
		_, _ = v.keys.KeyRead(fctx, kid)
		cancel()
		v.mu.Lock()
		v.inflight = nil
		v.mu.Unlock()
		close(done)
	}()
	return done
}

// warmUp refetches the JWKS with backoff until a key arrives or the verifier is closed: the
// first fetch failed, and without it every token would wait for the unknown-kid limit.
func (v *Verifier) warmUp() {
	defer v.wg.Done()
	delay := jwksWarmUpFirstDelay
	for !v.hasKeys() {
		t := time.NewTimer(delay)
		select {
		case <-v.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if done := v.refresh(v.ctx, "", false); done != nil {
			<-done
		}
		delay = min(2*delay, jwksWarmUpMaxDelay)
	}
}

// jwksHTTPClient returns a copy of c (or a new client) whose response bodies are capped at
// maxJWKSBytes, since jwkset decodes the body without a limit.
func jwksHTTPClient(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	}
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = jwksLimitedTransport{base: base}
	return &out
}

// jwksLimitedTransport caps response bodies at maxJWKSBytes.
type jwksLimitedTransport struct{ base http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t jwksLimitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = jwksLimitedBody{Reader: io.LimitReader(resp.Body, maxJWKSBytes), Closer: resp.Body}
	return resp, nil
}

// jwksLimitedBody is a response body cut at maxJWKSBytes (an oversized JWKS then fails to
// decode).
type jwksLimitedBody struct {
	io.Reader
	io.Closer
}

// tokenInvalid is the error of a token that failed verification for any reason but expiry.
func tokenInvalid(cause error) *apperr.Error {
	return apperr.Wrap(cause, apperr.Unauthorized, msgTokenInvalid)
}

// durationOr returns d, or def when d is zero.
func durationOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
