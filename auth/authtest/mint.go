package authtest

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// IDClaims are the claims of an ID token of the pool for ClientID, as Cognito issues them,
// issued a minute before now and valid for an hour.
func IDClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":              Sub,
		"cognito:groups":   []any{"admins", "editors"},
		"email_verified":   true,
		"iss":              Issuer,
		"cognito:username": Username,
		"origin_jti":       "4e1f0c2a-9b8d-4c7e-a6f5-3d2c1b0a9e8f",
		"aud":              ClientID,
		"event_id":         "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
		"token_use":        "id",
		"auth_time":        now.Add(-time.Minute).Unix(),
		"exp":              now.Add(time.Hour).Unix(),
		"iat":              now.Add(-time.Minute).Unix(),
		"jti":              "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c",
		"email":            Email,
	}
}

// AccessClaims are the claims of an access token of the pool for ClientID, as Cognito
// issues them (no aud), issued a minute before now and valid for an hour.
func AccessClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":            Sub,
		"cognito:groups": []any{"admins", "editors"},
		"iss":            Issuer,
		"version":        2,
		"client_id":      ClientID,
		"origin_jti":     "4e1f0c2a-9b8d-4c7e-a6f5-3d2c1b0a9e8f",
		"event_id":       "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
		"token_use":      "access",
		"scope":          "aws.cognito.signin.user.admin",
		"auth_time":      now.Add(-time.Minute).Unix(),
		"exp":            now.Add(time.Hour).Unix(),
		"iat":            now.Add(-time.Minute).Unix(),
		"jti":            "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
		"username":       Username,
	}
}

// With returns a copy of c with the given claims set: kv alternates names (strings) and
// values; a nil value deletes the claim.
func With(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	if len(kv)%2 != 0 {
		panic("authtest.With: odd number of arguments")
	}
	out := maps.Clone(c)
	if out == nil {
		out = jwt.MapClaims{}
	}
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			panic("authtest.With: claim names are strings")
		}
		if kv[i+1] == nil {
			delete(out, k)
		} else {
			out[k] = kv[i+1]
		}
	}
	return out
}

// Mint signs claims like Cognito: header {"kid", "alg"}, no typ (no kid when kid is "").
// key is whatever method signs with (*rsa.PrivateKey for RS256, []byte for HS256).
func Mint(tb testing.TB, key any, kid string, method jwt.SigningMethod, claims jwt.MapClaims) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, claims)
	delete(tok.Header, "typ")
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatalf("authtest: sign token: %v", err)
	}
	return s
}

// MintRS256 signs claims with the primary key, RS256, under kid.
func MintRS256(tb testing.TB, kid string, claims jwt.MapClaims) string {
	tb.Helper()
	return Mint(tb, Keys().Primary, kid, jwt.SigningMethodRS256, claims)
}

// IDToken is a valid ID token of the pool for ClientID (IDClaims(now), primary key).
func IDToken(tb testing.TB, now time.Time) string {
	tb.Helper()
	return MintRS256(tb, KIDPrimary, IDClaims(now))
}

// AccessToken is a valid access token of the pool for ClientID (AccessClaims(now), primary
// key).
func AccessToken(tb testing.TB, now time.Time) string {
	tb.Helper()
	return MintRS256(tb, KIDPrimary, AccessClaims(now))
}

// B64JSON is v as JSON, base64url-encoded without padding (a JWT segment).
func B64JSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("authtest: marshal JWT segment: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// SignRaw signs header.payload, both given as values marshalled to JSON as they are (so
// they may be malformed on purpose), with the primary key, RS256.
func SignRaw(tb testing.TB, header, payload any) string {
	tb.Helper()
	signing := B64JSON(tb, header) + "." + B64JSON(tb, payload)
	sig, err := jwt.SigningMethodRS256.Sign(signing, Keys().Primary)
	if err != nil {
		tb.Fatalf("authtest: sign token: %v", err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}
