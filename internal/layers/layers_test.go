package layers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/layers"
)

// TestModuleFollowsLayerRules checks the real module.
func TestModuleFollowsLayerRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", layers.Module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var pkgs []layers.Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p layers.Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	var seen []string
	for _, p := range pkgs {
		seen = append(seen, p.ImportPath)
	}
	require.Contains(t, seen, layers.Module+"/resolvers", "the check must see the resolvers")
	require.Contains(t, seen, layers.Module+"/domain/flight", "the check must see a domain package")
	require.Empty(t, layers.Check(pkgs, layers.Rules))
	require.Empty(t, layers.TopLevel(pkgs), "every package belongs in one of layers.Roots")
}

// TestCheckCatchesViolations proves the rules fire: a resolvers package that reaches
// dynamo (even indirectly), and a domain package that imports gqlgen or the AWS SDK.
func TestCheckCatchesViolations(t *testing.T) {
	m := layers.Module
	pkgs := []layers.Package{
		{ImportPath: m + "/resolvers", Deps: []string{m + "/domain/flight", m + "/adapter/dynamo"}},
		{ImportPath: m + "/loaders", Deps: []string{"github.com/aws/aws-sdk-go-v2/service/dynamodb"}},
		{ImportPath: m + "/domain/booking", Deps: []string{"github.com/99designs/gqlgen/graphql"}},
		{ImportPath: m + "/domain/flight", Deps: []string{"github.com/aws/smithy-go", m + "/internal/apperr"}},
		{ImportPath: m + "/graph", Deps: []string{m + "/adapter/dynamo/embedded"}},
		{ImportPath: m + "/adapter/cognito", Deps: []string{m + "/resolvers"}},
		// Allowed edges.
		{ImportPath: m + "/adapter/dynamo", Deps: []string{"github.com/aws/aws-sdk-go-v2", m + "/domain/flight"}},
		{ImportPath: m + "/resolvers", Deps: []string{m + "/adapterish-not-really"}},
		{ImportPath: m + "/app", Deps: []string{m + "/adapter/dynamo", m + "/resolvers"}},
	}
	got := layers.Check(pkgs, layers.Rules)
	require.Len(t, got, 6, "%q", got)
	require.Contains(t, got[5], m+"/resolvers imports "+m+"/adapter/dynamo ")
	require.True(t, layers.IsDomain(m+"/domain/booking"))
	require.False(t, layers.IsDomain(m+"/adapter/dynamo/dynamotest"))
	require.False(t, layers.IsDomain(m))
	require.Equal(t, []string{m + "/stray"}, layers.TopLevel([]layers.Package{
		{ImportPath: m}, {ImportPath: m + "/stray"}, {ImportPath: m + "/domain/order"}, {ImportPath: m + "/app/demo"},
	}))
}
