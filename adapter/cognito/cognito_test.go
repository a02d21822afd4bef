package cognito_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cognito"
	"github.com/skygraph/skygraph/adapter/cognito/cognitotest"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/account/accounttest"
	"github.com/skygraph/skygraph/internal/apperr"
)

// TestProviderContract runs the account contract against cognito-local, with one pool for
// all cases (they use unique emails). Confirmation codes come from cognito-local's data
// file, so ConfirmSignUp is exercised with a real code.
func TestProviderContract(t *testing.T) {
	pool := cognitotest.NewPool(t)
	ctx := context.Background()
	p, err := cognito.New(ctx, pool.Config())
	require.NoError(t, err)
	require.Equal(t, pool.Issuer, p.Config().Issuer())
	require.Equal(t, pool.JWKSURL, p.Config().JWKSURL())
	jwks, err := pool.JWKS(ctx)
	require.NoError(t, err)
	verify, err := accounttest.JWKSVerifier(jwks, pool.Issuer, pool.ClientID)
	require.NoError(t, err)
	tok := accounttest.Tokens{
		Verify: verify, Code: pool.ConfirmationCode,
		Disabled: func(ctx context.Context, sub string) (bool, error) {
			out, err := pool.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool.UserPoolID), Username: aws.String(sub)})
			if err != nil {
				return false, err
			}
			return !out.Enabled, nil
		},
		DisableNotEnforced: "cognito-local's InitiateAuth ignores Enabled (Cognito answers NotAuthorizedException \"User is disabled.\")",
	}
	accounttest.RunProviderContract(t, func(*testing.T) (account.Provider, accounttest.Tokens) { return p, tok })
}

// TestEmptyCodeAndAdminConfirm: Cognito needs a code (BadRequest without one, and no call),
// and the harness's AdminConfirm is an alternative way to a confirmed user.
func TestEmptyCodeAndAdminConfirm(t *testing.T) {
	pool := cognitotest.NewPool(t)
	ctx := context.Background()
	p, err := cognito.New(ctx, pool.Config())
	require.NoError(t, err)
	email := accounttest.Email("admin-confirm")
	_, err = p.SignUp(ctx, email, accounttest.Password, "Admin Confirmed")
	require.NoError(t, err)
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(p.ConfirmSignUp(ctx, email, "")))
	require.NoError(t, pool.AdminConfirm(ctx, email))
	s, err := p.SignIn(ctx, email, accounttest.Password)
	require.NoError(t, err)
	require.InDelta(t, 3600, s.ExpiresIn, 5, "cognito-local sends ExpiresIn 0; it comes from the token's exp")
}
