package accounttest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Claims are a verified token's claims.
type Claims = jwt.MapClaims

// JWKSVerifier returns a Verify function for Tokens that checks tokens the way the API's
// verifier does for Cognito: RS256 only, signature against jwks (a JSON Web Key Set, as
// served at <issuer>/.well-known/jwks.json), iss = issuer, exp required, and then aud =
// clientID for ID tokens or client_id = clientID for access tokens. Both providers are
// checked with it, so a token the local provider issues is accepted exactly where a
// Cognito one is.
func JWKSVerifier(jwks []byte, issuer, clientID string) (func(token, use string) (Claims, error), error) {
	kf, err := keyfunc.NewJWKSetJSON(json.RawMessage(jwks))
	if err != nil {
		return nil, fmt.Errorf("parse JWKS: %w", err)
	}
	return func(token, use string) (Claims, error) {
		claims := Claims{}
		opts := []jwt.ParserOption{
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(issuer),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		}
		if use == "id" {
			opts = append(opts, jwt.WithAudience(clientID))
		}
		if _, err := jwt.ParseWithClaims(token, claims, kf.Keyfunc, opts...); err != nil {
			return nil, fmt.Errorf("verify %s token: %w", use, err)
		}
		if got, _ := claims["token_use"].(string); got != use {
			return nil, fmt.Errorf("token_use is %q, want %q", got, use)
		}
		if use == "access" {
			if got, _ := claims["client_id"].(string); got != clientID {
				return nil, fmt.Errorf("client_id is %q, want %q", got, clientID)
			}
		}
		if _, ok := claims["sub"].(string); !ok {
			return nil, errors.New("no sub claim")
		}
		return claims, nil
	}, nil
}
