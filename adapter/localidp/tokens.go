package localidp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
)

// accessScope is the scope Cognito puts in access tokens of the user-password flow.
const accessScope = "aws.cognito.signin.user.admin"

// session issues an ID and an access token for u, in Cognito's shape:
//
//	ID:     sub aud email email_verified cognito:username [cognito:groups] name
//	        token_use=id auth_time iss iat exp jti event_id
//	access: sub client_id username [cognito:groups] scope token_use=access
//	        auth_time iss iat exp jti event_id
//
// cognito:groups is omitted when the user has none, as Cognito does. The username is the
// sub, as in a pool whose username attribute is email. Both tokens share one event_id.
func (p *Provider) session(u *User, authTime time.Time, refreshToken string) (account.Session, error) {
	now := p.now().Truncate(time.Second)
	exp := now.Add(p.tokenTTL)
	eventID := uuid.NewString()
	common := func(use string) jwt.MapClaims {
		c := jwt.MapClaims{
			"sub":       u.Sub,
			"token_use": use,
			"auth_time": authTime.Unix(),
			"iss":       p.cfg.Issuer,
			"iat":       now.Unix(),
			"exp":       exp.Unix(),
			"jti":       uuid.NewString(),
			"event_id":  eventID,
		}
		if len(u.Groups) > 0 {
			c["cognito:groups"] = append([]string(nil), u.Groups...)
		}
		return c
	}
	id := common("id")
	id["aud"] = p.cfg.ClientID
	id["email"] = u.Email
	// Confirming the sign-up proves the address, as with Cognito's auto-verified email.
	id["email_verified"] = u.Confirmed
	id["cognito:username"] = u.Sub
	id["name"] = u.Name
	access := common("access")
	access["client_id"] = p.cfg.ClientID
	access["username"] = u.Sub
	access["scope"] = accessScope

	idToken, err := p.sign(id)
	if err != nil {
		return account.Session{}, err
	}
	accessToken, err := p.sign(access)
	if err != nil {
		return account.Session{}, err
	}
	return account.Session{
		IDToken: idToken, AccessToken: accessToken, RefreshToken: refreshToken,
		ExpiresIn: int(p.tokenTTL / time.Second),
	}, nil
}

// sign signs claims with RS256. The header is Cognito's: kid and alg, no typ.
func (p *Provider) sign(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = p.kid
	delete(t.Header, "typ")
	s, err := t.SignedString(p.key)
	if err != nil {
		return "", apperr.Errorf("sign token: %w", err)
	}
	return s, nil
}

// newRefreshToken returns an opaque refresh token (256 random bits) and the hash under
// which it is stored.
func newRefreshToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashRefreshToken(token)
}

// hashRefreshToken is the stored form of a refresh token. A plain SHA-256 suffices: the
// token has 256 bits of entropy, so there is nothing to brute-force.
func hashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newCode returns a 6-digit confirmation code.
func newCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	var n uint64
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	return fmt.Sprintf("%06d", n%1_000_000)
}
