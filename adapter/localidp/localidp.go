// Package localidp is the local identity provider: an account.Provider that stands in for
// a Cognito user pool when skygraph runs without AWS (`go run .`, tests). It keeps users
// in the single table (through UserStore), hashes passwords with bcrypt, and issues RS256
// ID and access tokens with the claims Cognito puts in them, signed with its own key and
// published as a JWKS, so the API verifies them on the same path as Cognito tokens.
//
// It is a development stand-in, not a hardened identity service: confirmation codes are
// logged rather than e-mailed. Like Cognito it locks out an email (and a peer address)
// after repeated failed attempts, in memory, per process.
package localidp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/skygraph/skygraph/domain/account"
)

// Defaults, Cognito's where Cognito has one.
const (
	// DefaultBcryptCost is the production cost: about 50–100 ms per hash on one core.
	DefaultBcryptCost = 10
	// DefaultTokenTTL is the ID and access token lifetime (Cognito's default, 1 hour).
	DefaultTokenTTL = time.Hour
	// DefaultRefreshTokenTTL is the refresh token lifetime (Cognito's default, 30 days).
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
	// DefaultCodeTTL is how long a confirmation code is valid (Cognito: 24 hours).
	DefaultCodeTTL = 24 * time.Hour
)

// DefaultGroups are the groups of skygraph's user pool (the CDK app creates the same).
var DefaultGroups = []string{account.GroupAdmin, account.GroupRestaurantOwner}

// Config configures a Provider.
type Config struct {
	// Issuer is the iss claim, an absolute URL; the verifier must expect the same value.
	// The server uses its own address plus a path, e.g. http://localhost:8080/local, and
	// serves the JWKS at Issuer + JWKSPath.
	Issuer string
	// ClientID is the app client id: the ID token's aud and the access token's client_id.
	ClientID string
	// PrivateKeyPEM is an RSA private key (PKCS#1 or PKCS#8 PEM, ≥ 2048 bits). Empty: a
	// new RSA-2048 key is generated, so tokens from an earlier run stop verifying.
	PrivateKeyPEM []byte
	// BcryptCost is the password hashing cost; 0 means DefaultBcryptCost. Tests may use
	// bcrypt.MinCost.
	BcryptCost int
	// Groups are the groups that exist; group operations on others are NotFound, as in a
	// Cognito pool. Nil means DefaultGroups.
	Groups []string
	// TokenTTL, RefreshTokenTTL and CodeTTL override the defaults above when positive.
	TokenTTL        time.Duration
	RefreshTokenTTL time.Duration
	CodeTTL         time.Duration
	// OnConfirmationCode receives each sign-up's confirmation code, in place of the e-mail
	// Cognito would send. Nil logs it with slog.Default() at Info level.
	OnConfirmationCode func(email, code string)
	// Now is the clock; nil means time.Now. Tests inject it.
	Now func() time.Time
	// MaxFailedAttempts and MaxFailedAttemptsPerIP are the failed sign-ins (or
	// confirmation codes) an email and a peer address may have before they are locked
	// out; 0 means DefaultMaxFailures and DefaultMaxFailuresPerIP. MaxLockout caps the
	// doubling lock (0: DefaultMaxLockout).
	MaxFailedAttempts      int
	MaxFailedAttemptsPerIP int
	MaxLockout             time.Duration
}

// Provider is the local identity provider: account.Provider plus the token issuer and its
// JWKS. It is safe for concurrent use; all state is in the UserStore.
type Provider struct {
	store UserStore
	cfg   Config
	key   *rsa.PrivateKey
	kid   string
	jwks  []byte
	// dummyHash is made on the first sign-in with an unknown email (dummyOnce), not in New:
	// at the default cost it is a fifth of a second of CPU that every start would pay.
	dummyOnce  sync.Once
	dummyHash  []byte
	onCode     func(email, code string)
	now        func() time.Time
	tokenTTL   time.Duration
	refreshTTL time.Duration
	codeTTL    time.Duration
	accounts   *throttle // failures per email (and "confirm:"+email)
	peers      *throttle // failures per peer address
}

// New returns a Provider over store. It generates the signing key unless cfg has one.
func New(store UserStore, cfg Config) (*Provider, error) {
	if store == nil {
		return nil, errors.New("localidp: a UserStore is required")
	}
	if u, err := url.Parse(cfg.Issuer); err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("localidp: Issuer must be an absolute URL, got %q", cfg.Issuer)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("localidp: ClientID is required")
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = DefaultBcryptCost
	}
	if cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("localidp: BcryptCost %d is outside %d..%d", cfg.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if cfg.Groups == nil {
		cfg.Groups = DefaultGroups
	}
	cfg.Groups = slices.Clone(cfg.Groups)
	p := &Provider{
		store: store, cfg: cfg, onCode: cfg.OnConfirmationCode, now: cfg.Now,
		tokenTTL: positive(cfg.TokenTTL, DefaultTokenTTL), refreshTTL: positive(cfg.RefreshTokenTTL, DefaultRefreshTokenTTL),
		codeTTL: positive(cfg.CodeTTL, DefaultCodeTTL),
	}
	if p.now == nil {
		p.now = time.Now
	}
	maxLock := positive(cfg.MaxLockout, DefaultMaxLockout)
	p.accounts = newThrottle(p.now, positiveInt(cfg.MaxFailedAttempts, DefaultMaxFailures), maxLock)
	p.peers = newThrottle(p.now, positiveInt(cfg.MaxFailedAttemptsPerIP, DefaultMaxFailuresPerIP), maxLock)
	if p.onCode == nil {
		p.onCode = func(email, code string) {
			slog.Default().Info("localidp: sign-up confirmation code (local identity provider; Cognito would e-mail it)",
				"email", email, "code", code)
		}
	}
	var err error
	if len(cfg.PrivateKeyPEM) > 0 {
		p.key, err = parseKeyPEM(cfg.PrivateKeyPEM)
	} else {
		p.key, err = rsa.GenerateKey(rand.Reader, KeyBits)
	}
	if err != nil {
		return nil, fmt.Errorf("localidp: %w", err)
	}
	p.kid = thumbprint(&p.key.PublicKey)
	p.jwks = jwksJSON(&p.key.PublicKey, p.kid)
	return p, nil
}

// dummy is a hash to compare against when the email is unknown, so that a sign-in costs
// one bcrypt comparison whether or not the account exists. It is made once, on first use.
func (p *Provider) dummy() []byte {
	p.dummyOnce.Do(func() {
		random := make([]byte, 32)
		_, _ = rand.Read(random)
		// Cannot fail: the cost was checked in New and the prehashed input is short.
		p.dummyHash, _ = bcrypt.GenerateFromPassword(prehash(string(random)), p.cfg.BcryptCost)
	})
	return p.dummyHash
}

// Issuer is the iss claim of the provider's tokens.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// ClientID is the aud (ID token) and client_id (access token) of the provider's tokens.
func (p *Provider) ClientID() string { return p.cfg.ClientID }

// TokenTTL is the lifetime of the ID and access tokens.
func (p *Provider) TokenTTL() time.Duration { return p.tokenTTL }

func positiveInt(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func positive(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// prehashKey domain-separates the password pre-hash. It is not a secret.
var prehashKey = []byte("skygraph/localidp/password/v1")

// prehash maps a password to 44 bytes before bcrypt: bcrypt reads at most 72 bytes, and
// Cognito allows passwords of up to 256 characters, which must not be truncated (two
// passwords sharing their first 72 bytes would be equal).
func prehash(password string) []byte {
	m := hmac.New(sha256.New, prehashKey)
	m.Write([]byte(password))
	return []byte(base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

func (p *Provider) hashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword(prehash(password), p.cfg.BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

func passwordMatches(hash []byte, password string) bool {
	return bcrypt.CompareHashAndPassword(hash, prehash(password)) == nil
}
