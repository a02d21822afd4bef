package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cognito/cognitotest"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
)

// TestCognitoLocalFlow is acceptance 1 against cognito-local: the server configured with
// a user pool signs users up, confirms and signs them in through Cognito's API, accepts
// both the ID and the access token it issues (verified against the pool's JWKS), reflects
// group membership in authorization, and refreshes sessions.
func TestCognitoLocalFlow(t *testing.T) {
	pool := cognitotest.NewPool(t)
	e := newEnvTB(t, dynamotest.Backends(t)[0], func(c *app.Config) {
		c.CognitoUserPoolID = pool.UserPoolID
		c.CognitoClientIDs = []string{pool.ClientID}
		c.CognitoEndpoint = pool.Endpoint
		c.CognitoIssuer = pool.Issuer
		c.CognitoJWKSURL = pool.JWKSURL
	})
	ctx := context.Background()

	signUp := func(email, password string) {
		var up struct{ SignUp struct{ UserID string } }
		e.client.MustPost(`mutation($e: String!, $p: String!) { signUp(email: $e, password: $p, name: "N") { userId } }`,
			&up, client.Var("e", email), client.Var("p", password))
		require.NotEmpty(t, up.SignUp.UserID)
		code, err := pool.ConfirmationCode(ctx, email)
		require.NoError(t, err)
		var ok struct{ ConfirmSignUp bool }
		e.client.MustPost(`mutation($e: String!, $c: String) { confirmSignUp(email: $e, code: $c) }`, &ok,
			client.Var("e", email), client.Var("c", code))
	}
	signUp("cust@example.com", "Cust1234!")
	signUp("boss@example.com", "Boss1234!")
	// The first Admin is made with the AWS API, as an operator would (README).
	_, err := pool.Client.AdminAddUserToGroup(ctx, &cognitoidentityprovider.AdminAddUserToGroupInput{
		UserPoolId: aws.String(pool.UserPoolID), Username: aws.String("boss@example.com"), GroupName: aws.String("Admin"),
	})
	require.NoError(t, err)

	var s struct {
		SignIn struct{ IDToken, AccessToken, RefreshToken string }
	}
	e.client.MustPost(`mutation { signIn(email: "cust@example.com", password: "Cust1234!") { idToken accessToken refreshToken } }`, &s)
	for name, tok := range map[string]string{"id": s.SignIn.IDToken, "access": "Bearer " + s.SignIn.AccessToken} {
		res, out := e.raw(t, createFlightDoc, nil, "Authorization", tok)
		require.Equal(t, http.StatusOK, res.Code, "%s token accepted", name)
		requireCode(t, out, "Unauthorized") // a customer, not an Admin
	}
	_, out := e.raw(t, `mutation { signIn(email: "cust@example.com", password: "Wrong1234!") { idToken } }`, nil)
	_, out2 := e.raw(t, `mutation { signIn(email: "ghost@example.com", password: "Wrong1234!") { idToken } }`, nil)
	require.Equal(t, firstError(t, out)["message"], firstError(t, out2)["message"])

	boss := e.signIn(t, "boss@example.com", "Boss1234!")
	_, out = e.raw(t, `mutation { addUserToGroup(userId: "cust@example.com", group: "Admin") }`, nil, "Authorization", boss)
	require.Nil(t, out["errors"])
	var r struct{ RefreshSession struct{ IDToken string } }
	e.client.MustPost(`mutation($t: String!) { refreshSession(refreshToken: $t) { idToken } }`, &r, client.Var("t", s.SignIn.RefreshToken))
	_, out = e.raw(t, createFlightDoc, nil, "Authorization", r.RefreshSession.IDToken)
	require.Nil(t, out["errors"], "the refreshed token carries the Admin group")

	// A token from the local identity provider (another issuer) is a 401 here.
	other := embeddedEnv(t, nil).signIn(t, demoEmail, demoPassword)
	res, _ := e.raw(t, `{ listFlights(limit: 1) { nextToken } }`, nil, "Authorization", other)
	require.Equal(t, http.StatusUnauthorized, res.Code)
}
