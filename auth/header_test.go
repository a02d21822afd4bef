package auth_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/internal/apperr"
)

func TestTokenFromHeader(t *testing.T) {
	const jwt = "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	for _, tc := range []struct {
		name    string
		header  string
		token   string
		present bool
		bad     bool
	}{
		{name: "no header", header: "", present: false},
		{name: "blank header", header: "   ", present: false},
		{name: "bare token (Amplify)", header: jwt, token: jwt, present: true},
		{name: "bare token with surrounding spaces", header: "  " + jwt + " ", token: jwt, present: true},
		{name: "Bearer token", header: "Bearer " + jwt, token: jwt, present: true},
		{name: "lower-case scheme", header: "bearer " + jwt, token: jwt, present: true},
		{name: "upper-case scheme", header: "BEARER " + jwt, token: jwt, present: true},
		{name: "several spaces after the scheme", header: "Bearer    " + jwt + "  ", token: jwt, present: true},
		{name: "tab after the scheme", header: "Bearer\t" + jwt, token: jwt, present: true},
		{name: "Bearer with no token", header: "Bearer", present: true, bad: true},
		{name: "Bearer and spaces only", header: "Bearer   ", present: true, bad: true},
		{name: "lower-case bearer with no token", header: " bearer ", present: true, bad: true},
		{name: "Basic scheme", header: "Basic dXNlcjpwYXNzd29yZA==", present: true, bad: true},
		{name: "Digest scheme", header: `Digest username="u", realm="r"`, present: true, bad: true},
		{name: "token with an inner space", header: "Bearer " + jwt + " extra", present: true, bad: true},
		{name: "Bearer twice", header: "Bearer Bearer " + jwt, present: true, bad: true},
		{name: "bare value with inner space", header: jwt + " " + jwt, present: true, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, present, err := auth.TokenFromHeader(tc.header)
			require.Equal(t, tc.present, present)
			if !tc.bad {
				require.NoError(t, err)
				require.Equal(t, tc.token, token)
				return
			}
			require.Error(t, err)
			require.Empty(t, token)
			require.True(t, apperr.Is(err, apperr.Unauthorized), "%v", err)
			require.Equal(t, "Valid authorization header not provided.", apperr.MessageOf(err))
			require.NotContains(t, err.Error(), jwt, "the header is never echoed")
			require.NotContains(t, err.Error(), "dXNlcjpwYXNzd29yZA", "the header is never echoed")
		})
	}
}
