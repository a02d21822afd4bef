package auth_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/auth/authtest"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Keys, the JWKS server, token minting and the table of bad tokens are in package
// authtest, which the HTTP tests of package app share.

type fixture struct {
	env *authtest.Env
	srv *authtest.JWKSServer // env.JWKS
	v   *auth.Verifier
}

// newFixture serves authtest.DefaultJWKS and returns a verifier of authtest.Issuer and
// authtest.ClientID over it, after its first JWKS fetch.
func newFixture(t *testing.T, mod func(*auth.VerifierConfig)) *fixture {
	t.Helper()
	env := authtest.NewEnv(t)
	cfg := env.VerifierConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	if mod != nil {
		mod(&cfg)
	}
	v, err := auth.NewVerifier(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(v.Close)
	require.Equal(t, int64(1), env.JWKS.Hits(), "one JWKS fetch at start")
	return &fixture{env: env, srv: env.JWKS, v: v}
}

func requireUnauthorized(t *testing.T, p auth.Principal, err error, token string) {
	t.Helper()
	require.Error(t, err)
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, apperr.Unauthorized, ae.Code)
	require.Contains(t, []string{authtest.MessageTokenInvalid, authtest.MessageTokenExpired}, ae.Message)
	require.Zero(t, p, "no principal data on failure")
	if len(token) > 16 {
		require.NotContains(t, err.Error(), token, "the token is never echoed")
		for _, seg := range strings.Split(token, ".") {
			if len(seg) > 16 {
				require.NotContains(t, err.Error(), seg, "no token segment is echoed")
			}
		}
	}
}

func TestCognitoIssuerAndJWKSURL(t *testing.T) {
	iss := auth.CognitoIssuer("us-east-1", "us-east-1_AbCdEf123")
	require.Equal(t, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123", iss)
	require.Equal(t, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json", auth.JWKSURLFor(iss))
	require.Equal(t, "http://127.0.0.1:19229/local_0pAai0Sw/.well-known/jwks.json",
		auth.JWKSURLFor("http://127.0.0.1:19229/local_0pAai0Sw/"))
	require.Equal(t, authtest.Issuer, auth.CognitoIssuer(authtest.Region, authtest.UserPoolID))
}

func TestVerifyGoodTokens(t *testing.T) {
	f := newFixture(t, func(c *auth.VerifierConfig) { c.ClientIDs = []string{authtest.OtherClientID, authtest.ClientID} })
	now := time.Now()
	exp := time.Unix(now.Add(time.Hour).Unix(), 0)

	t.Run("ID token", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.IDClaims(now)))
		require.NoError(t, err)
		require.Equal(t, "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c", p.Claims["jti"])
		verified, ok := p.Claims["email_verified"].(bool)
		require.True(t, ok && verified)
		require.True(t, exp.Equal(p.ExpiresAt), "ExpiresAt %v, want %v", p.ExpiresAt, exp)
		p.Claims, p.ExpiresAt = nil, time.Time{}
		require.Equal(t, auth.Principal{
			Mode: auth.ModeUserPools, Sub: authtest.Sub, Username: authtest.Username, Email: authtest.Email,
			Groups: []string{"admins", "editors"}, TokenUse: auth.TokenID, ClientID: authtest.ClientID,
		}, p)
	})
	t.Run("access token", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.AccessClaims(now)))
		require.NoError(t, err)
		require.Equal(t, "aws.cognito.signin.user.admin", p.Claims["scope"])
		require.True(t, exp.Equal(p.ExpiresAt))
		p.Claims, p.ExpiresAt = nil, time.Time{}
		require.Equal(t, auth.Principal{
			Mode: auth.ModeUserPools, Sub: authtest.Sub, Username: authtest.Username,
			Groups: []string{"admins", "editors"}, TokenUse: auth.TokenAccess, ClientID: authtest.ClientID,
		}, p)
		require.True(t, p.SignedIn())
		require.True(t, p.InGroup("admins"))
	})
	t.Run("user in no group", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.With(authtest.AccessClaims(now), "cognito:groups", nil)))
		require.NoError(t, err)
		require.Nil(t, p.Groups)
	})
	t.Run("second accepted client", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.With(authtest.IDClaims(now), "aud", authtest.OtherClientID)))
		require.NoError(t, err)
		require.Equal(t, authtest.OtherClientID, p.ClientID)
	})
	t.Run("aud as an array", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.With(authtest.IDClaims(now), "aud", []any{"someone-else", authtest.ClientID})))
		require.NoError(t, err)
		require.Equal(t, authtest.ClientID, p.ClientID)
	})
	t.Run("expired within the leeway", func(t *testing.T) {
		_, err := f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.With(authtest.IDClaims(now), "exp", now.Add(-30*time.Second).Unix())))
		require.NoError(t, err)
	})
	t.Run("JWK without use and alg", func(t *testing.T) {
		_, err := f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDBare, authtest.IDClaims(now)))
		require.NoError(t, err)
	})
	require.Equal(t, int64(1), f.srv.Hits(), "good tokens never refetch the JWKS")
}

// TestVerifyCognitoLocal verifies a token shaped like cognito-local's: issuer
// http://HOST:PORT/<poolId>, typ in the header, JWKS URL derived from the issuer.
func TestVerifyCognitoLocal(t *testing.T) {
	ks := authtest.Keys()
	srv := authtest.NewJWKSServer(t, authtest.JWK{KID: "CognitoLocal", Key: &ks.Primary.PublicKey, Use: "sig", Alg: "RS256"})
	issuer := srv.URL() + "/local_0pAai0Sw"
	v, err := auth.NewVerifier(t.Context(), auth.VerifierConfig{Issuer: issuer, ClientIDs: []string{authtest.ClientID}})
	require.NoError(t, err)
	t.Cleanup(v.Close)
	require.Equal(t, "/local_0pAai0Sw/.well-known/jwks.json", srv.LastPath())

	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, authtest.With(authtest.IDClaims(time.Now()), "iss", issuer))
	tok.Header["kid"] = "CognitoLocal"
	s, err := tok.SignedString(ks.Primary)
	require.NoError(t, err)
	p, err := v.Verify(t.Context(), s)
	require.NoError(t, err)
	require.Equal(t, authtest.Sub, p.Sub)

	// The same token under the AWS issuer of the pool is another pool's token.
	_, err = v.Verify(t.Context(), authtest.MintRS256(t, "CognitoLocal", authtest.IDClaims(time.Now())))
	require.True(t, apperr.Is(err, apperr.Unauthorized))
}

func TestVerifyRejectsBadTokens(t *testing.T) {
	cases := authtest.BadTokens(t)
	require.GreaterOrEqual(t, len(cases), 25)
	names := map[string]bool{}
	for _, tc := range cases {
		require.False(t, names[tc.Name], "duplicate case %q", tc.Name)
		names[tc.Name] = true
		if tc.HeaderOnly {
			continue // no token reaches Verify: TestBadTokensThroughHeader
		}
		t.Run(tc.Name, func(t *testing.T) {
			f := newFixture(t, tc.Config)
			if tc.Setup != nil {
				tc.Setup(t, f.env)
			}
			p, err := f.v.Verify(t.Context(), tc.Token)
			requireUnauthorized(t, p, err, tc.Token)
			require.Equal(t, tc.Message(), apperr.MessageOf(err))
			require.Equal(t, 1+tc.Fetches, f.srv.Hits(), "JWKS requests")
			if tc.Fetches > 0 {
				// A second unknown kid within UnknownKIDRefreshLimit causes no request.
				tok := authtest.Mint(t, authtest.Keys().Rogue, "never-published-kid", jwt.SigningMethodRS256, authtest.IDClaims(time.Now()))
				p, err := f.v.Verify(t.Context(), tok)
				requireUnauthorized(t, p, err, tok)
				require.Equal(t, 1+tc.Fetches, f.srv.Hits())
			}
		})
	}
}

// TestBadTokensThroughHeader: every bad credential that can be sent as an Authorization
// header is rejected by what the server does with it (auth.TokenFromHeader, then Verify)
// with the message the HTTP tests expect, and the token cases' headers carry exactly their
// token.
func TestBadTokensThroughHeader(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range authtest.BadTokens(t) {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Header == "" {
				require.NotEmpty(t, tc.NotHTTP, "a case without a header says why")
				t.Skip(tc.NotHTTP)
			}
			require.Empty(t, tc.NotHTTP)
			require.Nil(t, tc.Config, "the server's verifier has the default configuration")
			if tc.Setup != nil {
				tc.Setup(t, f.env)
			}
			tok, present, err := auth.TokenFromHeader(tc.Header)
			require.True(t, present, "a bad credential is never anonymous")
			if tc.HeaderOnly {
				require.Error(t, err)
				require.Empty(t, tok)
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.Token, tok)
				var p auth.Principal
				p, err = f.v.Verify(t.Context(), tok)
				requireUnauthorized(t, p, err, tok)
			}
			require.True(t, apperr.Is(err, apperr.Unauthorized), "%v", err)
			require.Equal(t, tc.Message(), apperr.MessageOf(err))
		})
	}
	require.LessOrEqual(t, f.srv.Hits(), int64(2), "at most one refresh for the whole table")
}

// TestVerifyUnknownKIDRefreshLimit: unknown kids within the limit cost one refresh, and
// another is allowed once the limit has passed. The two halves use different limits, so
// neither depends on how fast the machine verifies: an hour that five calls cannot
// outlast, and a millisecond that the test's sleep certainly outlasts.
func TestVerifyUnknownKIDRefreshLimit(t *testing.T) {
	unknown := func(i int) string {
		return authtest.Mint(t, authtest.Keys().Rogue, "unknown-kid-"+string(rune('a'+i)), jwt.SigningMethodRS256, authtest.IDClaims(time.Now()))
	}
	t.Run("within the limit", func(t *testing.T) {
		f := newFixture(t, func(c *auth.VerifierConfig) { c.UnknownKIDRefreshLimit = time.Hour })
		for i := range 5 {
			tok := unknown(i)
			p, err := f.v.Verify(t.Context(), tok)
			requireUnauthorized(t, p, err, tok)
		}
		require.Equal(t, int64(2), f.srv.Hits(), "one refresh for five unknown kids")
	})
	t.Run("after the limit", func(t *testing.T) {
		const limit = time.Millisecond
		f := newFixture(t, func(c *auth.VerifierConfig) { c.UnknownKIDRefreshLimit = limit })
		_, err := f.v.Verify(t.Context(), unknown(0))
		require.Error(t, err)
		hits := f.srv.Hits()
		time.Sleep(10 * limit) // only a lower bound: a slow machine lets more time pass
		_, err = f.v.Verify(t.Context(), unknown(1))
		require.Error(t, err)
		require.Equal(t, hits+1, f.srv.Hits(), "another refresh once the limit has passed")
	})
}

func TestVerifyKeyRotation(t *testing.T) {
	f := newFixture(t, nil)
	ks := authtest.Keys()
	f.srv.SetKeys(append(authtest.DefaultJWKS(), authtest.RotatedJWK())...)
	p, err := f.v.Verify(t.Context(), authtest.Mint(t, ks.Rotated, authtest.KIDRotated, jwt.SigningMethodRS256, authtest.AccessClaims(time.Now())))
	require.NoError(t, err)
	require.Equal(t, authtest.Sub, p.Sub)
	require.Equal(t, int64(2), f.srv.Hits())
	_, err = f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.IDClaims(time.Now())))
	require.NoError(t, err, "the old key still verifies while published")
	require.Equal(t, int64(2), f.srv.Hits())
}

func TestVerifyPeriodicRefreshDropsRevokedKey(t *testing.T) {
	f := newFixture(t, func(c *auth.VerifierConfig) { c.RefreshEvery = 100 * time.Millisecond })
	tok := authtest.MintRS256(t, authtest.KIDPrimary, authtest.IDClaims(time.Now()))
	_, err := f.v.Verify(t.Context(), tok)
	require.NoError(t, err)
	f.srv.SetKeys(authtest.RotatedJWK())
	require.Eventually(t, func() bool {
		_, err := f.v.Verify(t.Context(), tok)
		return apperr.Is(err, apperr.Unauthorized)
	}, time.Minute, 20*time.Millisecond) // returns as soon as it holds
}

// TestVerifyConcurrentUnknownKIDs: 50 callers with unknown kids at once cause at most one
// JWKS request.
func TestVerifyConcurrentUnknownKIDs(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.SetDelay(50 * time.Millisecond) // so the callers overlap the refresh
	tokens := make([]string, 50)
	for i := range tokens {
		tokens[i] = authtest.Mint(t, authtest.Keys().Rogue, "spray-"+string(rune('A'+i%26))+string(rune('a'+i/26)), jwt.SigningMethodRS256, authtest.IDClaims(time.Now()))
	}
	start := make(chan struct{})
	errs := make([]error, len(tokens))
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Go(func() {
			<-start
			_, errs[i] = f.v.Verify(t.Context(), tok)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.True(t, apperr.Is(err, apperr.Unauthorized), "%v", err)
	}
	require.LessOrEqual(t, f.srv.Hits(), int64(2), "at most one refresh after the first fetch")
}

// TestVerifyConcurrentRotation: 50 callers presenting a freshly rotated key at once share
// one refresh, and all of them are accepted (no one is turned away by the rate limit while
// the refresh is in flight).
func TestVerifyConcurrentRotation(t *testing.T) {
	f := newFixture(t, nil)
	ks := authtest.Keys()
	f.srv.SetKeys(append(authtest.DefaultJWKS(), authtest.RotatedJWK())...)
	f.srv.SetDelay(100 * time.Millisecond)
	tok := authtest.Mint(t, ks.Rotated, authtest.KIDRotated, jwt.SigningMethodRS256, authtest.IDClaims(time.Now()))
	start := make(chan struct{})
	errs := make([]error, 50)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			<-start
			_, errs[i] = f.v.Verify(t.Context(), tok)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int64(2), f.srv.Hits(), "exactly one refresh")
}

// TestVerifyJWKSDown: with the JWKS endpoint gone, cached keys still verify, and a new kid
// is rejected at once: a refused connection is not waited on until FetchTimeout (a day
// here, so returning at all is the outcome).
func TestVerifyJWKSDown(t *testing.T) {
	f := newFixture(t, func(c *auth.VerifierConfig) { c.FetchTimeout = 24 * time.Hour })
	f.srv.Close()

	_, err := f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.IDClaims(time.Now())))
	require.NoError(t, err, "cached keys keep working")

	for range 2 {
		tok := authtest.Mint(t, authtest.Keys().Rotated, authtest.KIDRotated, jwt.SigningMethodRS256, authtest.IDClaims(time.Now()))
		var p auth.Principal
		returns(t, "Verify waits for FetchTimeout on a refused connection", func() { p, err = f.v.Verify(t.Context(), tok) })
		requireUnauthorized(t, p, err, tok)
	}
}

// returns runs call and fails the test if it has not returned within a guard of minutes.
// The tests using it make the wait they guard against hours or endless (a day's
// FetchTimeout, an endpoint that never answers), so returning at all is the outcome they
// check; the guard only keeps a regression from hanging the suite, and is far beyond any
// machine's slowness.
func returns(t *testing.T, what string, call func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		call()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		t.Fatalf("still waiting after 5 minutes: %s", what)
	}
}

// TestVerifyJWKSHanging: a JWKS endpoint that accepts but never answers delays an
// unknown-kid Verify by at most FetchTimeout, and never past the caller's ctx. The endpoint
// hangs until the test ends, so returning at all is the outcome; the bound checked is 150x
// the timeout, which no machine's slowness reaches.
func TestVerifyJWKSHanging(t *testing.T) {
	tok := authtest.Mint(t, authtest.Keys().Rotated, authtest.KIDRotated, jwt.SigningMethodRS256, authtest.IDClaims(time.Now()))

	t.Run("bounded by FetchTimeout", func(t *testing.T) {
		f := newFixture(t, func(c *auth.VerifierConfig) { c.FetchTimeout = 200 * time.Millisecond })
		f.srv.HangUntilCleanup(t)
		var (
			p   auth.Principal
			err error
		)
		returns(t, "Verify is not bounded by FetchTimeout", func() { p, err = f.v.Verify(t.Context(), tok) })
		requireUnauthorized(t, p, err, tok)
		_, err = f.v.Verify(t.Context(), authtest.MintRS256(t, authtest.KIDPrimary, authtest.IDClaims(time.Now())))
		require.NoError(t, err, "cached keys keep working")
	})
	t.Run("bounded by the caller's ctx", func(t *testing.T) {
		f := newFixture(t, func(c *auth.VerifierConfig) { c.FetchTimeout = 24 * time.Hour })
		f.srv.HangUntilCleanup(t)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		var (
			p   auth.Principal
			err error
		)
		returns(t, "Verify outlives the caller's ctx", func() { p, err = f.v.Verify(ctx, tok) })
		requireUnauthorized(t, p, err, tok)
	})
}

// TestNewVerifierJWKSDownAtStart: the verifier is created although the first fetch fails,
// rejects tokens meanwhile, and picks the keys up once the endpoint answers.
func TestNewVerifierJWKSDownAtStart(t *testing.T) {
	t.Run("endpoint failing", func(t *testing.T) {
		srv := authtest.NewJWKSServer(t, authtest.DefaultJWKS()...)
		srv.SetStatus(http.StatusServiceUnavailable)
		v, err := auth.NewVerifier(t.Context(), auth.VerifierConfig{Issuer: authtest.Issuer, JWKSURL: srv.JWKSURL(), ClientIDs: []string{authtest.ClientID}})
		require.NoError(t, err)
		t.Cleanup(v.Close)

		tok := authtest.MintRS256(t, authtest.KIDPrimary, authtest.IDClaims(time.Now()))
		p, err := v.Verify(t.Context(), tok)
		requireUnauthorized(t, p, err, tok)

		srv.SetStatus(http.StatusOK)
		require.Eventually(t, func() bool {
			_, err := v.Verify(t.Context(), tok)
			return err == nil
		}, time.Minute, 50*time.Millisecond) // returns as soon as it holds
	})
	t.Run("endpoint unreachable", func(t *testing.T) {
		srv := authtest.NewJWKSServer(t)
		srv.Close()
		var (
			v   *auth.Verifier
			err error
		)
		returns(t, "NewVerifier waits for FetchTimeout on a refused connection", func() {
			v, err = auth.NewVerifier(t.Context(), auth.VerifierConfig{Issuer: authtest.Issuer, JWKSURL: srv.JWKSURL(),
				ClientIDs: []string{authtest.ClientID}, FetchTimeout: 24 * time.Hour})
		})
		require.NoError(t, err)
		tok := authtest.MintRS256(t, authtest.KIDPrimary, authtest.IDClaims(time.Now()))
		p, err := v.Verify(t.Context(), tok)
		requireUnauthorized(t, p, err, tok)
		v.Close()
		v.Close() // idempotent
	})
}

func TestNewVerifierConfigErrors(t *testing.T) {
	base := auth.VerifierConfig{Issuer: authtest.Issuer, JWKSURL: "http://127.0.0.1:1/jwks.json", ClientIDs: []string{authtest.ClientID}}
	for name, mod := range map[string]func(*auth.VerifierConfig){
		"no issuer":          func(c *auth.VerifierConfig) { c.Issuer = "" },
		"no client ids":      func(c *auth.VerifierConfig) { c.ClientIDs = nil },
		"empty client id":    func(c *auth.VerifierConfig) { c.ClientIDs = []string{""} },
		"unknown token use":  func(c *auth.VerifierConfig) { c.TokenUses = []auth.TokenUse{"refresh"} },
		"negative leeway":    func(c *auth.VerifierConfig) { c.Leeway = -time.Second },
		"relative JWKS URL":  func(c *auth.VerifierConfig) { c.JWKSURL = "jwks.json" },
		"negative max bytes": func(c *auth.VerifierConfig) { c.MaxTokenBytes = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := base
			mod(&cfg)
			v, err := auth.NewVerifier(t.Context(), cfg)
			require.Error(t, err)
			require.Nil(t, v)
		})
	}
	_, err := auth.NewStaticVerifier(base, nil)
	require.Error(t, err)
}

// TestStaticVerifier: the local identity provider's path — a key set in memory (with the
// private key, as the provider holds it), the same checks, no fetching.
func TestStaticVerifier(t *testing.T) {
	ks := authtest.Keys()
	jwk, err := jwkset.NewJWKFromKey(ks.Primary, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: "local-1", ALG: jwkset.AlgRS256, USE: jwkset.UseSig},
	})
	require.NoError(t, err)
	store := jwkset.NewMemoryStorage()
	require.NoError(t, store.KeyWrite(t.Context(), jwk))
	const issuer = "http://localhost/skygraph-local"
	v, err := auth.NewStaticVerifier(auth.VerifierConfig{Issuer: issuer, ClientIDs: []string{"local"}}, store)
	require.NoError(t, err)
	defer v.Close()

	now := time.Now()
	p, err := v.Verify(t.Context(), authtest.Mint(t, ks.Primary, "local-1", jwt.SigningMethodRS256,
		authtest.With(authtest.IDClaims(now), "iss", issuer, "aud", "local")))
	require.NoError(t, err)
	require.Equal(t, auth.TokenID, p.TokenUse)
	require.Equal(t, "local", p.ClientID)

	for name, tok := range map[string]string{
		"unknown kid":   authtest.Mint(t, ks.Primary, "local-2", jwt.SigningMethodRS256, authtest.With(authtest.IDClaims(now), "iss", issuer, "aud", "local")),
		"wrong issuer":  authtest.Mint(t, ks.Primary, "local-1", jwt.SigningMethodRS256, authtest.With(authtest.IDClaims(now), "aud", "local")),
		"expired":       authtest.Mint(t, ks.Primary, "local-1", jwt.SigningMethodRS256, authtest.With(authtest.IDClaims(now), "iss", issuer, "aud", "local", "exp", now.Add(-time.Hour).Unix())),
		"wrong signer":  authtest.Mint(t, ks.Rogue, "local-1", jwt.SigningMethodRS256, authtest.With(authtest.IDClaims(now), "iss", issuer, "aud", "local")),
		"wrong client ": authtest.Mint(t, ks.Primary, "local-1", jwt.SigningMethodRS256, authtest.With(authtest.IDClaims(now), "iss", issuer)),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := v.Verify(t.Context(), tok)
			requireUnauthorized(t, p, err, tok)
		})
	}
}

func TestVerifyErrorsAreAppErrors(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.v.Verify(t.Context(), "garbage")
	require.True(t, apperr.Is(err, apperr.Unauthorized))
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Error(t, ae.Cause, "the reason is kept for logs")
}
