package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/skygraph/skygraph/adapter/cognito"
	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/domain/account"
)

// LocalClientID is the app client id of the local identity provider's tokens.
const LocalClientID = "skygraph-local"

// identity is the configured identity provider: the account operations, the verifier of
// its tokens, and (local provider only) the JWKS endpoint to serve.
type identity struct {
	accounts account.Provider
	verifier tokenVerifier
	jwks     http.Handler
	local    *localidp.Provider
}

// openIdentity selects Cognito when a user pool is configured (cognito: the one
// startCognito began), and otherwise the local identity provider, whose tokens carry
// Cognito's claims and go through the same verifier.
func (a *App) openIdentity(ctx context.Context, cfg Config, opts Options, cognito *pendingCognito) (*identity, error) {
	if cognito != nil {
		id, closeFn, err := cognito.wait()
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, closeFn)
		return id, nil
	}
	if LambdaOnly { // refused by Config.leftOut; the constant lets the linker leave localidp out
		return nil, fmt.Errorf("the local identity provider is %w", errLeftOut)
	}
	idp, err := localidp.New(a.Store.Accounts(), localidp.Config{
		Issuer: cfg.LocalIssuer, ClientID: LocalClientID, PrivateKeyPEM: []byte(cfg.LocalSigningKeyPEM),
		TokenTTL: cfg.LocalTokenTTL, BcryptCost: opts.LocalBcryptCost, Now: opts.LocalNow,
		OnConfirmationCode: func(email, code string) {
			a.log.Info("confirmation code (local identity provider; Cognito would e-mail it)", "email", email, "code", code)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("local identity provider: %w", err)
	}
	jwk, err := jwkset.NewJWKFromKey(idp.PublicKey(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{
		KID: idp.KeyID(), ALG: jwkset.AlgRS256, USE: jwkset.UseSig,
	}})
	if err != nil {
		return nil, fmt.Errorf("local identity provider key: %w", err)
	}
	keys := jwkset.NewMemoryStorage()
	if err := keys.KeyWrite(ctx, jwk); err != nil {
		return nil, fmt.Errorf("local identity provider key: %w", err)
	}
	v, err := auth.NewStaticVerifier(auth.VerifierConfig{Issuer: cfg.LocalIssuer, ClientIDs: []string{LocalClientID}}, keys)
	if err != nil {
		return nil, err
	}
	return &identity{accounts: idp, verifier: v, jwks: idp.JWKSHandler(), local: idp}, nil
}

// SeedAccounts creates the demo accounts when the local identity provider is in use
// (embedded mode at start, and the seed command); with Cognito it does nothing.
func (a *App) SeedAccounts(ctx context.Context) error {
	if a.identity.local == nil {
		return nil
	}
	start := time.Now()
	if err := a.identity.local.Seed(ctx); err != nil {
		return fmt.Errorf("seed demo accounts: %w", err)
	}
	a.log.Info("seeded demo accounts", "accounts", len(localidp.DemoAccounts), "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// pendingCognito is Cognito being opened while the rest of the App starts: on AWS the
// start waits on the network twice, for the token secret (Secrets Manager) and for the
// pool's JWKS (the verifier's first fetch), and neither needs the other.
type pendingCognito struct {
	done    chan struct{}
	id      *identity
	closeFn func() error
	err     error
	taken   bool
}

// startCognito begins openCognito in a goroutine when a user pool is configured (nil
// otherwise). openIdentity takes the result; discard releases it if the start failed
// before.
func (a *App) startCognito(ctx context.Context, cfg Config) *pendingCognito {
	if !cfg.UsesCognito() {
		return nil
	}
	p := &pendingCognito{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.id, p.closeFn, p.err = a.openCognito(ctx, cfg)
	}()
	return p
}

func (p *pendingCognito) wait() (*identity, func() error, error) {
	<-p.done
	p.taken = true
	return p.id, p.closeFn, p.err
}

// discard waits for the goroutine and closes what it opened, unless openIdentity took it.
func (p *pendingCognito) discard() {
	if p == nil || p.taken {
		return
	}
	if _, closeFn, err := p.wait(); err == nil {
		_ = closeFn()
	}
}

// openCognito uses a Cognito user pool (or cognito-local): account operations through the
// Cognito API, tokens verified against the pool's JWKS. The caller closes the verifier
// with the returned function.
func (a *App) openCognito(ctx context.Context, cfg Config) (*identity, func() error, error) {
	cc := cognito.Config{Region: cfg.Region, UserPoolID: cfg.CognitoUserPoolID, ClientID: cfg.CognitoClientIDs[0], Endpoint: cfg.CognitoEndpoint}
	p, err := cognito.New(ctx, cc)
	if err != nil {
		return nil, nil, fmt.Errorf("cognito: %w", err)
	}
	issuer, jwks := cc.Issuer(), cfg.CognitoJWKSURL
	if cfg.CognitoIssuer != "" {
		issuer = cfg.CognitoIssuer
	}
	if jwks == "" {
		jwks = auth.JWKSURLFor(issuer)
		if cfg.CognitoIssuer == "" {
			jwks = cc.JWKSURL()
		}
	}
	v, err := auth.NewVerifier(ctx, auth.VerifierConfig{Issuer: issuer, JWKSURL: jwks, ClientIDs: cfg.CognitoClientIDs, Logger: a.log})
	if err != nil {
		return nil, nil, err
	}
	return &identity{accounts: p, verifier: v}, func() error { v.Close(); return nil }, nil
}
