package localidp_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/account/accounttest"
	"github.com/skygraph/skygraph/internal/apperr"
)

const (
	issuer   = "http://localhost:8080/local"
	clientID = "skygraph-local"
)

// codes records the confirmation codes the provider "sends".
type codes struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *codes) hook(email, code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[email] = code
}

func (c *codes) get(_ context.Context, email string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	code, ok := c.m[strings.ToLower(email)]
	if !ok {
		return "", fmt.Errorf("no code was sent to %s", email)
	}
	return code, nil
}

// newProvider returns a provider over a fresh table on b. mutate may adjust the config.
func newProvider(t *testing.T, b dynamotest.Backend, mutate func(*localidp.Config)) (*localidp.Provider, accounttest.Tokens) {
	t.Helper()
	c := &codes{m: map[string]string{}}
	cfg := localidp.Config{Issuer: issuer, ClientID: clientID, BcryptCost: bcrypt.MinCost, OnConfirmationCode: c.hook}
	if mutate != nil {
		mutate(&cfg)
	}
	store := dynamotest.NewStore(t, b, nil).Accounts()
	p, err := localidp.New(store, cfg)
	require.NoError(t, err)
	verify, err := accounttest.JWKSVerifier(p.JWKS(), cfg.Issuer, cfg.ClientID)
	require.NoError(t, err)
	disabled := func(ctx context.Context, sub string) (bool, error) {
		u, err := store.UserBySub(ctx, sub)
		if err != nil {
			return false, err
		}
		return u.Disabled, nil
	}
	return p, accounttest.Tokens{Verify: verify, Code: c.get, Disabled: disabled}
}

func TestProviderContract(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			// One provider and table for all cases: the cases use unique emails.
			p, tok := newProvider(t, b, nil)
			accounttest.RunProviderContract(t, func(*testing.T) (account.Provider, accounttest.Tokens) { return p, tok })
		})
	}
}

// TestConcurrentSignUpsCreateOneUser: of 20 simultaneous sign-ups with one email, exactly
// one succeeds and the others are Conflict; the stored account is the winner's.
func TestConcurrentSignUpsCreateOneUser(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			p, tok := newProvider(t, b, nil)
			const n = 20
			email := accounttest.Email("race")
			subs := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					subs[i], errs[i] = p.SignUp(ctx, email, accounttest.Password, fmt.Sprintf("Racer %d", i))
				})
			}
			close(start)
			wg.Wait()
			var winner string
			for i, err := range errs {
				if err == nil {
					require.Empty(t, winner, "two sign-ups succeeded")
					winner = subs[i]
					continue
				}
				require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
				require.Equal(t, account.MsgEmailExists, apperr.MessageOf(err))
			}
			require.NotEmpty(t, winner, "no sign-up succeeded")
			code, err := tok.Code(ctx, email)
			require.NoError(t, err)
			require.NoError(t, p.ConfirmSignUp(ctx, email, code))
			s, err := p.SignIn(ctx, email, accounttest.Password)
			require.NoError(t, err)
			claims, err := tok.Verify(s.IDToken, "id")
			require.NoError(t, err)
			require.Equal(t, winner, claims["sub"])
		})
	}
}

func embedded(t *testing.T) dynamotest.Backend {
	t.Helper()
	return dynamotest.Backends(t)[0]
}

// TestTokensHaveCognitosShape checks what the contract cannot check on both providers:
// the exact header, the name claim, lifetimes, and the published JWKS.
func TestTokensHaveCognitosShape(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Now().Add(-30 * time.Minute) // tokens are checked against the wall clock
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p, tok := newProvider(t, embedded(t), func(c *localidp.Config) { c.Now = clock })
	email := accounttest.Email("shape")
	sub := accounttest.SignUpConfirmed(t, p, tok, email, "  Grace Hopper ")
	s, err := p.SignIn(ctx, email, accounttest.Password)
	require.NoError(t, err)
	require.Equal(t, 3600, s.ExpiresIn)

	for _, tc := range []struct{ token, use string }{{s.IDToken, "id"}, {s.AccessToken, "access"}} {
		header := decodeSegment(t, tc.token, 0)
		require.Equal(t, map[string]any{"alg": "RS256", "kid": p.KeyID()}, header, "Cognito's header has no typ")
		c, err := tok.Verify(tc.token, tc.use)
		require.NoError(t, err)
		require.Equal(t, issuer, c["iss"])
		require.InDelta(t, 3600, c["exp"].(float64)-c["iat"].(float64), 0)
		require.Equal(t, c["iat"], c["auth_time"])
	}
	id, err := tok.Verify(s.IDToken, "id")
	require.NoError(t, err)
	require.Equal(t, "Grace Hopper", id["name"])
	require.Equal(t, true, id["email_verified"])
	require.Equal(t, sub, id["cognito:username"])
	require.Equal(t, clientID, id["aud"])
	access, err := tok.Verify(s.AccessToken, "access")
	require.NoError(t, err)
	require.Equal(t, id["event_id"], access["event_id"], "one authentication event")
	require.NotEqual(t, id["jti"], access["jti"])
	require.Equal(t, sub, access["username"])
	require.NotContains(t, access, "email", "access tokens carry no profile")

	// A refresh keeps auth_time (the time of the password sign-in), as Cognito does.
	mu.Lock()
	now = now.Add(10 * time.Minute)
	mu.Unlock()
	r, err := p.Refresh(ctx, s.RefreshToken)
	require.NoError(t, err)
	rid, err := tok.Verify(r.IDToken, "id")
	require.NoError(t, err)
	require.Equal(t, id["auth_time"], rid["auth_time"])
	require.Greater(t, rid["iat"].(float64), id["iat"].(float64))
	require.Equal(t, s.RefreshToken, r.RefreshToken, "refresh tokens are not rotated")
}

func decodeSegment(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestJWKSAndHandler(t *testing.T) {
	p, _ := newProvider(t, embedded(t), nil)
	var set struct{ Keys []map[string]any }
	require.NoError(t, json.Unmarshal(p.JWKS(), &set))
	require.Len(t, set.Keys, 1)
	k := set.Keys[0]
	keys := make([]string, 0, len(k))
	for name := range k {
		keys = append(keys, name)
	}
	sort.Strings(keys)
	require.Equal(t, []string{"alg", "e", "kid", "kty", "n", "use"}, keys, "public members only, as Cognito's JWKS")
	require.Equal(t, "RS256", k["alg"])
	require.Equal(t, "sig", k["use"])
	require.Equal(t, "RSA", k["kty"])
	require.Equal(t, "AQAB", k["e"])
	require.Equal(t, p.KeyID(), k["kid"])
	require.Equal(t, 2048, p.PublicKey().N.BitLen())

	srv := httptest.NewServer(p.JWKSHandler())
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + localidp.JWKSPath)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, res.Body.Close())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	require.JSONEq(t, string(p.JWKS()), string(body))

	res, err = http.Post(srv.URL+localidp.JWKSPath, "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

// TestConfiguredKeyGivesStableKeyID: a provider given a PEM key keeps its kid, and a
// second instance with the same key verifies the first one's tokens (restarts, replicas).
func TestConfiguredKeyGivesStableKeyID(t *testing.T) {
	ctx := context.Background()
	pemKey, err := localidp.GenerateKeyPEM()
	require.NoError(t, err)
	b := embedded(t)
	p1, tok := newProvider(t, b, func(c *localidp.Config) { c.PrivateKeyPEM = pemKey })
	p2, _ := newProvider(t, b, func(c *localidp.Config) { c.PrivateKeyPEM = pemKey })
	require.Equal(t, p1.KeyID(), p2.KeyID())
	require.Equal(t, p1.JWKS(), p2.JWKS())

	email := accounttest.Email("stable")
	accounttest.SignUpConfirmed(t, p1, tok, email, "Stable")
	s, err := p1.SignIn(ctx, email, accounttest.Password)
	require.NoError(t, err)
	verify2, err := accounttest.JWKSVerifier(p2.JWKS(), issuer, clientID)
	require.NoError(t, err)
	_, err = verify2(s.IDToken, "id")
	require.NoError(t, err)

	// PKCS#1 works too; a small or non-RSA key, or garbage, is refused.
	block, _ := pem.Decode(pemKey)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))})
	p3, _ := newProvider(t, b, func(c *localidp.Config) { c.PrivateKeyPEM = pkcs1 })
	require.Equal(t, p1.KeyID(), p3.KeyID())

	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	store := dynamotest.NewStore(t, b, nil).Accounts()
	for name, bad := range map[string][]byte{
		"1024-bit": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}),
		"garbage":  []byte("not a key"),
		"cert":     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}),
	} {
		_, err := localidp.New(store, localidp.Config{Issuer: issuer, ClientID: clientID, PrivateKeyPEM: bad})
		require.Error(t, err, name)
	}
}

func TestConfigIsChecked(t *testing.T) {
	store := dynamotest.NewStore(t, embedded(t), nil).Accounts()
	for name, cfg := range map[string]localidp.Config{
		"no issuer":       {ClientID: clientID},
		"relative issuer": {Issuer: "/local", ClientID: clientID},
		"no client":       {Issuer: issuer},
		"bcrypt cost":     {Issuer: issuer, ClientID: clientID, BcryptCost: 99},
	} {
		_, err := localidp.New(store, cfg)
		require.Error(t, err, name)
	}
	_, err := localidp.New(nil, localidp.Config{Issuer: issuer, ClientID: clientID})
	require.Error(t, err)
}

// TestExpiryAndEmptyCode drives the clock: an empty code confirms, an expired code does
// not, and a refresh token stops working after 30 days.
func TestExpiryAndEmptyCode(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	p, tok := newProvider(t, embedded(t), func(c *localidp.Config) { c.Now = clock })

	easy := accounttest.Email("easy")
	_, err := p.SignUp(ctx, easy, accounttest.Password, "Easy")
	require.NoError(t, err)
	require.NoError(t, p.ConfirmSignUp(ctx, easy, ""), "the local provider confirms without a code")

	late := accounttest.Email("late")
	_, err = p.SignUp(ctx, late, accounttest.Password, "Late")
	require.NoError(t, err)
	code, err := tok.Code(ctx, late)
	require.NoError(t, err)
	require.Len(t, code, 6)
	advance(24 * time.Hour)
	err = p.ConfirmSignUp(ctx, late, code)
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	require.Equal(t, account.MsgCodeExpired, apperr.MessageOf(err))

	s, err := p.SignIn(ctx, easy, accounttest.Password)
	require.NoError(t, err)
	advance(30*24*time.Hour - time.Second)
	_, err = p.Refresh(ctx, s.RefreshToken)
	require.NoError(t, err)
	advance(time.Second)
	_, err = p.Refresh(ctx, s.RefreshToken)
	require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err))
}

func TestSignUpAppliesCognitosPolicy(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t, embedded(t), nil)
	for _, tc := range []struct{ email, password, name string }{
		{"weak@example.com", "password", "Weak"},
		{"not-an-email", accounttest.Password, "Bad Email"},
		{"noname@example.com", accounttest.Password, "  "},
	} {
		_, err := p.SignUp(ctx, tc.email, tc.password, tc.name)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%+v: %v", tc, err)
	}
	// Long passwords are not truncated at bcrypt's 72 bytes.
	long := strings.Repeat("Aa1!", 30)
	email := accounttest.Email("long")
	_, err := p.SignUp(ctx, email, long, "Long")
	require.NoError(t, err)
	require.NoError(t, p.ConfirmSignUp(ctx, email, ""))
	_, err = p.SignIn(ctx, email, long[:len(long)-1]+"?")
	require.Equal(t, account.MsgIncorrectCredentials, apperr.MessageOf(err))
	_, err = p.SignIn(ctx, email, long)
	require.NoError(t, err)
}

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	p, tok := newProvider(t, embedded(t), nil)
	require.NoError(t, p.Seed(ctx))
	require.NoError(t, p.Seed(ctx))
	for _, d := range localidp.DemoAccounts {
		s, err := p.SignIn(ctx, d.Email, d.Password)
		require.NoError(t, err, d.Email)
		c, err := tok.Verify(s.IDToken, "id")
		require.NoError(t, err)
		require.Equal(t, localidp.DemoSub(d.Email), c["sub"])
		require.Equal(t, d.Email, c["email"])
		if len(d.Groups) == 0 {
			require.NotContains(t, c, "cognito:groups")
		} else {
			require.ElementsMatch(t, d.Groups, c["cognito:groups"])
		}
	}
	require.Equal(t, "Demo1234!", localidp.DemoAccounts[0].Password)
	require.Contains(t, localidp.DemoAccounts[1].Groups, account.GroupAdmin)
	require.Contains(t, localidp.DemoAccounts[2].Groups, account.GroupRestaurantOwner)

	// A demo account changed since seeding is left alone.
	require.NoError(t, p.AddUserToGroup(ctx, "demo@example.com", account.GroupRestaurantOwner))
	require.NoError(t, p.Seed(ctx))
	s, err := p.SignIn(ctx, "demo@example.com", "Demo1234!")
	require.NoError(t, err)
	c, err := tok.Verify(s.AccessToken, "access")
	require.NoError(t, err)
	require.Equal(t, []any{account.GroupRestaurantOwner}, c["cognito:groups"])
}

// TestUnknownEmailCostsABcryptComparison: signing in with an unknown email takes about as
// long as a wrong password (both run bcrypt), so timing does not reveal which emails have
// accounts. Measured with a high cost so that bcrypt dominates.
func TestUnknownEmailCostsABcryptComparison(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	ctx := context.Background()
	p, tok := newProvider(t, embedded(t), func(c *localidp.Config) { c.BcryptCost = 8 })
	email := accounttest.Email("timing")
	accounttest.SignUpConfirmed(t, p, tok, email, "Timing")
	// Interleaved samples, compared by their minimum: a busy machine only ever adds time to
	// a sample (preemption), so the minimum of each is its cost on a quiet machine, and both
	// kinds see the same load.
	var wrong, unknown time.Duration
	timed := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	for i := range 5 {
		w := timed(func() { _, _ = p.SignIn(ctx, email, "Wrong-Passw0rd!") })
		u := timed(func() { _, _ = p.SignIn(ctx, accounttest.Email("nobody"), "Wrong-Passw0rd!") })
		if i == 0 || w < wrong {
			wrong = w
		}
		if i == 0 || u < unknown {
			unknown = u
		}
	}
	t.Logf("wrong password %v, unknown email %v", wrong, unknown)
	require.Greater(t, unknown, wrong/2, "an unknown email must cost a bcrypt comparison too")
}

// TestTokenIsSignedWithTheProvidersKeyOnly: a token signed by another key with the same
// kid is rejected by the provider's JWKS.
func TestTokenIsSignedWithTheProvidersKeyOnly(t *testing.T) {
	p, tok := newProvider(t, embedded(t), nil)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	forged := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"sub": "x", "token_use": "id", "aud": clientID, "iss": issuer, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	})
	forged.Header["kid"] = p.KeyID()
	s, err := forged.SignedString(other)
	require.NoError(t, err)
	_, err = tok.Verify(s, "id")
	require.Error(t, err)
}
