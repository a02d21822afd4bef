// Package auth authenticates requests and decides what a caller may see, with AppSync's
// semantics: Cognito user-pool tokens (verified against the pool's JWKS), optional API
// keys, anonymous callers, and the schema's authorization directives (@aws_* and
// Amplify's @auth) enforced on every field and every object returned.
package auth

import (
	"context"
	"slices"
	"time"
)

// Mode is how a request authenticated, as AppSync names its authorization modes.
type Mode string

// The authentication modes.
const (
	// ModeNone: no credentials were sent (anonymous).
	ModeNone Mode = ""
	// ModeUserPools: a verified Cognito user-pool token (ID or access).
	ModeUserPools Mode = "AMAZON_COGNITO_USER_POOLS"
	// ModeAPIKey: a valid x-api-key.
	ModeAPIKey Mode = "API_KEY"
)

// TokenUse is Cognito's token_use claim.
type TokenUse string

// The Cognito token kinds.
const (
	TokenID     TokenUse = "id"
	TokenAccess TokenUse = "access"
)

// Principal is the authenticated caller. The zero value is the anonymous caller.
type Principal struct {
	Mode Mode
	// Sub is the user's immutable id (Cognito sub): what owner fields store.
	Sub string
	// Username is cognito:username (ID token) or username (access token).
	Username string
	// Email is set for ID tokens.
	Email string
	// Groups are the user's cognito:groups.
	Groups []string
	// TokenUse is id or access.
	TokenUse TokenUse
	// ClientID is the app client the token was issued to (aud or client_id).
	ClientID string
	// ExpiresAt is when the credentials stop being valid (zero for none or API keys).
	ExpiresAt time.Time
	// Claims are the token's claims, for identityClaim lookups in owner rules.
	Claims map[string]any
}

// SignedIn reports whether the caller presented a verified user-pool token.
func (p Principal) SignedIn() bool { return p.Mode == ModeUserPools && p.Sub != "" }

// InGroup reports whether the caller is a signed-in member of group.
func (p Principal) InGroup(group string) bool {
	return p.SignedIn() && slices.Contains(p.Groups, group)
}

// InAnyGroup reports whether the caller is a signed-in member of one of groups.
func (p Principal) InAnyGroup(groups []string) bool {
	for _, g := range groups {
		if p.InGroup(g) {
			return true
		}
	}
	return false
}

// Claim returns a claim as a string ("sub", "username", "email", "cognito:username", …).
func (p Principal) Claim(name string) (string, bool) {
	switch name {
	case "sub":
		return p.Sub, p.Sub != ""
	case "username", "cognito:username":
		if p.Username != "" {
			return p.Username, true
		}
	case "email":
		if p.Email != "" {
			return p.Email, true
		}
	}
	s, ok := p.Claims[name].(string)
	return s, ok && s != ""
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller on ctx; without one, the anonymous caller (deny by
// default: nothing is granted to a missing principal).
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(ctxKey{}).(Principal)
	return p
}
