package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUnauthorizedHeaderReachesBrowsers: AWS Amplify v6 tells an auth failure from any
// other error only by the response header x-amzn-ErrorType: UnauthorizedException, which
// AppSync sends with every 401. A browser frontend on another origin can read a response
// header only if CORS exposes it, so this goes through a real listener and a real HTTP
// client, with an Origin, as the frontend's fetch does: the 401 carries the header and
// Access-Control-Expose-Headers names it.
func TestUnauthorizedHeaderReachesBrowsers(t *testing.T) {
	e := embeddedEnv(t, nil)
	srv := httptest.NewServer(e.app.Handler)
	t.Cleanup(srv.Close)

	type response struct {
		status int
		header http.Header
		body   []byte
	}
	send := func(authorization string) response {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql",
			strings.NewReader(`{"query":"{ listFlights(limit: 1) { items { id } } }"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://app.example.com")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer func() { _ = res.Body.Close() }()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return response{res.StatusCode, res.Header, body}
	}
	exposed := func(res response) []string {
		var names []string
		for _, v := range res.header.Values("Access-Control-Expose-Headers") {
			for n := range strings.SplitSeq(v, ",") {
				names = append(names, strings.ToLower(strings.TrimSpace(n)))
			}
		}
		return names
	}

	res := send("Bearer not.a.token")
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, "UnauthorizedException", res.header.Get("x-amzn-ErrorType"))
	require.Contains(t, exposed(res), "x-amzn-errortype")
	require.Contains(t, exposed(res), "x-amzn-requestid")
	var body struct {
		Errors []struct{ ErrorType string } `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(res.body, &body))
	require.Equal(t, "UnauthorizedException", body.Errors[0].ErrorType)

	// A successful call has no error type.
	res = send("")
	require.Equal(t, http.StatusOK, res.status)
	require.Empty(t, res.header.Get("x-amzn-ErrorType"))
}
