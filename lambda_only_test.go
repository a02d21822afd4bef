package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cognito/cognitotest"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
)

// lambdaOnlyTags are `make lambda`'s build tags: the bootstrap the CDK app packages leaves
// out what Lambda never runs (app.LambdaOnly).
const lambdaOnlyTags = "lambda.norpc skygraph_lambda"

// lambdaOnlyBootstrap builds the Lambda-only bootstrap for the host, or returns
// $LAMBDA_BOOTSTRAP (`make lambda`'s artifact, run through $LAMBDA_EXEC_WRAPPER such as
// qemu-aarch64-static for the arm64 one).
func lambdaOnlyBootstrap(t testing.TB) []string {
	t.Helper()
	if argv := prebuiltBootstrap(t); argv != nil {
		return argv
	}
	return []string{buildBinary(t, "bootstrap", lambdaOnlyTags)}
}

// awsLikeEnv is the environment of the function as the CDK app deploys it, on the local
// stand-ins: an existing table (DynamoDB Local), a user pool (cognito-local, whose JWKS
// the verifier fetches at start as it fetches Cognito's), a given token secret (the
// deployment reads it from Secrets Manager, which has no stand-in here), no playground.
// Without the stand-ins the test is skipped, or fails where they are required.
func awsLikeEnv(t testing.TB, tmp string) []string {
	t.Helper()
	ddb, ok := dynamotest.Local(t)
	if !ok {
		t.Skip("DynamoDB Local not configured: `make test` and `make bench` run this")
	}
	table := dynamotest.NewTable(t, dynamotest.Client(t, ddb))
	pool := cognitotest.NewPool(t)
	return []string{
		"AWS_LAMBDA_FUNCTION_NAME=skygraph-test", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "_HANDLER=bootstrap", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"SKYGRAPH_TABLE=" + table, "SKYGRAPH_DYNAMODB_ENDPOINT=" + ddb.Endpoint,
		"SKYGRAPH_COGNITO_USER_POOL_ID=" + pool.UserPoolID, "SKYGRAPH_COGNITO_CLIENT_IDS=" + pool.ClientID,
		"SKYGRAPH_COGNITO_ENDPOINT=" + pool.Endpoint, "SKYGRAPH_COGNITO_ISSUER=" + pool.Issuer,
		"SKYGRAPH_COGNITO_JWKS_URL=" + pool.JWKSURL,
		"SKYGRAPH_TOKEN_SECRET=lambda-only-test-token-secret", "SKYGRAPH_PLAYGROUND=false", "SKYGRAPH_INTROSPECTION=false",
		"HOME=" + tmp, "TMPDIR=" + tmp,
	}
}

// TestLambdaOnlyBootstrapAnswers: the build `make lambda` ships (and the CDK app packages)
// answers on DynamoDB and Cognito's stand-ins as on AWS: a GraphQL search through an HTTP
// API event, a created flight found again, a job, and SIGTERM closes it.
func TestLambdaOnlyBootstrapAnswers(t *testing.T) {
	tmp := t.TempDir()
	env := awsLikeEnv(t, tmp)
	argv := lambdaOnlyBootstrap(t)
	rt := newFakeRuntimeAPI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*hangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(rt.srv.URL, "http://"))
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("bootstrap output:\n%s", logs.String())
		}
	})

	js := map[string]string{"content-type": "application/json"}
	invoke := func(body string) map[string]any {
		t.Helper()
		ev, err := json.Marshal(httpAPIEvent(http.MethodPost, "/graphql", "", body, false, js))
		require.NoError(t, err)
		res := rt.invoke(t, string(ev), hangGuard)
		require.Equal(t, "response", res.kind, "%s", res.body)
		var httpRes events.APIGatewayV2HTTPResponse
		require.NoError(t, json.Unmarshal(res.body, &httpRes))
		require.Equal(t, http.StatusOK, httpRes.StatusCode, httpRes.Body)
		return gqlResult(t, httpRes)
	}
	out := invoke(`{"query":"{ __typename }"}`)
	require.Equal(t, map[string]any{"__typename": "Query"}, out["data"])
	out = invoke(gqlBody(t, searchQuery, map[string]any{"d": tomorrow()}))
	require.Nil(t, out["errors"])
	require.Empty(t, out["data"].(map[string]any)["getFlightBySchedule"].(map[string]any)["items"], "a new table has no flights")

	res := rt.invoke(t, `{"skygraph-job": "booking-recovery"}`, hangGuard)
	require.Equal(t, "response", res.kind, "%s", res.body)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := <-exited
	exited <- err
	require.NoError(t, err, "exit status after SIGTERM")
	require.Contains(t, logs.String(), `"store":"dynamodb@`)
}

// TestLambdaOnlyBootstrapRefusesWhatItLeavesOut: configured for something the Lambda-only
// build leaves out, the bootstrap fails its start at once with the setting to change,
// before asking the Runtime API for an event (Lambda reports an init error), instead of
// answering every invocation with an error.
func TestLambdaOnlyBootstrapRefusesWhatItLeavesOut(t *testing.T) {
	argv := lambdaOnlyBootstrap(t)
	base := []string{"AWS_LAMBDA_FUNCTION_NAME=skygraph-test", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "HOME=" + t.TempDir()}
	aws := []string{"SKYGRAPH_TABLE=skygraph", "SKYGRAPH_COGNITO_USER_POOL_ID=us-east-1_AbC123", "SKYGRAPH_COGNITO_CLIENT_IDS=client-1"}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"embedded store", nil, "the embedded store is not in the Lambda-only build (tag skygraph_lambda): set SKYGRAPH_TABLE"},
		{"local identity provider", []string{"SKYGRAPH_TABLE=skygraph"}, "the local identity provider is not in the Lambda-only build"},
		{"redis relay", append(aws[:3:3], "SKYGRAPH_REDIS_URL=redis://127.0.0.1:6379"), "the Redis relay (SKYGRAPH_REDIS_URL) is not in the Lambda-only build"},
		{"playground", append(aws[:3:3], "SKYGRAPH_PLAYGROUND=true"), "the playground is not in the Lambda-only build"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := newFakeRuntimeAPI(t)
			ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Env = append(append(append([]string{}, base...), tc.env...), "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(rt.srv.URL, "http://"))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the start must fail: %s", out.String())
			require.Equal(t, 1, exit.ExitCode())
			require.Contains(t, out.String(), tc.want)
			require.Empty(t, rt.extensions, "refused before registering with the Runtime API")
		})
	}
}

// TestMakeLambdaBuildsTheLambdaOnlyBootstrap: the bootstrap these tests run is built with
// the tags of `make lambda`, whose output the CDK app packages and `make bench` measures.
func TestMakeLambdaBuildsTheLambdaOnlyBootstrap(t *testing.T) {
	mk, err := os.ReadFile("Makefile")
	require.NoError(t, err)
	_, recipe, ok := strings.Cut(string(mk), "\nlambda:\n")
	require.True(t, ok, "Makefile has a lambda target")
	recipe, _, _ = strings.Cut(recipe, "\n\n")
	require.Contains(t, recipe, "-tags '"+lambdaOnlyTags+"'")
	require.Contains(t, recipe, "-o build/lambda/bootstrap")
}
