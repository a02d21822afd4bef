// Package authtest is the test kit of user-pool authentication: RSA keys, a JWKS server on
// 127.0.0.1 that tests can change, slow down, fail or close and whose requests are counted,
// a minter of Cognito-shaped ID and access tokens, and the table of bad tokens (BadTokens)
// that both the verifier's unit tests (package auth) and the HTTP tests (package app) run,
// so the cases are written once.
//
// Everything here is for tests: keys are generated per process, never persisted.
//
// A typical use:
//
//	env := authtest.NewEnv(t)                      // JWKS server with DefaultJWKS
//	v, err := auth.NewVerifier(ctx, env.VerifierConfig())
//	tok := authtest.IDToken(t, time.Now())         // valid for v
//	for _, bt := range authtest.BadTokens(t) { ... }
package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"

	"github.com/skygraph/skygraph/auth"
)

// The user pool the tokens come from. Issuer is auth.CognitoIssuer(Region, UserPoolID), the
// iss of a real pool's tokens; the JWKS is served locally (Env.JWKSURL).
const (
	Region     = "us-east-1"
	UserPoolID = "us-east-1_authtest"
	Issuer     = "https://cognito-idp." + Region + ".amazonaws.com/" + UserPoolID
	// ClientID is the app client whose tokens are accepted (Env.ClientIDs).
	ClientID = "3n4qk1m9d0cv7b5pl2f8a6e1hs"
	// OtherClientID is another app client of the pool: its tokens are not accepted unless a
	// test adds it to the verifier's ClientIDs.
	OtherClientID = "7u2h5rj0fq9e4ls1ncb6mk3ot8"
	// Sub, Username and Email identify the user of every minted token.
	Sub      = "8b4f1c2e-5d6a-4e7b-9c0d-1e2f3a4b5c6d"
	Username = "2a1b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b" // a UUID: the pool signs in by email
	Email    = "jane@example.com"
)

// Key ids of DefaultJWKS. KIDRotated is not in it (a key published later, or never).
const (
	// KIDPrimary names the signing key (Keys().Primary), as Cognito publishes it.
	KIDPrimary = "eCgy9yQtu8NXBvPh4Sx3Z0kl+PNBBo7nbhJeC5R0XUA="
	// KIDRotated names Keys().Rotated, absent from DefaultJWKS.
	KIDRotated = "Qz8bN2vX7yT4kL1mR6pW0sD3fH9jA5cE2gU8iO4nK7s="
	// KIDEnc is the primary key published with use "enc".
	KIDEnc = "enc-use-key"
	// KIDRS384 is the primary key published with alg RS384.
	KIDRS384 = "rs384-alg-key"
	// KIDBare is the primary key published without use and alg (usable).
	KIDBare = "no-use-no-alg-key"
	// KIDWeak is Keys().Weak, a 1024-bit key.
	KIDWeak = "weak-1024-key"
	// KIDEncOps is the primary key published with key_ops ["encrypt"] only.
	KIDEncOps = "encrypt-only-key-ops"
)

// The client-safe messages of a rejected credential (auth's wording, which clients see in
// the 401 body).
const (
	MessageTokenInvalid  = "Token is invalid."
	MessageTokenExpired  = "Token has expired."
	MessageHeaderInvalid = "Valid authorization header not provided."
)

// KeySet are the RSA keys of the tests.
type KeySet struct {
	// Primary signs the pool's tokens (published in DefaultJWKS).
	Primary *rsa.PrivateKey
	// Rotated is a second pool key, published only when a test adds it (KIDRotated).
	Rotated *rsa.PrivateKey
	// Rogue is an attacker's key, never published.
	Rogue *rsa.PrivateKey
	// Weak is a 1024-bit key (KIDWeak), too short to be trusted.
	Weak *rsa.PrivateKey
}

// Keys returns the test keys. They are generated once per test binary (in parallel: RSA
// key generation is slow, more so under -race) and shared by every caller.
func Keys() KeySet { return keys() }

var keys = sync.OnceValue(func() KeySet {
	var ks KeySet
	var wg sync.WaitGroup
	for _, k := range []struct {
		bits int
		out  **rsa.PrivateKey
	}{{2048, &ks.Primary}, {2048, &ks.Rotated}, {2048, &ks.Rogue}, {1024, &ks.Weak}} {
		wg.Go(func() {
			key, err := rsa.GenerateKey(rand.Reader, k.bits)
			if err != nil {
				panic("authtest: generate RSA key: " + err.Error())
			}
			*k.out = key
		})
	}
	wg.Wait()
	return ks
})

// Env is the pool as a test sees it: a JWKS server serving DefaultJWKS, and the issuer, JWKS
// URL and client ids to configure a verifier (or the app) with.
type Env struct {
	// Issuer is the tokens' iss (the constant Issuer).
	Issuer string
	// JWKSURL is JWKS.JWKSURL(), on 127.0.0.1.
	JWKSURL string
	// ClientIDs are the accepted app clients: ClientID.
	ClientIDs []string
	// JWKS is the server behind JWKSURL.
	JWKS *JWKSServer
}

// NewEnv starts a JWKS server with DefaultJWKS; it is closed when tb ends.
func NewEnv(tb testing.TB) *Env {
	tb.Helper()
	srv := NewJWKSServer(tb, DefaultJWKS()...)
	return &Env{
		Issuer:    Issuer,
		JWKSURL:   srv.JWKSURL(),
		ClientIDs: []string{ClientID},
		JWKS:      srv,
	}
}

// VerifierConfig returns the configuration of a verifier of env's pool (every other field
// at its default).
func (e *Env) VerifierConfig() auth.VerifierConfig {
	return auth.VerifierConfig{Issuer: e.Issuer, JWKSURL: e.JWKSURL, ClientIDs: append([]string(nil), e.ClientIDs...)}
}
