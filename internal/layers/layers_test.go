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
}

// TestCheckCatchesViolations proves the rules fire: a resolvers package that reaches
// dynamo (even indirectly), and a domain package that imports gqlgen or the AWS SDK.
func TestCheckCatchesViolations(t *testing.T) {
	m := layers.Module
	pkgs := []layers.Package{
		{ImportPath: m + "/resolvers", Deps: []string{m + "/flight", m + "/dynamo"}},
		{ImportPath: m + "/loaders", Deps: []string{"github.com/aws/aws-sdk-go-v2/service/dynamodb"}},
		{ImportPath: m + "/booking", Deps: []string{"github.com/99designs/gqlgen/graphql"}},
		{ImportPath: m + "/flight", Deps: []string{"github.com/aws/smithy-go", m + "/apperr"}},
		{ImportPath: m + "/graph", Deps: []string{m + "/dynamo/embedded"}},
		// Allowed edges.
		{ImportPath: m + "/dynamo", Deps: []string{"github.com/aws/aws-sdk-go-v2", m + "/flight"}},
		{ImportPath: m + "/resolvers", Deps: []string{m + "/dynamodb-not-really"}},
		{ImportPath: m + "/app", Deps: []string{m + "/dynamo", m + "/resolvers"}},
	}
	got := layers.Check(pkgs, layers.Rules)
	require.Len(t, got, 5, "%q", got)
	require.Contains(t, got[4], m+"/resolvers imports "+m+"/dynamo ")
	require.True(t, layers.IsDomain(m+"/booking"))
	require.False(t, layers.IsDomain(m+"/dynamo/dynamotest"))
	require.False(t, layers.IsDomain(m))
}
