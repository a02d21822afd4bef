package authtest

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/skygraph/skygraph/auth"
)

// BadToken is a credential that must be rejected: by Verifier.Verify (unless HeaderOnly),
// and, sent as the Authorization header of a request to a server whose verifier is
// configured as Env.VerifierConfig, with HTTP 401 before any resolver runs (unless Header
// is empty).
type BadToken struct {
	// Name says what is wrong; unique within BadTokens.
	Name string
	// Header is the whole Authorization header value carrying the case ("Bearer <Token>"
	// for token cases). Empty when the case cannot be sent as a header; NotHTTP says why.
	Header string
	// Token is what Verifier.Verify is given. Empty for HeaderOnly cases (and for the
	// empty-token case).
	Token string
	// HeaderOnly marks a malformed header (no token, another scheme, extra words):
	// auth.TokenFromHeader rejects it and no token reaches Verify.
	HeaderOnly bool
	// NotHTTP, set exactly when Header is empty, says why the case is a bad token for Verify
	// but not a bad Authorization header for a server.
	NotHTTP string
	// Config, when non-nil, adjusts the verifier under which Token is bad (the token is
	// good under the default configuration, so such cases have no Header).
	Config func(*auth.VerifierConfig)
	// Expired: rejected as expired (MessageTokenExpired) rather than invalid.
	Expired bool
	// Fetches is how many JWKS requests the case may cause on a verifier that has just
	// fetched the key set: 1 for an unknown kid (one refetch, looking for a rotated key),
	// 0 otherwise.
	Fetches int64
	// Setup, when non-nil, prepares env (the one whose verifier will see the case) before
	// the case runs, and undoes that in tb's cleanup.
	Setup func(tb testing.TB, env *Env)
}

// Message is the client-safe message the case is rejected with.
func (b BadToken) Message() string {
	switch {
	case b.HeaderOnly:
		return MessageHeaderInvalid
	case b.Expired:
		return MessageTokenExpired
	default:
		return MessageTokenInvalid
	}
}

// Why the verifier-only cases cannot be sent over HTTP.
const (
	notHTTPEmpty = "an empty (or blank) Authorization header is no credential at all: the caller is " +
		"anonymous, as with AppSync; the HTTP forms of a missing token are the header cases"
	notHTTPWhitespace = "header values are trimmed (RFC 9110), so this is a good token over HTTP"
	notHTTPTokenUse   = "the server accepts both ID and access tokens (AppSync's default): " +
		"restricting token_use is a verifier option only"
)

// BadTokens returns the bad credentials, minted now. The tokens depend only on the
// package's constants and Keys, so they are bad for every Env; Setup and the JWKS request
// counts refer to the env a case is run against.
func BadTokens(tb testing.TB) []BadToken {
	tb.Helper()
	now := time.Now()
	ks := Keys()
	idWith := func(kv ...any) string { return MintRS256(tb, KIDPrimary, With(IDClaims(now), kv...)) }
	accessWith := func(kv ...any) string { return MintRS256(tb, KIDPrimary, With(AccessClaims(now), kv...)) }
	good := IDToken(tb, now)
	goodSegs := strings.Split(good, ".")
	replace := func(i int, seg string) string {
		s := append([]string(nil), goodSegs...)
		s[i] = seg
		return strings.Join(s, ".")
	}
	header := map[string]any{"kid": KIDPrimary, "alg": "RS256"}

	cases := []BadToken{
		// Time claims.
		{Name: "expired", Expired: true, Token: idWith("iat", now.Add(-3*time.Hour).Unix(), "exp", now.Add(-2*time.Hour).Unix())},
		{Name: "expired just beyond the leeway", Expired: true, Token: accessWith("exp", now.Add(-90*time.Second).Unix())},
		{Name: "nbf in the future", Token: idWith("nbf", now.Add(time.Hour).Unix())},
		{Name: "no exp", Token: idWith("exp", nil)},
		{Name: "exp not a number", Token: idWith("exp", "tomorrow")},
		{Name: "iat far in the future", Token: idWith("iat", now.Add(time.Hour).Unix(), "exp", now.Add(2*time.Hour).Unix())},

		// Issuer.
		{Name: "wrong iss", Token: idWith("iss", "https://evil.example.com/"+UserPoolID)},
		{Name: "token of another user pool (other issuer, same keys)", Token: idWith("iss", auth.CognitoIssuer(Region, Region+"_0therP00l"))},
		{Name: "no iss", Token: idWith("iss", nil)},
		{Name: "non-string iss", Token: idWith("iss", 12345)},

		// Client.
		{Name: "ID token for another client", Token: idWith("aud", OtherClientID)},
		{Name: "ID token with our client_id but another aud", Token: idWith("aud", OtherClientID, "client_id", ClientID)},
		{Name: "ID token without aud", Token: idWith("aud", nil)},
		{Name: "aud a number", Token: idWith("aud", 42)},
		{Name: "aud an object", Token: idWith("aud", map[string]any{"client": ClientID})},
		{Name: "aud an array of numbers", Token: idWith("aud", []any{1, 2})},
		{Name: "access token for another client", Token: accessWith("client_id", OtherClientID)},
		{Name: "access token with our aud but another client_id", Token: accessWith("client_id", OtherClientID, "aud", ClientID)},
		{Name: "access token without client_id", Token: accessWith("client_id", nil)},
		{Name: "access token with client_id a number", Token: accessWith("client_id", 7)},
		{Name: "access token with aud a number", Token: accessWith("aud", 42)},
		{Name: "access token with aud an object", Token: accessWith("aud", map[string]any{"aud": ClientID})},
		{Name: "aud null", Token: idWith("aud", json.RawMessage("null"))},

		// Token use.
		{Name: "ID token where only access tokens are accepted", Token: good, NotHTTP: notHTTPTokenUse,
			Config: func(c *auth.VerifierConfig) { c.TokenUses = []auth.TokenUse{auth.TokenAccess} }},
		{Name: "access token where only ID tokens are accepted", Token: accessWith(), NotHTTP: notHTTPTokenUse,
			Config: func(c *auth.VerifierConfig) { c.TokenUses = []auth.TokenUse{auth.TokenID} }},
		{Name: "no token_use", Token: idWith("token_use", nil)},
		{Name: "token_use refresh", Token: idWith("token_use", "refresh")},
		{Name: "token_use not a string", Token: idWith("token_use", []any{"id"})},

		// Subject and other claims.
		{Name: "empty sub", Token: idWith("sub", "")},
		{Name: "no sub", Token: accessWith("sub", nil)},
		{Name: "sub not a string", Token: idWith("sub", 1234)},
		{Name: "cognito:groups a string", Token: idWith("cognito:groups", "admins")},
		{Name: "cognito:groups with a number", Token: accessWith("cognito:groups", []any{"admins", 1})},
		{Name: "cognito:groups an object", Token: accessWith("cognito:groups", map[string]any{"admins": true})},
		{Name: "cognito:username not a string", Token: idWith("cognito:username", 99)},
		{Name: "email not a string", Token: idWith("email", []any{Email})},

		// Algorithm.
		{Name: "alg none", Token: B64JSON(tb, map[string]any{"kid": KIDPrimary, "alg": "none"}) + "." + B64JSON(tb, IDClaims(now)) + "."},
		{Name: "HS256 keyed with the RSA public key (PEM)", Token: Mint(tb, publicKeyPEM(tb), KIDPrimary, jwt.SigningMethodHS256, IDClaims(now))},
		{Name: "HS256 keyed with the RSA modulus", Token: Mint(tb, ks.Primary.N.Bytes(), KIDPrimary, jwt.SigningMethodHS256, IDClaims(now))},
		{Name: "RS384 with the right key", Token: Mint(tb, ks.Primary, KIDPrimary, jwt.SigningMethodRS384, IDClaims(now))},
		{Name: "PS256 with the right key", Token: Mint(tb, ks.Primary, KIDPrimary, jwt.SigningMethodPS256, IDClaims(now))},
		{Name: "alg missing from the header", Token: SignRaw(tb, map[string]any{"kid": KIDPrimary}, IDClaims(now))},

		// Keys.
		{Name: "unknown kid", Fetches: 1, Token: Mint(tb, ks.Rotated, KIDRotated, jwt.SigningMethodRS256, IDClaims(now))},
		{Name: "unknown kid while the JWKS endpoint fails", Fetches: 1,
			Token: Mint(tb, ks.Rotated, KIDRotated, jwt.SigningMethodRS256, AccessClaims(now)),
			Setup: func(tb testing.TB, env *Env) { env.JWKS.FailUntilCleanup(tb) }},
		{Name: "no kid", Token: MintRS256(tb, "", IDClaims(now))},
		{Name: "kid not a string", Token: SignRaw(tb, map[string]any{"kid": 1, "alg": "RS256"}, IDClaims(now))},
		{Name: "signed by a key not in the JWKS, with a kid that is", Token: Mint(tb, ks.Rogue, KIDPrimary, jwt.SigningMethodRS256, IDClaims(now))},
		{Name: "JWK with use enc", Token: MintRS256(tb, KIDEnc, IDClaims(now))},
		{Name: "JWK with alg RS384", Token: MintRS256(tb, KIDRS384, IDClaims(now))},
		{Name: "JWK with key_ops encrypt only", Token: MintRS256(tb, KIDEncOps, IDClaims(now))},
		{Name: "1024-bit RSA key", Token: Mint(tb, ks.Weak, KIDWeak, jwt.SigningMethodRS256, IDClaims(now))},
		{Name: "crit header", Token: SignRaw(tb, map[string]any{"kid": KIDPrimary, "alg": "RS256", "crit": []any{"exp"}, "exp": 1}, IDClaims(now))},

		// Structure and integrity.
		{Name: "tampered payload", Token: replace(1, B64JSON(tb, With(IDClaims(now), "sub", "someone-else", "cognito:groups", []any{"admins"})))},
		{Name: "tampered signature", Token: replace(2, flipMiddleBit(tb, goodSegs[2]))},
		{Name: "signature with non-canonical base64 padding bits", Token: nonCanonicalLastChar(good)},
		{Name: "signature removed", Token: goodSegs[0] + "." + goodSegs[1] + "."},
		{Name: "2 segments", Token: goodSegs[0] + "." + goodSegs[1]},
		{Name: "4 segments", Token: good + "." + goodSegs[2]},
		{Name: "non-JSON header", Token: replace(0, base64.RawURLEncoding.EncodeToString([]byte("not json")))},
		{Name: "non-JSON payload", Token: replace(1, base64.RawURLEncoding.EncodeToString([]byte("{not json")))},
		{Name: "payload a JSON array", Token: SignRaw(tb, header, []any{IDClaims(now)})},
		{Name: "header not base64url", Token: replace(0, "eyJ+"+goodSegs[0])},
		{Name: "empty token", Token: "", NotHTTP: notHTTPEmpty},
		{Name: "only dots", Token: ".."},
		{Name: "surrounding whitespace", Token: " " + good + " ", NotHTTP: notHTTPWhitespace},
		{Name: "oversized token (validly signed)", Token: idWith("custom:padding", strings.Repeat("x", auth.DefaultMaxTokenBytes))},

		// The header itself: no token reaches the verifier.
		{Name: "header: Bearer alone", HeaderOnly: true, Header: "Bearer"},
		{Name: "header: Bearer and a space", HeaderOnly: true, Header: "Bearer "},
		{Name: "header: lower-case bearer and spaces", HeaderOnly: true, Header: "bearer   "},
		{Name: "header: Basic scheme", HeaderOnly: true, Header: "Basic dXNlcjpwYXNzd29yZA=="},
		{Name: "header: Digest scheme", HeaderOnly: true, Header: `Digest username="u", realm="r"`},
		{Name: "header: valid token under another scheme", HeaderOnly: true, Header: "JWT " + good},
		{Name: "header: valid token under the Basic scheme", HeaderOnly: true, Header: "Basic " + good},
		{Name: "header: Bearer twice", HeaderOnly: true, Header: "Bearer Bearer " + good},
		{Name: "header: valid token and another word", HeaderOnly: true, Header: "Bearer " + good + " extra"},
		{Name: "header: two valid tokens", HeaderOnly: true, Header: good + " " + good},
		{Name: "header: valid token split by a tab", HeaderOnly: true, Header: "Bearer " + goodSegs[0] + "." + goodSegs[1] + ".\t" + goodSegs[2]},
	}
	for i := range cases {
		if c := &cases[i]; !c.HeaderOnly && c.NotHTTP == "" {
			c.Header = "Bearer " + c.Token
		}
	}
	return cases
}

// publicKeyPEM is the primary public key as PEM, the secret of an HS256 confusion attack.
func publicKeyPEM(tb testing.TB) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(&Keys().Primary.PublicKey)
	if err != nil {
		tb.Fatalf("authtest: marshal public key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// flipMiddleBit flips one bit in the middle of a base64url signature.
func flipMiddleBit(tb testing.TB, seg string) string {
	tb.Helper()
	sig, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		tb.Fatalf("authtest: decode signature: %v", err)
	}
	sig[len(sig)/2] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(sig)
}

// nonCanonicalLastChar sets a padding bit of tok's last character: a 256-byte signature
// ends in a character carrying 2 data bits and 4 zero bits, so the signature decodes (by a
// lax decoder) to the same bytes.
func nonCanonicalLastChar(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[last|1])
}
