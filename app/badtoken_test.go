package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/auth/authtest"
)

// TestBadTokensAre401 is the acceptance "a table of at least 25 bad tokens, each rejected
// with 401 and no data … no bad token ever reaches a resolver", through the whole HTTP
// stack: every case of authtest.BadTokens that can be sent as an Authorization header (the
// table the verifier's unit tests run against Verify) goes to an app configured for a
// Cognito user pool whose keys authtest serves, and fails the request with HTTP 401,
// AppSync's UnauthorizedException, data null, no DynamoDB call and no JWKS request beyond
// the one refresh an unknown kid may cause. Token cases are sent both as "Bearer <token>"
// and bare, as Amplify sends them. Good tokens of the same pool get through (so the 401s
// are not a misconfiguration).
func TestBadTokensAre401(t *testing.T) {
	pool := authtest.NewEnv(t)
	e := newEnvTB(t, dynamotest.Backends(t)[0], func(c *app.Config) {
		c.CognitoUserPoolID = authtest.UserPoolID
		c.CognitoClientIDs = pool.ClientIDs
		c.CognitoEndpoint = "http://127.0.0.1:1" // never called: nobody signs in here
		c.CognitoIssuer = pool.Issuer
		c.CognitoJWKSURL = pool.JWKSURL
		c.Region = authtest.Region
	})
	require.Equal(t, int64(1), pool.JWKS.Hits(), "the app fetched the pool's keys at start")
	const query = `{ listFlights(limit: 1) { items { id } } }`

	now := time.Now()
	idToken, accessToken := authtest.IDToken(t, now), authtest.AccessToken(t, now)
	for _, good := range []struct{ name, header string }{
		{"ID token, bare", idToken},
		{"ID token, Bearer", "Bearer " + idToken},
		{"access token, bare", accessToken},
		{"access token, Bearer", "Bearer " + accessToken},
		{"ID token, surrounding whitespace", "  Bearer " + idToken + " "},
	} {
		t.Run("good/"+good.name, func(t *testing.T) {
			e.calls.Reset()
			res, out := e.raw(t, query, nil, "Authorization", good.header)
			require.Equal(t, http.StatusOK, res.Code, "%v", out)
			require.Nil(t, out["errors"])
			data, _ := out["data"].(map[string]any)
			list, _ := data["listFlights"].(map[string]any)
			items, _ := list["items"].([]any)
			require.Len(t, items, 1, "%v", out)
			require.Positive(t, e.calls.Total(), "the resolver read the store")
		})
	}
	require.Equal(t, int64(1), pool.JWKS.Hits(), "good tokens cause no JWKS request")

	cases := authtest.BadTokens(t)
	viaHTTP := 0
	for _, bt := range cases {
		if bt.Header != "" {
			viaHTTP++
		}
	}
	require.GreaterOrEqual(t, viaHTTP, 25)
	t.Logf("%d bad credentials sent as Authorization headers (%d cases in the table)", viaHTTP, len(cases))

	for _, bt := range cases {
		t.Run(bt.Name, func(t *testing.T) {
			if bt.Header == "" {
				t.Skip("not an HTTP case: " + bt.NotHTTP)
			}
			if bt.Setup != nil {
				bt.Setup(t, pool)
			}
			headers := []string{bt.Header}
			if !bt.HeaderOnly {
				headers = append(headers, bt.Token) // Amplify's form: the bare token
			}
			for _, h := range headers {
				hits := pool.JWKS.Hits()
				e.calls.Reset()
				res, out := e.raw(t, query, nil, "Authorization", h)
				require.Equal(t, http.StatusUnauthorized, res.Code, "%v", out)
				require.Equal(t, `Bearer error="invalid_token"`, res.Header().Get("WWW-Authenticate"))
				require.Equal(t, "UnauthorizedException", res.Header().Get("x-amzn-ErrorType"), "Amplify reads the auth failure from this header")
				er := firstError(t, out)
				require.Equal(t, "UnauthorizedException", er["errorType"])
				require.Equal(t, bt.Message(), er["message"])
				require.Contains(t, out, "data")
				require.Nil(t, out["data"])
				require.Zero(t, e.calls.Total(), "no resolver ran: the store was not touched")
				require.LessOrEqual(t, pool.JWKS.Hits()-hits, bt.Fetches, "JWKS requests")
				for _, part := range secretParts(h) {
					require.NotContains(t, res.Body.String(), part, "the credential is never echoed")
				}
			}
		})
	}
	require.LessOrEqual(t, pool.JWKS.Hits(), int64(2),
		"the whole table caused at most one JWKS refresh (the first unknown kid; the next ones are rate-limited)")

	logs := e.logs.String()
	require.Contains(t, logs, "authentication failed")
	for _, bt := range cases {
		for _, part := range secretParts(bt.Header) {
			require.NotContains(t, logs, part, "%s: the credential is never logged", bt.Name)
		}
	}
}

// secretParts are the pieces of an Authorization header long enough to identify it (JWT
// segments, a Basic credential).
func secretParts(header string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(header, func(r rune) bool { return r == '.' || r == ' ' || r == '\t' }) {
		if len(p) > 16 {
			out = append(out, p)
		}
	}
	return out
}
