package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/apperr"
	"github.com/skygraph/skygraph/auth"
)

const (
	testRegion      = "eu-west-1"
	testPoolID      = "eu-west-1_Fl1ghtP00l"
	testClientID    = "3n4qk1m9d0cv7b5pl2f8a6e1hs"
	testOtherClient = "7u2h5rj0fq9e4ls1ncb6mk3ot8"
	testSub         = "8b4f1c2e-5d6a-4e7b-9c0d-1e2f3a4b5c6d"
	testUsername    = "2a1b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b" // a UUID: the pool signs in by email
	testEmail       = "jane@example.com"

	kidPrimary = "eCgy9yQtu8NXBvPh4Sx3Z0kl+PNBBo7nbhJeC5R0XUA="
	kidRotated = "Qz8bN2vX7yT4kL1mR6pW0sD3fH9jA5cE2gU8iO4nK7s="
	kidEnc     = "enc-use-key"
	kidRS384   = "rs384-alg-key"
	kidBare    = "no-use-no-alg-key"
	kidWeak    = "weak-1024-key"
	kidEncOps  = "encrypt-only-key-ops"
)

var testIssuer = auth.CognitoIssuer(testRegion, testPoolID)

// testKeys are generated once per test binary: RSA key generation is slow, more so under -race.
type testKeySet struct {
	primary, rotated, rogue *rsa.PrivateKey
	weak                    *rsa.PrivateKey // 1024 bits
}

var testKeys = sync.OnceValue(func() testKeySet {
	gen := func(bits int, out **rsa.PrivateKey, wg *sync.WaitGroup) {
		defer wg.Done()
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		*out = k
	}
	var ks testKeySet
	var wg sync.WaitGroup
	wg.Add(4)
	go gen(2048, &ks.primary, &wg)
	go gen(2048, &ks.rotated, &wg)
	go gen(2048, &ks.rogue, &wg)
	go gen(1024, &ks.weak, &wg)
	wg.Wait()
	return ks
})

// jwkEntry is one key of a served JWKS, written the way Cognito writes it.
type jwkEntry struct {
	kid    string
	key    *rsa.PublicKey
	use    string
	alg    string
	keyOps []string
}

func jwksJSON(entries ...jwkEntry) []byte {
	keys := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		m := map[string]any{
			"kty": "RSA",
			"kid": e.kid,
			"n":   base64.RawURLEncoding.EncodeToString(e.key.N.Bytes()),
			"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(e.key.E)).Bytes()),
		}
		if e.use != "" {
			m["use"] = e.use
		}
		if e.alg != "" {
			m["alg"] = e.alg
		}
		if e.keyOps != nil {
			m["key_ops"] = e.keyOps
		}
		keys = append(keys, m)
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return b
}

// defaultJWKS is the pool's key set: the signing key, plus the same key material published
// under other kids with properties that must make it unusable (so only those properties
// can be why a token is rejected), plus a weak key.
func defaultJWKS() []jwkEntry {
	ks := testKeys()
	pub := &ks.primary.PublicKey
	return []jwkEntry{
		{kid: kidPrimary, key: pub, use: "sig", alg: "RS256"},
		{kid: kidEnc, key: pub, use: "enc", alg: "RS256"},
		{kid: kidRS384, key: pub, use: "sig", alg: "RS384"},
		{kid: kidBare, key: pub},
		{kid: kidWeak, key: &ks.weak.PublicKey, use: "sig", alg: "RS256"},
		{kid: kidEncOps, key: pub, keyOps: []string{"encrypt"}},
	}
}

// jwksServer serves a JWKS on 127.0.0.1, counts its requests, and can change its key set,
// fail, slow down, hang or be closed.
type jwksServer struct {
	srv  *httptest.Server
	hits atomic.Int64

	mu       sync.Mutex
	body     []byte
	status   int
	delay    time.Duration
	hang     chan struct{} // non-nil: requests block until it is closed
	lastPath string
}

func newJWKSServer(t *testing.T, entries ...jwkEntry) *jwksServer {
	t.Helper()
	s := &jwksServer{body: jwksJSON(entries...), status: http.StatusOK}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		body, status, delay, hang := s.body, s.status, s.delay, s.hang
		s.lastPath = r.URL.Path
		s.mu.Unlock()
		if hang != nil {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	require.True(t, strings.HasPrefix(s.srv.URL, "http://127.0.0.1:"), s.srv.URL)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) url() string { return s.srv.URL + "/" + testPoolID + "/.well-known/jwks.json" }

func (s *jwksServer) setKeys(entries ...jwkEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = jwksJSON(entries...)
}

func (s *jwksServer) setStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

func (s *jwksServer) setDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// hangRequests makes every later request block until the test ends.
func (s *jwksServer) hangRequests(t *testing.T) {
	release := make(chan struct{})
	s.mu.Lock()
	s.hang = release
	s.mu.Unlock()
	// Registered after the verifier's Close, so it runs before it: Close waits for the
	// refresh that is stuck here.
	t.Cleanup(func() { close(release) })
}

type fixture struct {
	srv *jwksServer
	v   *auth.Verifier
}

// newFixture serves defaultJWKS and returns a verifier of testIssuer/testClientID over it,
// after its first JWKS fetch.
func newFixture(t *testing.T, mod func(*auth.VerifierConfig)) *fixture {
	t.Helper()
	srv := newJWKSServer(t, defaultJWKS()...)
	cfg := auth.VerifierConfig{
		Issuer: testIssuer, JWKSURL: srv.url(), ClientIDs: []string{testClientID},
		Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := auth.NewVerifier(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(v.Close)
	require.Equal(t, int64(1), srv.hits.Load(), "one JWKS fetch at start")
	return &fixture{srv: srv, v: v}
}

// idClaims are the claims of a Cognito ID token, as Cognito issues them.
func idClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":              testSub,
		"cognito:groups":   []any{"admins", "editors"},
		"email_verified":   true,
		"iss":              testIssuer,
		"cognito:username": testUsername,
		"origin_jti":       "4e1f0c2a-9b8d-4c7e-a6f5-3d2c1b0a9e8f",
		"aud":              testClientID,
		"event_id":         "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
		"token_use":        "id",
		"auth_time":        now.Add(-time.Minute).Unix(),
		"exp":              now.Add(time.Hour).Unix(),
		"iat":              now.Add(-time.Minute).Unix(),
		"jti":              "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c",
		"email":            testEmail,
	}
}

// accessClaims are the claims of a Cognito access token, as Cognito issues them (no aud).
func accessClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":            testSub,
		"cognito:groups": []any{"admins", "editors"},
		"iss":            testIssuer,
		"version":        2,
		"client_id":      testClientID,
		"origin_jti":     "4e1f0c2a-9b8d-4c7e-a6f5-3d2c1b0a9e8f",
		"event_id":       "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
		"token_use":      "access",
		"scope":          "aws.cognito.signin.user.admin",
		"auth_time":      now.Add(-time.Minute).Unix(),
		"exp":            now.Add(time.Hour).Unix(),
		"iat":            now.Add(-time.Minute).Unix(),
		"jti":            "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
		"username":       testUsername,
	}
}

// with returns a copy of c with the given claims set (a nil value deletes the claim).
func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
		} else {
			out[k] = kv[i+1]
		}
	}
	return out
}

// mint signs claims like Cognito: header {"kid", "alg"} (no typ).
func mint(t *testing.T, key any, kid string, method jwt.SigningMethod, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	delete(tok.Header, "typ")
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func mintRS256(t *testing.T, kid string, claims jwt.MapClaims) string {
	t.Helper()
	return mint(t, testKeys().primary, kid, jwt.SigningMethodRS256, claims)
}

func b64JSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// signRaw signs header.payload (given as raw JSON values) with the primary key, RS256.
func signRaw(t *testing.T, header, payload any) string {
	t.Helper()
	signing := b64JSON(t, header) + "." + b64JSON(t, payload)
	sig, err := jwt.SigningMethodRS256.Sign(signing, testKeys().primary)
	require.NoError(t, err)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func segments(tok string) []string { return strings.Split(tok, ".") }

func requireUnauthorized(t *testing.T, p auth.Principal, err error, token string) {
	t.Helper()
	require.Error(t, err)
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, apperr.Unauthorized, ae.Code)
	require.Contains(t, []string{"Token is invalid.", "Token has expired."}, ae.Message)
	require.Zero(t, p, "no principal data on failure")
	if len(token) > 16 {
		require.NotContains(t, err.Error(), token, "the token is never echoed")
		for _, seg := range segments(token) {
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
}

func TestVerifyGoodTokens(t *testing.T) {
	f := newFixture(t, func(c *auth.VerifierConfig) { c.ClientIDs = []string{testOtherClient, testClientID} })
	now := time.Now()
	exp := time.Unix(now.Add(time.Hour).Unix(), 0)

	t.Run("ID token", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), mintRS256(t, kidPrimary, idClaims(now)))
		require.NoError(t, err)
		require.Equal(t, "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c", p.Claims["jti"])
		verified, ok := p.Claims["email_verified"].(bool)
		require.True(t, ok && verified)
		require.True(t, exp.Equal(p.ExpiresAt), "ExpiresAt %v, want %v", p.ExpiresAt, exp)
		p.Claims, p.ExpiresAt = nil, time.Time{}
		require.Equal(t, auth.Principal{
			Mode: auth.ModeUserPools, Sub: testSub, Username: testUsername, Email: testEmail,
			Groups: []string{"admins", "editors"}, TokenUse: auth.TokenID, ClientID: testClientID,
		}, p)
	})
	t.Run("access token", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), mintRS256(t, kidPrimary, accessClaims(now)))
		require.NoError(t, err)
		require.Equal(t, "aws.cognito.signin.user.admin", p.Claims["scope"])
		require.True(t, exp.Equal(p.ExpiresAt))
		p.Claims, p.ExpiresAt = nil, time.Time{}
		require.Equal(t, auth.Principal{
			Mode: auth.ModeUserPools, Sub: testSub, Username: testUsername,
			Groups: []string{"admins", "editors"}, TokenUse: auth.TokenAccess, ClientID: testClientID,
		}, p)
		require.True(t, p.SignedIn())
		require.True(t, p.InGroup("admins"))
	})
	t.Run("user in no group", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), mintRS256(t, kidPrimary, with(accessClaims(now), "cognito:groups", nil)))
		require.NoError(t, err)
		require.Nil(t, p.Groups)
	})
	t.Run("second accepted client", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), mintRS256(t, kidPrimary, with(idClaims(now), "aud", testOtherClient)))
		require.NoError(t, err)
		require.Equal(t, testOtherClient, p.ClientID)
	})
	t.Run("aud as an array", func(t *testing.T) {
		p, err := f.v.Verify(t.Context(), mintRS256(t, kidPrimary, with(idClaims(now), "aud", []any{"someone-else", testClientID})))
		require.NoError(t, err)
		require.Equal(t, testClientID, p.ClientID)
	})
	t.Run("expired within the leeway", func(t *testing.T) {
		_, err := f.v.Verify(t.Context(), mintRS256(t, kidPrimary, with(idClaims(now), "exp", now.Add(-30*time.Second).Unix())))
		require.NoError(t, err)
	})
	t.Run("JWK without use and alg", func(t *testing.T) {
		_, err := f.v.Verify(t.Context(), mintRS256(t, kidBare, idClaims(now)))
		require.NoError(t, err)
	})
	require.Equal(t, int64(1), f.srv.hits.Load(), "good tokens never refetch the JWKS")
}

// TestVerifyCognitoLocal verifies a token shaped like cognito-local's: issuer
// http://HOST:PORT/<poolId>, typ in the header, JWKS URL derived from the issuer.
func TestVerifyCognitoLocal(t *testing.T) {
	ks := testKeys()
	srv := newJWKSServer(t, jwkEntry{kid: "CognitoLocal", key: &ks.primary.PublicKey, use: "sig", alg: "RS256"})
	issuer := srv.srv.URL + "/local_0pAai0Sw"
	v, err := auth.NewVerifier(t.Context(), auth.VerifierConfig{Issuer: issuer, ClientIDs: []string{testClientID}})
	require.NoError(t, err)
	t.Cleanup(v.Close)
	srv.mu.Lock()
	require.Equal(t, "/local_0pAai0Sw/.well-known/jwks.json", srv.lastPath)
	srv.mu.Unlock()

	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, with(idClaims(time.Now()), "iss", issuer))
	tok.Header["kid"] = "CognitoLocal"
	s, err := tok.SignedString(ks.primary)
	require.NoError(t, err)
	p, err := v.Verify(t.Context(), s)
	require.NoError(t, err)
	require.Equal(t, testSub, p.Sub)

	// The same token under the AWS issuer of the pool is another pool's token.
	_, err = v.Verify(t.Context(), mintRS256(t, "CognitoLocal", idClaims(time.Now())))
	require.True(t, apperr.Is(err, apperr.Unauthorized))
}

type badCase struct {
	name    string
	cfg     func(*auth.VerifierConfig)
	token   func(t *testing.T, now time.Time) string
	expired bool
	fetches int64 // JWKS requests the token may cause (0 for all but unknown kids)
	after   func(t *testing.T, f *fixture)
}

func badCases() []badCase {
	ks := testKeys()
	onlyAccess := func(c *auth.VerifierConfig) { c.TokenUses = []auth.TokenUse{auth.TokenAccess} }
	onlyID := func(c *auth.VerifierConfig) { c.TokenUses = []auth.TokenUse{auth.TokenID} }
	idWith := func(kv ...any) func(*testing.T, time.Time) string {
		return func(t *testing.T, now time.Time) string { return mintRS256(t, kidPrimary, with(idClaims(now), kv...)) }
	}
	accessWith := func(kv ...any) func(*testing.T, time.Time) string {
		return func(t *testing.T, now time.Time) string {
			return mintRS256(t, kidPrimary, with(accessClaims(now), kv...))
		}
	}
	good := func(t *testing.T, now time.Time) string { return mintRS256(t, kidPrimary, idClaims(now)) }
	header := map[string]any{"kid": kidPrimary, "alg": "RS256"}

	return []badCase{
		// Time claims.
		{name: "expired", expired: true, token: func(t *testing.T, now time.Time) string {
			return mintRS256(t, kidPrimary, with(idClaims(now), "iat", now.Add(-3*time.Hour).Unix(), "exp", now.Add(-2*time.Hour).Unix()))
		}},
		{name: "expired just beyond the leeway", expired: true, token: accessWith("exp", time.Now().Add(-90*time.Second).Unix())},
		{name: "nbf in the future", token: idWith("nbf", time.Now().Add(time.Hour).Unix())},
		{name: "no exp", token: idWith("exp", nil)},
		{name: "exp not a number", token: idWith("exp", "tomorrow")},
		{name: "iat far in the future", token: idWith("iat", time.Now().Add(time.Hour).Unix(), "exp", time.Now().Add(2*time.Hour).Unix())},

		// Issuer.
		{name: "wrong iss", token: idWith("iss", "https://evil.example.com/"+testPoolID)},
		{name: "token of another user pool (other issuer, same keys)", token: idWith("iss", auth.CognitoIssuer(testRegion, "eu-west-1_0therP00l"))},
		{name: "no iss", token: idWith("iss", nil)},
		{name: "non-string iss", token: idWith("iss", 12345)},

		// Client.
		{name: "ID token for another client", token: idWith("aud", testOtherClient)},
		{name: "ID token with our client_id but another aud", token: idWith("aud", testOtherClient, "client_id", testClientID)},
		{name: "ID token without aud", token: idWith("aud", nil)},
		{name: "aud a number", token: idWith("aud", 42)},
		{name: "aud an object", token: idWith("aud", map[string]any{"client": testClientID})},
		{name: "aud an array of numbers", token: idWith("aud", []any{1, 2})},
		{name: "access token for another client", token: accessWith("client_id", testOtherClient)},
		{name: "access token with our aud but another client_id", token: accessWith("client_id", testOtherClient, "aud", testClientID)},
		{name: "access token without client_id", token: accessWith("client_id", nil)},
		{name: "access token with client_id a number", token: accessWith("client_id", 7)},
		{name: "access token with aud a number", token: accessWith("aud", 42)},
		{name: "access token with aud an object", token: accessWith("aud", map[string]any{"aud": testClientID})},
		{name: "aud null", token: idWith("aud", json.RawMessage("null"))},

		// Token use.
		{name: "ID token where only access tokens are accepted", cfg: onlyAccess, token: good},
		{name: "access token where only ID tokens are accepted", cfg: onlyID, token: accessWith()},
		{name: "no token_use", token: idWith("token_use", nil)},
		{name: "token_use refresh", token: idWith("token_use", "refresh")},
		{name: "token_use not a string", token: idWith("token_use", []any{"id"})},

		// Subject and other claims.
		{name: "empty sub", token: idWith("sub", "")},
		{name: "no sub", token: accessWith("sub", nil)},
		{name: "sub not a string", token: idWith("sub", 1234)},
		{name: "cognito:groups a string", token: idWith("cognito:groups", "admins")},
		{name: "cognito:groups with a number", token: accessWith("cognito:groups", []any{"admins", 1})},
		{name: "cognito:groups an object", token: accessWith("cognito:groups", map[string]any{"admins": true})},
		{name: "cognito:username not a string", token: idWith("cognito:username", 99)},
		{name: "email not a string", token: idWith("email", []any{testEmail})},

		// Algorithm.
		{name: "alg none", token: func(t *testing.T, now time.Time) string {
			return b64JSON(t, map[string]any{"kid": kidPrimary, "alg": "none"}) + "." + b64JSON(t, idClaims(now)) + "."
		}},
		{name: "HS256 keyed with the RSA public key (PEM)", token: func(t *testing.T, now time.Time) string {
			der, err := x509.MarshalPKIXPublicKey(&ks.primary.PublicKey)
			require.NoError(t, err)
			pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			return mint(t, pemKey, kidPrimary, jwt.SigningMethodHS256, idClaims(now))
		}},
		{name: "HS256 keyed with the RSA modulus", token: func(t *testing.T, now time.Time) string {
			return mint(t, ks.primary.N.Bytes(), kidPrimary, jwt.SigningMethodHS256, idClaims(now))
		}},
		{name: "RS384 with the right key", token: func(t *testing.T, now time.Time) string {
			return mint(t, ks.primary, kidPrimary, jwt.SigningMethodRS384, idClaims(now))
		}},
		{name: "PS256 with the right key", token: func(t *testing.T, now time.Time) string {
			return mint(t, ks.primary, kidPrimary, jwt.SigningMethodPS256, idClaims(now))
		}},
		{name: "alg missing from the header", token: func(t *testing.T, now time.Time) string {
			return signRaw(t, map[string]any{"kid": kidPrimary}, idClaims(now))
		}},

		// Keys.
		{name: "unknown kid", fetches: 1, token: func(t *testing.T, now time.Time) string {
			return mint(t, ks.rotated, kidRotated, jwt.SigningMethodRS256, idClaims(now))
		}, after: func(t *testing.T, f *fixture) {
			// A second unknown kid within UnknownKIDRefreshLimit causes no request.
			tok := mint(t, ks.rogue, "never-published-kid", jwt.SigningMethodRS256, idClaims(time.Now()))
			p, err := f.v.Verify(t.Context(), tok)
			requireUnauthorized(t, p, err, tok)
			require.Equal(t, int64(2), f.srv.hits.Load())
		}},
		{name: "no kid", token: func(t *testing.T, now time.Time) string {
			return mintRS256(t, "", idClaims(now))
		}},
		{name: "kid not a string", token: func(t *testing.T, now time.Time) string {
			return signRaw(t, map[string]any{"kid": 1, "alg": "RS256"}, idClaims(now))
		}},
		{name: "signed by a key not in the JWKS, with a kid that is", token: func(t *testing.T, now time.Time) string {
			return mint(t, ks.rogue, kidPrimary, jwt.SigningMethodRS256, idClaims(now))
		}},
		{name: "JWK with use enc", token: func(t *testing.T, now time.Time) string { return mintRS256(t, kidEnc, idClaims(now)) }},
		{name: "JWK with alg RS384", token: func(t *testing.T, now time.Time) string { return mintRS256(t, kidRS384, idClaims(now)) }},
		{name: "JWK with key_ops encrypt only", token: func(t *testing.T, now time.Time) string {
			return mintRS256(t, kidEncOps, idClaims(now))
		}},
		{name: "1024-bit RSA key", token: func(t *testing.T, now time.Time) string {
			return mint(t, ks.weak, kidWeak, jwt.SigningMethodRS256, idClaims(now))
		}},
		{name: "crit header", token: func(t *testing.T, now time.Time) string {
			return signRaw(t, map[string]any{"kid": kidPrimary, "alg": "RS256", "crit": []any{"exp"}, "exp": 1}, idClaims(now))
		}},

		// Structure and integrity.
		{name: "tampered payload", token: func(t *testing.T, now time.Time) string {
			s := segments(good(t, now))
			s[1] = b64JSON(t, with(idClaims(now), "sub", "someone-else", "cognito:groups", []any{"admins"}))
			return strings.Join(s, ".")
		}},
		{name: "tampered signature", token: func(t *testing.T, now time.Time) string {
			s := segments(good(t, now))
			sig, err := base64.RawURLEncoding.DecodeString(s[2])
			require.NoError(t, err)
			sig[len(sig)/2] ^= 0x01
			s[2] = base64.RawURLEncoding.EncodeToString(sig)
			return strings.Join(s, ".")
		}},
		{name: "signature with non-canonical base64 padding bits", token: func(t *testing.T, now time.Time) string {
			tok := good(t, now)
			// 256 signature bytes end in a character carrying 2 data bits and 4 zero bits.
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			last := strings.IndexByte(alphabet, tok[len(tok)-1])
			return tok[:len(tok)-1] + string(alphabet[last|1])
		}},
		{name: "signature removed", token: func(t *testing.T, now time.Time) string {
			s := segments(good(t, now))
			return s[0] + "." + s[1] + "."
		}},
		{name: "2 segments", token: func(t *testing.T, now time.Time) string {
			s := segments(good(t, now))
			return s[0] + "." + s[1]
		}},
		{name: "4 segments", token: func(t *testing.T, now time.Time) string { return good(t, now) + "." + segments(good(t, now))[2] }},
		{name: "non-JSON header", token: func(t *testing.T, now time.Time) string {
			s := segments(good(t, now))
			s[0] = base64.RawURLEncoding.EncodeToString([]byte("not json"))
			return strings.Join(s, ".")
		}},
		{name: "non-JSON payload", token: func(t *testing.T, now time.Time) string {
			s := segments(good(t, now))
			s[1] = base64.RawURLEncoding.EncodeToString([]byte("{not json"))
			return strings.Join(s, ".")
		}},
		{name: "payload a JSON array", token: func(t *testing.T, now time.Time) string {
			return signRaw(t, header, []any{idClaims(now)})
		}},
		{name: "header not base64url", token: func(t *testing.T, now time.Time) string {
			s := segments(good(t, now))
			s[0] = "eyJ+" + s[0]
			return strings.Join(s, ".")
		}},
		{name: "empty token", token: func(*testing.T, time.Time) string { return "" }},
		{name: "only dots", token: func(*testing.T, time.Time) string { return ".." }},
		{name: "surrounding whitespace", token: func(t *testing.T, now time.Time) string { return " " + good(t, now) + " " }},
		{name: "oversized token (validly signed)", token: func(t *testing.T, now time.Time) string {
			return mintRS256(t, kidPrimary, with(idClaims(now), "custom:padding", strings.Repeat("x", auth.DefaultMaxTokenBytes)))
		}},
	}
}

func TestVerifyRejectsBadTokens(t *testing.T) {
	cases := badCases()
	require.GreaterOrEqual(t, len(cases), 25)
	names := map[string]bool{}
	for _, tc := range cases {
		require.False(t, names[tc.name], "duplicate case %q", tc.name)
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.cfg)
			tok := tc.token(t, time.Now())
			p, err := f.v.Verify(t.Context(), tok)
			requireUnauthorized(t, p, err, tok)
			if tc.expired {
				require.Equal(t, "Token has expired.", apperr.MessageOf(err))
			} else {
				require.Equal(t, "Token is invalid.", apperr.MessageOf(err))
			}
			require.Equal(t, 1+tc.fetches, f.srv.hits.Load(), "JWKS requests")
			if tc.after != nil {
				tc.after(t, f)
			}
		})
	}
}

func TestVerifyUnknownKIDRefreshLimit(t *testing.T) {
	const limit = 300 * time.Millisecond
	f := newFixture(t, func(c *auth.VerifierConfig) { c.UnknownKIDRefreshLimit = limit })
	tokens := make([]string, 6) // minted first: the five rejections must fit in the limit
	for i := range tokens {
		tokens[i] = mint(t, testKeys().rogue, "unknown-kid-"+string(rune('a'+i)), jwt.SigningMethodRS256, idClaims(time.Now()))
	}
	for _, tok := range tokens[:5] {
		p, err := f.v.Verify(t.Context(), tok)
		requireUnauthorized(t, p, err, tok)
	}
	require.Equal(t, int64(2), f.srv.hits.Load(), "one refresh for five unknown kids")
	time.Sleep(limit + 100*time.Millisecond)
	_, err := f.v.Verify(t.Context(), tokens[5])
	require.Error(t, err)
	require.Equal(t, int64(3), f.srv.hits.Load(), "another refresh once the limit has passed")
}

func TestVerifyKeyRotation(t *testing.T) {
	f := newFixture(t, nil)
	ks := testKeys()
	f.srv.setKeys(append(defaultJWKS(), jwkEntry{kid: kidRotated, key: &ks.rotated.PublicKey, use: "sig", alg: "RS256"})...)
	p, err := f.v.Verify(t.Context(), mint(t, ks.rotated, kidRotated, jwt.SigningMethodRS256, accessClaims(time.Now())))
	require.NoError(t, err)
	require.Equal(t, testSub, p.Sub)
	require.Equal(t, int64(2), f.srv.hits.Load())
	_, err = f.v.Verify(t.Context(), mintRS256(t, kidPrimary, idClaims(time.Now())))
	require.NoError(t, err, "the old key still verifies while published")
	require.Equal(t, int64(2), f.srv.hits.Load())
}

func TestVerifyPeriodicRefreshDropsRevokedKey(t *testing.T) {
	f := newFixture(t, func(c *auth.VerifierConfig) { c.RefreshEvery = 100 * time.Millisecond })
	tok := mintRS256(t, kidPrimary, idClaims(time.Now()))
	_, err := f.v.Verify(t.Context(), tok)
	require.NoError(t, err)
	f.srv.setKeys(jwkEntry{kid: kidRotated, key: &testKeys().rotated.PublicKey, use: "sig", alg: "RS256"})
	require.Eventually(t, func() bool {
		_, err := f.v.Verify(t.Context(), tok)
		return apperr.Is(err, apperr.Unauthorized)
	}, 5*time.Second, 20*time.Millisecond)
}

// TestVerifyConcurrentUnknownKIDs: 50 callers with unknown kids at once cause at most one
// JWKS request.
func TestVerifyConcurrentUnknownKIDs(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.setDelay(50 * time.Millisecond) // so the callers overlap the refresh
	tokens := make([]string, 50)
	for i := range tokens {
		tokens[i] = mint(t, testKeys().rogue, "spray-"+string(rune('A'+i%26))+string(rune('a'+i/26)), jwt.SigningMethodRS256, idClaims(time.Now()))
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
	require.LessOrEqual(t, f.srv.hits.Load(), int64(2), "at most one refresh after the first fetch")
}

// TestVerifyConcurrentRotation: 50 callers presenting a freshly rotated key at once share
// one refresh, and all of them are accepted (no one is turned away by the rate limit while
// the refresh is in flight).
func TestVerifyConcurrentRotation(t *testing.T) {
	f := newFixture(t, nil)
	ks := testKeys()
	f.srv.setKeys(append(defaultJWKS(), jwkEntry{kid: kidRotated, key: &ks.rotated.PublicKey, use: "sig", alg: "RS256"})...)
	f.srv.setDelay(100 * time.Millisecond)
	tok := mint(t, ks.rotated, kidRotated, jwt.SigningMethodRS256, idClaims(time.Now()))
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
	require.Equal(t, int64(2), f.srv.hits.Load(), "exactly one refresh")
}

// TestVerifyJWKSDown: with the JWKS endpoint gone, cached keys still verify, and a new kid
// is rejected promptly.
func TestVerifyJWKSDown(t *testing.T) {
	f := newFixture(t, func(c *auth.VerifierConfig) { c.FetchTimeout = time.Second })
	f.srv.srv.Close()

	_, err := f.v.Verify(t.Context(), mintRS256(t, kidPrimary, idClaims(time.Now())))
	require.NoError(t, err, "cached keys keep working")

	for range 2 {
		tok := mint(t, testKeys().rotated, kidRotated, jwt.SigningMethodRS256, idClaims(time.Now()))
		start := time.Now()
		p, err := f.v.Verify(t.Context(), tok)
		requireUnauthorized(t, p, err, tok)
		require.Less(t, time.Since(start), time.Second, "no long hang")
	}
}

// TestVerifyJWKSHanging: a JWKS endpoint that accepts but never answers delays an
// unknown-kid Verify by at most FetchTimeout, and never past the caller's ctx.
func TestVerifyJWKSHanging(t *testing.T) {
	tok := mint(t, testKeys().rotated, kidRotated, jwt.SigningMethodRS256, idClaims(time.Now()))

	t.Run("bounded by FetchTimeout", func(t *testing.T) {
		f := newFixture(t, func(c *auth.VerifierConfig) { c.FetchTimeout = 200 * time.Millisecond })
		f.srv.hangRequests(t)
		start := time.Now()
		p, err := f.v.Verify(t.Context(), tok)
		requireUnauthorized(t, p, err, tok)
		require.Less(t, time.Since(start), 2*time.Second)
		_, err = f.v.Verify(t.Context(), mintRS256(t, kidPrimary, idClaims(time.Now())))
		require.NoError(t, err, "cached keys keep working")
	})
	t.Run("bounded by the caller's ctx", func(t *testing.T) {
		f := newFixture(t, func(c *auth.VerifierConfig) { c.FetchTimeout = time.Minute })
		f.srv.hangRequests(t)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		p, err := f.v.Verify(ctx, tok)
		requireUnauthorized(t, p, err, tok)
		require.Less(t, time.Since(start), 2*time.Second)
	})
}

// TestNewVerifierJWKSDownAtStart: the verifier is created although the first fetch fails,
// rejects tokens meanwhile, and picks the keys up once the endpoint answers.
func TestNewVerifierJWKSDownAtStart(t *testing.T) {
	t.Run("endpoint failing", func(t *testing.T) {
		srv := newJWKSServer(t, defaultJWKS()...)
		srv.setStatus(http.StatusServiceUnavailable)
		v, err := auth.NewVerifier(t.Context(), auth.VerifierConfig{Issuer: testIssuer, JWKSURL: srv.url(), ClientIDs: []string{testClientID}})
		require.NoError(t, err)
		t.Cleanup(v.Close)

		tok := mintRS256(t, kidPrimary, idClaims(time.Now()))
		p, err := v.Verify(t.Context(), tok)
		requireUnauthorized(t, p, err, tok)

		srv.setStatus(http.StatusOK)
		require.Eventually(t, func() bool {
			_, err := v.Verify(t.Context(), tok)
			return err == nil
		}, 10*time.Second, 50*time.Millisecond)
	})
	t.Run("endpoint unreachable", func(t *testing.T) {
		srv := newJWKSServer(t)
		srv.srv.Close()
		start := time.Now()
		v, err := auth.NewVerifier(t.Context(), auth.VerifierConfig{Issuer: testIssuer, JWKSURL: srv.url(), ClientIDs: []string{testClientID}})
		require.NoError(t, err)
		require.Less(t, time.Since(start), 2*time.Second)
		tok := mintRS256(t, kidPrimary, idClaims(time.Now()))
		p, err := v.Verify(t.Context(), tok)
		requireUnauthorized(t, p, err, tok)
		v.Close()
		v.Close() // idempotent
	})
}

func TestNewVerifierConfigErrors(t *testing.T) {
	base := auth.VerifierConfig{Issuer: testIssuer, JWKSURL: "http://127.0.0.1:1/jwks.json", ClientIDs: []string{testClientID}}
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
	ks := testKeys()
	jwk, err := jwkset.NewJWKFromKey(ks.primary, jwkset.JWKOptions{
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
	p, err := v.Verify(t.Context(), mint(t, ks.primary, "local-1", jwt.SigningMethodRS256,
		with(idClaims(now), "iss", issuer, "aud", "local")))
	require.NoError(t, err)
	require.Equal(t, auth.TokenID, p.TokenUse)
	require.Equal(t, "local", p.ClientID)

	for name, tok := range map[string]string{
		"unknown kid":   mint(t, ks.primary, "local-2", jwt.SigningMethodRS256, with(idClaims(now), "iss", issuer, "aud", "local")),
		"wrong issuer":  mint(t, ks.primary, "local-1", jwt.SigningMethodRS256, with(idClaims(now), "aud", "local")),
		"expired":       mint(t, ks.primary, "local-1", jwt.SigningMethodRS256, with(idClaims(now), "iss", issuer, "aud", "local", "exp", now.Add(-time.Hour).Unix())),
		"wrong signer":  mint(t, ks.rogue, "local-1", jwt.SigningMethodRS256, with(idClaims(now), "iss", issuer, "aud", "local")),
		"wrong client ": mint(t, ks.primary, "local-1", jwt.SigningMethodRS256, with(idClaims(now), "iss", issuer)),
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
