// Package cognito is the account.Provider adapter for an Amazon Cognito user pool (or
// cognito-local), over the AWS SDK's cognitoidentityprovider client.
//
// The pool signs users in by email (UsernameAttributes: email) and its app client must
// allow USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH and have no client secret (a public
// client, as browser and mobile frontends use). Cognito's errors become apperr codes with
// client-safe messages; SDK text never reaches a client, except Cognito's reason for
// rejecting a sign-up's password or attributes, which is meant for the user.
package cognito

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// API is the part of *cognitoidentityprovider.Client the adapter uses, declared here so
// tests can substitute it.
type API interface {
	SignUp(ctx context.Context, in *cip.SignUpInput, opts ...func(*cip.Options)) (*cip.SignUpOutput, error)
	ConfirmSignUp(ctx context.Context, in *cip.ConfirmSignUpInput, opts ...func(*cip.Options)) (*cip.ConfirmSignUpOutput, error)
	InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, opts ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	AdminAddUserToGroup(ctx context.Context, in *cip.AdminAddUserToGroupInput, opts ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error)
	AdminRemoveUserFromGroup(ctx context.Context, in *cip.AdminRemoveUserFromGroupInput, opts ...func(*cip.Options)) (*cip.AdminRemoveUserFromGroupOutput, error)
	AdminDisableUser(ctx context.Context, in *cip.AdminDisableUserInput, opts ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminListGroupsForUser(ctx context.Context, in *cip.AdminListGroupsForUserInput, opts ...func(*cip.Options)) (*cip.AdminListGroupsForUserOutput, error)
}

var _ API = (*cip.Client)(nil)

// Config selects the user pool.
type Config struct {
	// Region of the pool. Empty: taken from the pool id ("eu-west-1_AbC123" is in
	// eu-west-1), or us-east-1 with an Endpoint.
	Region string
	// UserPoolID is the pool, for the Admin* group operations and the issuer.
	UserPoolID string
	// ClientID is the app client (no secret) that signs users in.
	ClientID string
	// Endpoint overrides the AWS endpoint, e.g. cognito-local's http://127.0.0.1:9229.
	// With an endpoint, static dummy credentials are used: cognito-local accepts any
	// signature and a developer should not need an AWS profile.
	Endpoint string
}

func (c Config) region() string {
	switch {
	case c.Region != "":
		return c.Region
	case c.Endpoint != "":
		return "us-east-1"
	}
	if r, _, ok := strings.Cut(c.UserPoolID, "_"); ok {
		return r
	}
	return ""
}

// Issuer is the iss claim of the pool's tokens, for the API's verifier: AWS's
// https://cognito-idp.<region>.amazonaws.com/<pool>, or <Endpoint>/<pool> for
// cognito-local (which derives its issuer from its own address, not AWS's).
func (c Config) Issuer() string {
	if c.Endpoint != "" {
		return strings.TrimSuffix(c.Endpoint, "/") + "/" + c.UserPoolID
	}
	return fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", c.region(), c.UserPoolID)
}

// JWKSURL is where the pool publishes its signing keys: <Issuer>/.well-known/jwks.json.
// Build it from the issuer rather than from the OIDC discovery document, which
// cognito-local 5.3.0 fills with a hard-coded localhost:9229.
func (c Config) JWKSURL() string { return c.Issuer() + "/.well-known/jwks.json" }

func (c Config) validate() error {
	if c.UserPoolID == "" {
		return errors.New("cognito: UserPoolID is required")
	}
	if c.ClientID == "" {
		return errors.New("cognito: ClientID is required")
	}
	if c.region() == "" {
		return errors.New("cognito: Region is required (the pool id does not name one)")
	}
	return nil
}

// Provider is account.Provider on a Cognito user pool.
type Provider struct {
	api API
	cfg Config
	now func() time.Time
}

// New builds the SDK client from the environment's AWS configuration (credentials are
// needed for the Admin* group operations) and returns a Provider.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(cfg.region())}
	if cfg.Endpoint != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cognito: load AWS config: %w", err)
	}
	client := cip.NewFromConfig(awsCfg, func(o *cip.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	return NewWithAPI(client, cfg)
}

// NewWithAPI returns a Provider over an existing client (or a test double).
func NewWithAPI(api API, cfg Config) (*Provider, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if api == nil {
		return nil, errors.New("cognito: API is required")
	}
	return &Provider{api: api, cfg: cfg, now: time.Now}, nil
}

// Config returns the provider's configuration (for Issuer and JWKSURL).
func (p *Provider) Config() Config { return p.cfg }
