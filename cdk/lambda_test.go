package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func TestFunction(t *testing.T) {
	a := app(t, "lambda")
	tpl := a.template(t, a.Sky.Lambda.Stack)
	fn := props(only(t, tpl, "AWS::Lambda::Function"))
	if fn["Runtime"] != "provided.al2023" {
		t.Errorf("Runtime = %v, want provided.al2023", fn["Runtime"])
	}
	if got := jsonString(fn["Architectures"]); got != `["arm64"]` {
		t.Errorf("Architectures = %s, want [arm64]", got)
	}
	if fn["Handler"] != "bootstrap" {
		t.Errorf("Handler = %v, want bootstrap", fn["Handler"])
	}
	if fn["ReservedConcurrentExecutions"] != nil {
		t.Errorf("ReservedConcurrentExecutions = %v without reservedConcurrency, want unset", fn["ReservedConcurrentExecutions"])
	}
	env := envOf(get(fn, "Environment", "Variables"))
	for name, want := range map[string]string{
		"SKYGRAPH_PLAYGROUND":    `"false"`,
		"SKYGRAPH_INTROSPECTION": `"false"`,
	} {
		if env[name] != want {
			t.Errorf("env %s = %s, want %s", name, env[name], want)
		}
	}
	for name, ref := range map[string]string{
		"SKYGRAPH_TABLE":                "ImportValue",
		"SKYGRAPH_COGNITO_USER_POOL_ID": "ImportValue",
		"SKYGRAPH_COGNITO_CLIENT_IDS":   "ImportValue",
		"SKYGRAPH_TOKEN_SECRET_ARN":     "TokenSecret",
	} {
		if !strings.Contains(env[name], ref) {
			t.Errorf("env %s = %s, want a reference (%s)", name, env[name], ref)
		}
	}
	for name := range env {
		if name == "SKYGRAPH_TOKEN_SECRET" || name == "AWS_REGION" {
			t.Errorf("env %s must not be set on the function (secret in plain text / reserved by Lambda)", name)
		}
	}
	if _, ok := env["SKYGRAPH_CORS_ORIGINS"]; ok {
		t.Error("SKYGRAPH_CORS_ORIGINS set without corsOrigins")
	}
	if got := envOf(get(props(only(t, app(t, "lambda-all").template(t, app(t, "lambda-all").Sky.Lambda.Stack), "AWS::Lambda::Function")), "Environment", "Variables"))["SKYGRAPH_CORS_ORIGINS"]; got != `"https://app.example.com"` {
		t.Errorf("corsOrigins: SKYGRAPH_CORS_ORIGINS = %s", got)
	}

	// The function logs to its own log group, which has a retention.
	logGroup := get(fn, "LoggingConfig", "LogGroup")
	if !strings.Contains(jsonString(logGroup), "FunctionLogs") {
		t.Errorf("LoggingConfig.LogGroup = %s, want the FunctionLogs group", jsonString(logGroup))
	}
	if get(fn, "LoggingConfig", "LogFormat") != "JSON" {
		t.Errorf("LoggingConfig.LogFormat = %v, want JSON", get(fn, "LoggingConfig", "LogFormat"))
	}
	// The role has no AWS managed policy (AWSLambdaBasicExecutionRole grants logs on "*").
	for id, r := range resources(tpl, "AWS::IAM::Role") {
		if props(r)["ManagedPolicyArns"] != nil {
			t.Errorf("role %s has managed policies %s", id, jsonString(props(r)["ManagedPolicyArns"]))
		}
	}
	if n := len(resources(tpl, "AWS::Lambda::Url")); n != 0 {
		t.Errorf("%d Function URLs without functionUrl, want 0", n)
	}
}

// Every log group the app creates has a retention: 30 days by default, logRetentionDays
// otherwise.
func TestLogRetention(t *testing.T) {
	for cfg, want := range map[string]float64{"lambda": 30, "lambda-all": 90, "fargate": 30, "fargate-all": 30} {
		a := app(t, cfg)
		n := 0
		for name, st := range a.stacks() {
			for id, lg := range resources(a.template(t, st), "AWS::Logs::LogGroup") {
				n++
				if got := props(lg)["RetentionInDays"]; got != want {
					t.Errorf("%s: %s/%s RetentionInDays = %v, want %v", cfg, name, id, got, want)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no log groups", cfg)
		}
	}
	mustFail(t, map[string]any{ctxLogRetentionDays: "31"}, "is not a CloudWatch Logs retention")
}

func TestHTTPAPI(t *testing.T) {
	a := app(t, "lambda")
	tpl := a.template(t, a.Sky.Lambda.Stack)
	api := props(only(t, tpl, "AWS::ApiGatewayV2::Api"))
	if api["ProtocolType"] != "HTTP" {
		t.Errorf("ProtocolType = %v, want HTTP", api["ProtocolType"])
	}
	var routes []string
	for _, r := range resources(tpl, "AWS::ApiGatewayV2::Route") {
		routes = append(routes, props(r)["RouteKey"].(string))
		if at := props(r)["AuthorizationType"]; at != nil && at != "NONE" {
			t.Errorf("route %v AuthorizationType %v: the server authenticates", props(r)["RouteKey"], at)
		}
	}
	sort.Strings(routes)
	if want := []string{"ANY /graphql", "GET /healthz"}; !reflect.DeepEqual(routes, want) {
		t.Errorf("routes %v, want %v", routes, want)
	}
	integ := props(only(t, tpl, "AWS::ApiGatewayV2::Integration"))
	if integ["IntegrationType"] != "AWS_PROXY" || integ["PayloadFormatVersion"] != "2.0" {
		t.Errorf("integration %s, want AWS_PROXY with payload 2.0", jsonString(integ))
	}

	stage := props(only(t, tpl, "AWS::ApiGatewayV2::Stage"))
	if stage["StageName"] != "$default" || stage["AutoDeploy"] != true {
		t.Errorf("stage %v (AutoDeploy %v), want $default auto-deployed", stage["StageName"], stage["AutoDeploy"])
	}
	if got := get(stage, "DefaultRouteSettings", "ThrottlingRateLimit"); got != float64(defaultThrottleRate) {
		t.Errorf("ThrottlingRateLimit = %v, want %v", got, defaultThrottleRate)
	}
	if got := get(stage, "DefaultRouteSettings", "ThrottlingBurstLimit"); got != float64(defaultThrottleBurst) {
		t.Errorf("ThrottlingBurstLimit = %v, want %v", got, defaultThrottleBurst)
	}
	dest := jsonString(get(stage, "AccessLogSettings", "DestinationArn"))
	if !strings.Contains(dest, "AccessLogs") {
		t.Errorf("AccessLogSettings.DestinationArn = %s, want the AccessLogs group", dest)
	}
	format, _ := get(stage, "AccessLogSettings", "Format").(string)
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		t.Errorf("access log format is not JSON: %v: %s", err, format)
	}
	for _, f := range []string{"requestId", "ip", "status", "routeKey", "integrationError"} {
		if fields[f] == "" {
			t.Errorf("access log format lacks %s: %s", f, format)
		}
	}

	// The same with the assertions API, as a cross-check of the JSON walk above.
	at := a.assertT(t, a.Sky.Lambda.Stack)
	protect(t, "stage access logs", func() {
		at.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), assertions.Match_ObjectLike(&map[string]any{
			"AccessLogSettings": assertions.Match_ObjectLike(&map[string]any{"Format": assertions.Match_StringLikeRegexp(jsii.String(`"requestId":"\$context.requestId"`))}),
		}))
	})
}

func TestThrottleContext(t *testing.T) {
	a := app(t, "lambda-all")
	stage := props(only(t, a.template(t, a.Sky.Lambda.Stack), "AWS::ApiGatewayV2::Stage"))
	if get(stage, "DefaultRouteSettings", "ThrottlingRateLimit") != 5.0 || get(stage, "DefaultRouteSettings", "ThrottlingBurstLimit") != 10.0 {
		t.Errorf("throttleRate=5 throttleBurst=10: DefaultRouteSettings %s", jsonString(stage["DefaultRouteSettings"]))
	}
	mustFail(t, map[string]any{ctxThrottleRate: "0"}, "must be > 0")
	mustFail(t, map[string]any{ctxThrottleBurst: "lots"}, "is not a number")
}

func TestReservedConcurrency(t *testing.T) {
	a := app(t, "lambda-all")
	fn := props(only(t, a.template(t, a.Sky.Lambda.Stack), "AWS::Lambda::Function"))
	if fn["ReservedConcurrentExecutions"] != 7.0 {
		t.Errorf("reservedConcurrency=7: ReservedConcurrentExecutions = %v", fn["ReservedConcurrentExecutions"])
	}
	mustFail(t, map[string]any{ctxReservedConcurrency: "-1"}, "must be ≥ 0")
	mustFail(t, map[string]any{ctxReservedConcurrency: "2.5"}, "is not a whole number")
}

func TestFunctionURL(t *testing.T) {
	a := app(t, "lambda-all")
	tpl := a.template(t, a.Sky.Lambda.Stack)
	url := props(only(t, tpl, "AWS::Lambda::Url"))
	if url["AuthType"] != "NONE" {
		t.Errorf("Function URL AuthType = %v, want NONE (the server authenticates)", url["AuthType"])
	}
	if get(tpl, "Outputs", "FunctionUrl") == nil {
		t.Error("no FunctionUrl output")
	}
}

// Both background jobs run every minute, with the job's name in the event; failed
// asynchronous invocations are not retried (the next tick is the retry).
func TestSchedules(t *testing.T) {
	a := app(t, "lambda")
	tpl := a.template(t, a.Sky.Lambda.Stack)
	var jobs []string
	for id, r := range resources(tpl, "AWS::Events::Rule") {
		p := props(r)
		if p["ScheduleExpression"] != "rate(1 minute)" {
			t.Errorf("rule %s ScheduleExpression = %v, want rate(1 minute)", id, p["ScheduleExpression"])
		}
		targets := asList(p["Targets"])
		if len(targets) != 1 {
			t.Fatalf("rule %s: %d targets, want 1", id, len(targets))
		}
		if !strings.Contains(jsonString(get(targets[0], "Arn")), "Function") {
			t.Errorf("rule %s target %s, want the function", id, jsonString(get(targets[0], "Arn")))
		}
		var input map[string]string
		if err := json.Unmarshal([]byte(get(targets[0], "Input").(string)), &input); err != nil {
			t.Fatalf("rule %s Input: %v", id, err)
		}
		jobs = append(jobs, input[jobField])
		if get(targets[0], "DeadLetterConfig") != nil {
			t.Errorf("rule %s has a dead-letter queue without jobsDlq", id)
		}
	}
	sort.Strings(jobs)
	if want := []string{"booking-recovery", "waitlist-notifier"}; !reflect.DeepEqual(jobs, want) {
		t.Errorf("scheduled jobs %v, want %v", jobs, want)
	}
	cfg := props(only(t, tpl, "AWS::Lambda::EventInvokeConfig"))
	if cfg["MaximumRetryAttempts"] != 0.0 {
		t.Errorf("async MaximumRetryAttempts = %v, want 0", cfg["MaximumRetryAttempts"])
	}
	if cfg["DestinationConfig"] != nil {
		t.Errorf("async DestinationConfig %s without jobsDlq", jsonString(cfg["DestinationConfig"]))
	}
	if n := len(jobsQueues(tpl)); n != 0 {
		t.Errorf("%d jobs queues without jobsDlq, want 0", n)
	}
}

// jobsDlq: an encrypted, TLS-only queue receives both the events EventBridge could not
// deliver and the invocations that failed.
func TestJobsDLQ(t *testing.T) {
	a := app(t, "lambda-all")
	tpl := a.template(t, a.Sky.Lambda.Stack)
	var queueID string
	for id, q := range jobsQueues(tpl) {
		queueID = id
		if props(q)["SqsManagedSseEnabled"] != true {
			t.Errorf("queue %s: SqsManagedSseEnabled = %v, want true", id, props(q)["SqsManagedSseEnabled"])
		}
	}
	if queueID == "" || len(jobsQueues(tpl)) != 1 {
		t.Fatalf("want one jobs queue with jobsDlq, found %d", len(jobsQueues(tpl)))
	}
	sslOnly := false
	for _, qp := range resources(tpl, "AWS::SQS::QueuePolicy") {
		for _, s := range asList(get(props(qp), "PolicyDocument", "Statement")) {
			if get(s, "Effect") == "Deny" && get(s, "Condition", "Bool", "aws:SecureTransport") == "false" {
				sslOnly = true
			}
		}
	}
	if !sslOnly {
		t.Error("the queue policy does not deny requests without TLS")
	}
	for id, r := range resources(tpl, "AWS::Events::Rule") {
		if dlq := jsonString(get(asList(props(r)["Targets"])[0], "DeadLetterConfig", "Arn")); !strings.Contains(dlq, queueID) {
			t.Errorf("rule %s DeadLetterConfig %s, want the queue", id, dlq)
		}
	}
	cfg := props(only(t, tpl, "AWS::Lambda::EventInvokeConfig"))
	if d := jsonString(get(cfg, "DestinationConfig", "OnFailure", "Destination")); !strings.Contains(d, queueID) {
		t.Errorf("async OnFailure destination %s, want the queue", d)
	}
}

// Without build/lambda/bootstrap the app still synthesizes, with a placeholder and a warning.
func TestMissingLambdaAssetUsesPlaceholder(t *testing.T) {
	empty := filepath.Join(tmpRoot, "no-bootstrap")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, map[string]any{ctxLambdaAsset: empty})
	var n int
	protect(t, "warnings", func() {
		w := assertions.Annotations_FromStack(a.Sky.Lambda.Stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("placeholder")))
		n = len(*w)
	})
	if n != 1 {
		t.Errorf("%d placeholder warnings, want 1", n)
	}
	if b, err := os.ReadFile(filepath.Join(os.TempDir(), "skygraph-cdk-placeholder-lambda", "bootstrap")); err != nil || !strings.Contains(string(b), "exit 1") {
		t.Errorf("placeholder bootstrap: %v %q", err, b)
	}
}
