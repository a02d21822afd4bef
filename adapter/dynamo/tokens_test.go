package dynamo_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/internal/apperr"
)

func TestTokenRoundTripAndBinding(t *testing.T) {
	tok, err := dynamo.NewTokenizer([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	key := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "FLIGHT#1"}, "SK": &types.AttributeValueMemberS{Value: "FLIGHT"},
	}
	s, err := tok.Seal(key, "scope-a")
	require.NoError(t, err)
	require.NotContains(t, s, "FLIGHT", "tokens are opaque")
	got, err := tok.Open(s, "scope-a")
	require.NoError(t, err)
	require.Equal(t, key, got)

	s2, err := tok.Seal(key, "scope-a")
	require.NoError(t, err)
	require.NotEqual(t, s, s2, "a fresh nonce per token")

	_, err = tok.Open(s, "scope-b")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))

	other, err := dynamo.NewTokenizer([]byte("another secret of enough length!"))
	require.NoError(t, err)
	_, err = other.Open(s, "scope-a")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "a token from another deployment is rejected")

	_, err = tok.Seal(map[string]types.AttributeValue{"N": &types.AttributeValueMemberN{Value: "1"}}, "x")
	require.Error(t, err)
	_, err = dynamo.NewTokenizer([]byte("short"))
	require.Error(t, err)
}

func FuzzTokenOpen(f *testing.F) {
	tok, err := dynamo.NewTokenizer([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(f, err)
	good, err := tok.Seal(map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "x"}}, "s")
	require.NoError(f, err)
	f.Add(good)
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := tok.Open(s, "s")
		if err != nil {
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
			return
		}
		require.NotNil(t, key)
	})
}
