// Package cognitotest gives tests a fresh user pool on cognito-local, which the test
// tooling starts (scripts/with-services.sh sets SKYGRAPH_TEST_COGNITO_ENDPOINT and
// SKYGRAPH_TEST_COGNITO_DATA_DIR). Each NewPool creates its own pool, app client and the
// Admin and RestaurantOwner groups, and deletes the pool when the test ends.
//
// Without an endpoint the test is skipped, except when SKYGRAPH_TEST_REQUIRE_DYNAMODB_LOCAL=1
// (make test) or CI=true, where a missing cognito-local is a failure, never a silent skip.
//
// Confirmation codes: cognito-local "e-mails" a code by logging it and keeps it in its data
// file (.cognito/db/<poolId>.json). ConfirmationCode reads it from there, so tests drive the
// adapter's real ConfirmSignUp with a real code. AdminConfirm is the alternative for tests
// that only need a confirmed user.
package cognitotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/skygraph/skygraph/adapter/cognito"
)

// Environment variables set by scripts/with-services.sh.
const (
	// EnvEndpoint is cognito-local's URL, e.g. http://127.0.0.1:9229.
	EnvEndpoint = "SKYGRAPH_TEST_COGNITO_ENDPOINT"
	// EnvDataDir is cognito-local's .cognito folder (it holds db/<poolId>.json).
	EnvDataDir = "SKYGRAPH_TEST_COGNITO_DATA_DIR"
	// EnvRequire makes a missing local service a failure (shared with DynamoDB Local).
	EnvRequire = "SKYGRAPH_TEST_REQUIRE_DYNAMODB_LOCAL"
)

// Groups are the groups every pool gets, as the CDK app's pool has them.
var Groups = []string{"Admin", "RestaurantOwner"}

// Pool is a user pool on cognito-local.
type Pool struct {
	Endpoint   string
	UserPoolID string
	ClientID   string
	// Issuer is the tokens' iss: <Endpoint>/<UserPoolID>.
	Issuer string
	// JWKSURL is <Issuer>/.well-known/jwks.json.
	JWKSURL string
	// Client is an SDK client for cognito-local, for admin calls in tests.
	Client  *cip.Client
	dataDir string
}

// Endpoint returns cognito-local's endpoint, or skips the test when there is none (fails
// it when the environment requires the local services).
func Endpoint(t testing.TB) string {
	t.Helper()
	ep := strings.TrimSuffix(os.Getenv(EnvEndpoint), "/")
	if ep == "" {
		if os.Getenv(EnvRequire) == "1" || os.Getenv("CI") == "true" {
			t.Fatalf("cognito-local is required but %s is not set: run tests through `make test` (scripts/with-services.sh)", EnvEndpoint)
		}
		t.Skipf("cognito-local not configured (%s unset): skipping; `make test` runs it", EnvEndpoint)
	}
	return ep
}

// NewClient returns an SDK client for a cognito-local endpoint (dummy credentials).
func NewClient(ctx context.Context, endpoint string) (*cip.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return cip.NewFromConfig(cfg, func(o *cip.Options) { o.BaseEndpoint = aws.String(endpoint) }), nil
}

var unsafe = regexp.MustCompile(`[^\w+=,.@-]+`)

// NewPool creates a user pool whose username is the email, an app client for the
// password and refresh flows with 1-hour ID and access tokens (Cognito's default;
// cognito-local's own default is 24 h) and the Groups. The pool is deleted at cleanup.
func NewPool(t testing.TB) *Pool {
	t.Helper()
	ep := Endpoint(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := NewClient(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafe.ReplaceAllString(t.Name(), "_")
	if len(name) > 100 {
		name = name[:100]
	}
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:               aws.String(name + "-" + hex.EncodeToString(b)),
		UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
	})
	if err != nil {
		t.Fatalf("cognito-local at %s: CreateUserPool: %v", ep, err)
	}
	id := aws.ToString(pool.UserPool.Id)
	t.Cleanup(func() {
		_, _ = c.DeleteUserPool(context.Background(), &cip.DeleteUserPoolInput{UserPoolId: aws.String(id)})
	})
	client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(id),
		ClientName: aws.String("skygraph-test"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
		IdTokenValidity:      aws.Int32(1),
		AccessTokenValidity:  aws.Int32(1),
		RefreshTokenValidity: 30,
		TokenValidityUnits: &types.TokenValidityUnitsType{
			IdToken: types.TimeUnitsTypeHours, AccessToken: types.TimeUnitsTypeHours, RefreshToken: types.TimeUnitsTypeDays,
		},
	})
	if err != nil {
		t.Fatalf("CreateUserPoolClient: %v", err)
	}
	for _, g := range Groups {
		if _, err := c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(id), GroupName: aws.String(g)}); err != nil {
			t.Fatalf("CreateGroup %s: %v", g, err)
		}
	}
	return &Pool{
		Endpoint: ep, UserPoolID: id, ClientID: aws.ToString(client.UserPoolClient.ClientId),
		Issuer: ep + "/" + id, JWKSURL: ep + "/" + id + "/.well-known/jwks.json",
		Client: c, dataDir: os.Getenv(EnvDataDir),
	}
}

// Config is the adapter configuration for this pool.
func (p *Pool) Config() cognito.Config {
	return cognito.Config{Region: "us-east-1", UserPoolID: p.UserPoolID, ClientID: p.ClientID, Endpoint: p.Endpoint}
}

// JWKS fetches the pool's JSON Web Key Set.
func (p *Pool) JWKS(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.JWKSURL, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", p.JWKSURL, err)
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", p.JWKSURL, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", p.JWKSURL, res.Status)
	}
	return body, nil
}

// poolFile is the part of cognito-local's db/<poolId>.json that holds users.
type poolFile struct {
	Users map[string]struct {
		Attributes []struct {
			Name  string `json:"Name"`
			Value string `json:"Value"`
		} `json:"Attributes"`
		ConfirmationCode string `json:"ConfirmationCode"`
	} `json:"Users"`
}

// ConfirmationCode returns the code cognito-local generated at sign-up for email, read
// from its data file (it writes the file before answering SignUp).
func (p *Pool) ConfirmationCode(_ context.Context, email string) (string, error) {
	if p.dataDir == "" {
		return "", fmt.Errorf("%s is not set: cannot read cognito-local's confirmation codes (use AdminConfirm)", EnvDataDir)
	}
	path := filepath.Join(p.dataDir, "db", p.UserPoolID+".json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read cognito-local data: %w", err)
	}
	var f poolFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return "", fmt.Errorf("parse %s: %w", path, err)
	}
	for _, u := range f.Users {
		for _, a := range u.Attributes {
			if a.Name == "email" && strings.EqualFold(a.Value, email) {
				if u.ConfirmationCode == "" {
					return "", fmt.Errorf("%s has no pending confirmation code", email)
				}
				return u.ConfirmationCode, nil
			}
		}
	}
	return "", errors.New("no user with email " + email + " in " + path)
}

// AdminConfirm confirms a sign-up without a code (AdminConfirmSignUp).
func (p *Pool) AdminConfirm(ctx context.Context, email string) error {
	_, err := p.Client.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{
		UserPoolId: aws.String(p.UserPoolID), Username: aws.String(strings.ToLower(email)),
	})
	if err != nil {
		return fmt.Errorf("AdminConfirmSignUp %s: %w", email, err)
	}
	return nil
}
