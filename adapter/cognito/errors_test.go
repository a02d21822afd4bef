package cognito_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cognito"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/internal/apperr"
)

// fake answers every call with err, or with out for InitiateAuth.
type fake struct {
	err   error
	out   *cip.InitiateAuthOutput
	calls int
	last  any
}

func (f *fake) SignUp(_ context.Context, in *cip.SignUpInput, _ ...func(*cip.Options)) (*cip.SignUpOutput, error) {
	f.calls++
	f.last = in
	return &cip.SignUpOutput{UserSub: aws.String("sub-1")}, f.err
}

func (f *fake) ConfirmSignUp(_ context.Context, in *cip.ConfirmSignUpInput, _ ...func(*cip.Options)) (*cip.ConfirmSignUpOutput, error) {
	f.calls++
	f.last = in
	return &cip.ConfirmSignUpOutput{}, f.err
}

func (f *fake) InitiateAuth(_ context.Context, in *cip.InitiateAuthInput, _ ...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	f.calls++
	f.last = in
	if f.err != nil {
		return nil, f.err
	}
	return f.out, nil
}

func (f *fake) AdminAddUserToGroup(_ context.Context, in *cip.AdminAddUserToGroupInput, _ ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error) {
	f.calls++
	f.last = in
	return &cip.AdminAddUserToGroupOutput{}, f.err
}

func (f *fake) AdminRemoveUserFromGroup(_ context.Context, in *cip.AdminRemoveUserFromGroupInput, _ ...func(*cip.Options)) (*cip.AdminRemoveUserFromGroupOutput, error) {
	f.calls++
	f.last = in
	return &cip.AdminRemoveUserFromGroupOutput{}, f.err
}

func (f *fake) AdminDisableUser(_ context.Context, in *cip.AdminDisableUserInput, _ ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error) {
	f.calls++
	f.last = in
	return &cip.AdminDisableUserOutput{}, f.err
}

func (f *fake) AdminListGroupsForUser(_ context.Context, in *cip.AdminListGroupsForUserInput, _ ...func(*cip.Options)) (*cip.AdminListGroupsForUserOutput, error) {
	f.calls++
	f.last = in
	return &cip.AdminListGroupsForUserOutput{}, f.err
}

var cfg = cognito.Config{UserPoolID: "eu-west-1_AbC123", ClientID: "client-1"}

func newFake(t *testing.T, err error) (*cognito.Provider, *fake) {
	t.Helper()
	f := &fake{err: err}
	p, err := cognito.NewWithAPI(f, cfg)
	require.NoError(t, err)
	return p, f
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	signUp := func(p *cognito.Provider) error {
		_, err := p.SignUp(ctx, "a@example.com", "Passw0rd!", "A")
		return err
	}
	confirm := func(p *cognito.Provider) error { return p.ConfirmSignUp(ctx, "a@example.com", "123456") }
	signIn := func(p *cognito.Provider) error { _, err := p.SignIn(ctx, "a@example.com", "Passw0rd!"); return err }
	refresh := func(p *cognito.Provider) error { _, err := p.Refresh(ctx, "rt"); return err }
	add := func(p *cognito.Provider) error { return p.AddUserToGroup(ctx, "a@example.com", "Admin") }
	remove := func(p *cognito.Provider) error { return p.RemoveUserFromGroup(ctx, "sub-1", "Admin") }
	secret := "secret SDK detail"
	for _, tc := range []struct {
		name string
		call func(*cognito.Provider) error
		err  error
		code apperr.Code
		msg  string
	}{
		{"sign-up duplicate", signUp, &types.UsernameExistsException{Message: aws.String(secret)}, apperr.Conflict, account.MsgEmailExists},
		{"sign-up weak password", signUp, &types.InvalidPasswordException{Message: aws.String("Password did not conform with policy: Password not long enough")},
			apperr.BadRequest, "Password did not conform with policy: Password not long enough"},
		{"sign-up bad attribute", signUp, &types.InvalidParameterException{Message: aws.String("Invalid email address format.")},
			apperr.BadRequest, "Invalid email address format."},
		{"sign-up throttled", signUp, &types.TooManyRequestsException{Message: aws.String(secret)}, apperr.Unavailable, "too many requests, retry later"},
		{"sign-up unknown", signUp, &types.InvalidLambdaResponseException{Message: aws.String(secret)}, apperr.Internal, "internal error"},
		{"confirm mismatch", confirm, &types.CodeMismatchException{Message: aws.String(secret)}, apperr.BadRequest, account.MsgCodeMismatch},
		{"confirm expired", confirm, &types.ExpiredCodeException{Message: aws.String(secret)}, apperr.BadRequest, account.MsgCodeExpired},
		{"confirm unknown user", confirm, &types.UserNotFoundException{Message: aws.String(secret)}, apperr.BadRequest, account.MsgCodeMismatch},
		{"confirm confirmed", confirm, &types.NotAuthorizedException{Message: aws.String(secret)}, apperr.BadRequest, account.MsgCodeMismatch},
		{"sign-in wrong password", signIn, &types.NotAuthorizedException{Message: aws.String(secret)}, apperr.Unauthorized, account.MsgIncorrectCredentials},
		{"sign-in locked out", signIn, &types.NotAuthorizedException{Message: aws.String(account.MsgAttemptsExceeded)}, apperr.Unauthorized, account.MsgAttemptsExceeded},
		{"sign-in unknown user", signIn, &types.UserNotFoundException{Message: aws.String(secret)}, apperr.Unauthorized, account.MsgIncorrectCredentials},
		{"sign-in cognito-local wrong password", signIn, &types.InvalidPasswordException{Message: aws.String(secret)}, apperr.Unauthorized, account.MsgIncorrectCredentials},
		{"sign-in unconfirmed", signIn, &types.UserNotConfirmedException{Message: aws.String(secret)}, apperr.Unauthorized, account.MsgNotConfirmed},
		{"sign-in throttled", signIn, &smithy.GenericAPIError{Code: "ThrottlingException", Message: secret}, apperr.Unavailable, "too many requests, retry later"},
		{"refresh bogus", refresh, &types.NotAuthorizedException{Message: aws.String(secret)}, apperr.Unauthorized, account.MsgInvalidRefreshToken},
		{"group unknown user", add, &types.UserNotFoundException{Message: aws.String(secret)}, apperr.NotFound, account.MsgUserNotFound},
		{"group unknown group", remove, &types.ResourceNotFoundException{Message: aws.String("Group not found.")}, apperr.NotFound, account.MsgGroupNotFound},
		{"group unknown pool", remove, &types.ResourceNotFoundException{Message: aws.String("User pool " + secret + " does not exist.")}, apperr.Internal, "internal error"},
		{"group denied", add, &types.NotAuthorizedException{Message: aws.String(secret)}, apperr.Internal, "internal error"},
		{"cancelled", add, fmt.Errorf("op: %w", context.Canceled), apperr.Unavailable, "request cancelled or timed out"},
		{"unreachable", signIn, &smithyhttp.RequestSendError{Err: errors.New("dial tcp: connection refused")}, apperr.Unavailable, "the identity provider is unreachable, retry later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newFake(t, &smithy.OperationError{ServiceID: "Cognito", OperationName: "X", Err: tc.err})
			err := tc.call(p)
			require.Equal(t, tc.code, apperr.CodeOf(err), "%v", err)
			require.Equal(t, tc.msg, apperr.MessageOf(err))
			require.NotContains(t, apperr.MessageOf(err), secret)
		})
	}
}

// TestSignInFailuresAreIdentical: every "wrong credentials" answer is the same error,
// down to its string (no cause attached).
func TestSignInFailuresAreIdentical(t *testing.T) {
	var seen []string
	for _, err := range []error{
		&types.NotAuthorizedException{Message: aws.String("Incorrect username or password.")},
		&types.UserNotFoundException{Message: aws.String("User does not exist.")},
		&types.InvalidPasswordException{Message: aws.String("Invalid password")},
	} {
		p, _ := newFake(t, err)
		_, got := p.SignIn(context.Background(), "a@example.com", "x")
		seen = append(seen, got.Error())
	}
	require.Equal(t, seen[0], seen[1])
	require.Equal(t, seen[0], seen[2])
}

func token(exp int64) string {
	payload := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"exp":%d}`, exp))
	return "e30." + payload + ".sig"
}

func TestSessionFromAuthenticationResult(t *testing.T) {
	ctx := context.Background()
	p, f := newFake(t, nil)
	exp := time.Now().Add(time.Hour).Unix()
	f.out = &cip.InitiateAuthOutput{AuthenticationResult: &types.AuthenticationResultType{
		IdToken: aws.String(token(exp)), AccessToken: aws.String("access"), RefreshToken: aws.String("refresh"),
	}}
	s, err := p.SignIn(ctx, " A@Example.com ", "pw")
	require.NoError(t, err)
	require.InDelta(t, 3600, s.ExpiresIn, 2, "ExpiresIn 0 falls back to the ID token's exp")
	require.Equal(t, "refresh", s.RefreshToken)
	in := f.last.(*cip.InitiateAuthInput)
	require.Equal(t, types.AuthFlowTypeUserPasswordAuth, in.AuthFlow)
	require.Equal(t, "a@example.com", in.AuthParameters["USERNAME"], "emails are sent lower-cased")

	f.out.AuthenticationResult.ExpiresIn = 300
	f.out.AuthenticationResult.RefreshToken = nil
	s, err = p.Refresh(ctx, "the-refresh-token")
	require.NoError(t, err)
	require.Equal(t, 300, s.ExpiresIn)
	require.Equal(t, "the-refresh-token", s.RefreshToken, "Cognito sends no new refresh token; the session keeps it")
	require.Equal(t, types.AuthFlowTypeRefreshTokenAuth, f.last.(*cip.InitiateAuthInput).AuthFlow)

	f.out = &cip.InitiateAuthOutput{ChallengeName: types.ChallengeNameTypeNewPasswordRequired}
	_, err = p.SignIn(ctx, "a@example.com", "pw")
	require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err))
	require.Contains(t, apperr.MessageOf(err), "NEW_PASSWORD_REQUIRED")
}

func TestRequestsCarryPoolAndClient(t *testing.T) {
	ctx := context.Background()
	p, f := newFake(t, nil)
	sub, err := p.SignUp(ctx, "Ada@Example.com", "Passw0rd!", " Ada ")
	require.NoError(t, err)
	require.Equal(t, "sub-1", sub)
	su := f.last.(*cip.SignUpInput)
	require.Equal(t, "client-1", aws.ToString(su.ClientId))
	require.Equal(t, "ada@example.com", aws.ToString(su.Username))
	require.Len(t, su.UserAttributes, 2)
	require.Equal(t, "ada@example.com", aws.ToString(su.UserAttributes[0].Value))
	require.Equal(t, "Ada", aws.ToString(su.UserAttributes[1].Value))

	require.NoError(t, p.AddUserToGroup(ctx, "Ada@Example.com", "Admin"))
	ag := f.last.(*cip.AdminAddUserToGroupInput)
	require.Equal(t, "eu-west-1_AbC123", aws.ToString(ag.UserPoolId))
	require.Equal(t, "ada@example.com", aws.ToString(ag.Username))

	calls := f.calls
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(p.ConfirmSignUp(ctx, "ada@example.com", "")))
	require.Equal(t, calls, f.calls, "an empty code is refused without a call")
}

func TestConfig(t *testing.T) {
	require.Equal(t, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123", cfg.Issuer())
	require.Equal(t, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json", cfg.JWKSURL())
	local := cognito.Config{UserPoolID: "local_x", ClientID: "c", Endpoint: "http://127.0.0.1:9229/"}
	require.Equal(t, "http://127.0.0.1:9229/local_x", local.Issuer())
	for _, bad := range []cognito.Config{{ClientID: "c"}, {UserPoolID: "p_1"}, {UserPoolID: "nounderscore", ClientID: "c"}} {
		_, err := cognito.NewWithAPI(&fake{}, bad)
		require.Error(t, err)
	}
	_, err := cognito.New(context.Background(), cognito.Config{UserPoolID: "local_x", ClientID: "c", Endpoint: "http://127.0.0.1:1"})
	require.NoError(t, err)
}
