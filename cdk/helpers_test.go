package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// go test does not read cdk.json (the CLI passes it to the app in CDK_CONTEXT_JSON), so
// every test app is built with cdk.json's context plus the test's overrides: the tests see
// the same feature flags `cdk synth` sees.

var (
	tmpRoot       string // removed by TestMain
	dummyLambda   string // a directory with a dummy bootstrap
	dummyDocker   string // a Docker build context with a dummy Dockerfile
	cachedMu      sync.Mutex
	cachedApps    = map[string]*testApp{}
	cachedContext map[string]any
)

func TestMain(m *testing.M) {
	code := func() int {
		var err error
		if tmpRoot, err = os.MkdirTemp("", "skygraph-cdk-test-"); err != nil {
			panic(err)
		}
		defer os.RemoveAll(tmpRoot)
		dummyLambda = filepath.Join(tmpRoot, "lambda")
		dummyDocker = filepath.Join(tmpRoot, "docker")
		must(os.MkdirAll(dummyLambda, 0o755))
		must(os.MkdirAll(dummyDocker, 0o755))
		must(os.WriteFile(filepath.Join(dummyLambda, "bootstrap"), []byte("#!/bin/sh\nexit 0\n"), 0o755))
		must(os.WriteFile(filepath.Join(dummyDocker, "Dockerfile"), []byte("FROM scratch\n"), 0o644))
		defer jsii.Close()
		return m.Run()
	}()
	os.Exit(code)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// cdkJSONContext is the "context" object of cdk.json.
func cdkJSONContext(t *testing.T) map[string]any {
	t.Helper()
	cachedMu.Lock()
	defer cachedMu.Unlock()
	if cachedContext == nil {
		b, err := os.ReadFile("cdk.json")
		if err != nil {
			t.Fatalf("read cdk.json: %v", err)
		}
		var f struct {
			App     string         `json:"app"`
			Context map[string]any `json:"context"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("parse cdk.json: %v", err)
		}
		if f.App == "" || len(f.Context) == 0 {
			t.Fatalf("cdk.json: want an app command and a context of feature flags")
		}
		cachedContext = f.Context
	}
	out := make(map[string]any, len(cachedContext))
	for k, v := range cachedContext {
		out[k] = v
	}
	return out
}

// testApp is one synthesized app with its stacks' templates.
type testApp struct {
	App       awscdk.App
	Sky       *Skygraph
	templates map[string]map[string]any
}

// Named configurations shared by the tests (each is synthesized once per test binary).
var configs = map[string]map[string]any{
	"lambda":  {},
	"fargate": {ctxFlavour: flavourFargate},
	// Every Lambda-flavour option on at once (each test checks one option's effect
	// against "lambda", where it is off).
	"lambda-all": {
		ctxRegion:              "eu-west-1",
		ctxTableKMS:            true,
		ctxReplicaRegions:      "eu-central-1,us-east-1",
		ctxReplicaKeyArns:      `{"eu-central-1":"arn:aws:kms:eu-central-1:111122223333:key/replica-1","us-east-1":"arn:aws:kms:us-east-1:111122223333:key/replica-2"}`,
		ctxReservedConcurrency: "7",
		ctxFunctionURL:         "true",
		ctxThrottleRate:        "5",
		ctxThrottleBurst:       "10",
		ctxJobsDLQ:             true,
		ctxCorsOrigins:         "https://app.example.com",
		ctxLogRetentionDays:    90,
	},
	// Every Fargate-flavour option on at once.
	"fargate-all": {
		ctxFlavour:        flavourFargate,
		ctxRegion:         "eu-west-1",
		ctxTableKMS:       "true",
		ctxWAF:            "true",
		ctxWAFRateLimit:   "500",
		ctxCertificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/test",
	},
}

// app returns the synthesized app of a named configuration.
func app(t *testing.T, name string) *testApp {
	t.Helper()
	cachedMu.Lock()
	a := cachedApps[name]
	cachedMu.Unlock()
	if a != nil {
		return a
	}
	overrides, ok := configs[name]
	if !ok {
		t.Fatalf("no test configuration %q", name)
	}
	a = newTestApp(t, overrides)
	cachedMu.Lock()
	cachedApps[name] = a
	cachedMu.Unlock()
	return a
}

// newTestApp builds and synthesizes an app from cdk.json's context plus overrides. The
// function and image assets are dummies unless the overrides name others.
func newTestApp(t *testing.T, overrides map[string]any) *testApp {
	t.Helper()
	ctx := cdkJSONContext(t)
	ctx[ctxLambdaAsset] = dummyLambda
	ctx[ctxDockerContext] = dummyDocker
	for k, v := range overrides {
		ctx[k] = v
	}
	outdir, err := os.MkdirTemp(tmpRoot, "cdk.out-")
	if err != nil {
		t.Fatal(err)
	}
	var a *testApp
	defer func() {
		// A cdk-nag error (or any annotation error) fails synth with ValidationFailed and
		// only names the report file: show the report's findings instead.
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(outdir, "validation-report.json")); err == nil {
				t.Logf("validation report:\n%s", summarizeReport(b))
			}
		}
	}()
	protect(t, "build the app", func() {
		cdkApp := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(outdir)})
		sky, err := NewSkygraph(cdkApp)
		if err != nil {
			t.Fatalf("NewSkygraph: %v", err)
		}
		a = &testApp{App: cdkApp, Sky: sky, templates: map[string]map[string]any{}}
		// Synthesize once: a cdk-nag error fails here (annotationsInValidationReport).
		cdkApp.Synth(nil)
	})
	return a
}

// protect runs f and turns a panic (a failed jsii assertion, a synth error) into a test
// failure with its message, instead of a crash of the whole test binary.
func protect(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: %v", what, r)
		}
	}()
	f()
}

// stacks are the app's stacks by name.
func (a *testApp) stacks() map[string]awscdk.Stack {
	m := map[string]awscdk.Stack{stackData: a.Sky.Data.Stack, stackAuth: a.Sky.Auth.Stack}
	if a.Sky.Lambda != nil {
		m[stackLambda] = a.Sky.Lambda.Stack
	}
	if a.Sky.Fargate != nil {
		m[stackFargate] = a.Sky.Fargate.Stack
	}
	return m
}

// assertT is the assertions API's template of a stack.
func (a *testApp) assertT(t *testing.T, stack awscdk.Stack) assertions.Template {
	t.Helper()
	var tpl assertions.Template
	protect(t, "template of "+*stack.StackName(), func() { tpl = assertions.Template_FromStack(stack, nil) })
	return tpl
}

// template is a stack's template as plain JSON values.
func (a *testApp) template(t *testing.T, stack awscdk.Stack) map[string]any {
	t.Helper()
	name := *stack.StackName()
	cachedMu.Lock()
	tpl := a.templates[name]
	cachedMu.Unlock()
	if tpl != nil {
		return tpl
	}
	protect(t, "template of "+name, func() {
		raw := assertions.Template_FromStack(stack, nil).ToJSON()
		// Round-trip through JSON so every value is a plain map/slice/string/float64/bool.
		b, err := json.Marshal(*raw)
		if err != nil {
			t.Fatal(err)
		}
		must(json.Unmarshal(b, &tpl))
	})
	cachedMu.Lock()
	a.templates[name] = tpl
	cachedMu.Unlock()
	return tpl
}

// resources returns the template's resources of one type, by logical id.
func resources(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := tpl["Resources"].(map[string]any)
	for id, r := range res {
		rm := r.(map[string]any)
		if rm["Type"] == typ {
			out[id] = rm
		}
	}
	return out
}

// only returns the one resource of a type, failing when there is not exactly one.
func only(t *testing.T, tpl map[string]any, typ string) map[string]any {
	t.Helper()
	rs := resources(tpl, typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, found %d", typ, len(rs))
	}
	for _, r := range rs {
		return r
	}
	return nil
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// get walks a path of keys (and, for slices, decimal indexes) through JSON values.
func get(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// jsonString renders a value for messages and substring checks.
func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// strs converts a JSON string or list of strings to a sorted []string.
func strs(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = []string{x}
	case []any:
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
	}
	sort.Strings(out)
	return out
}

// policyStatements are all the IAM statements of a template: AWS::IAM::Policy documents
// and roles' inline policies, with the logical id they come from.
type statement struct {
	From string
	Body map[string]any
}

func policyStatements(tpl map[string]any) []statement {
	var out []statement
	add := func(from string, doc any) {
		for _, s := range asList(get(doc, "Statement")) {
			out = append(out, statement{From: from, Body: s.(map[string]any)})
		}
	}
	for id, r := range resources(tpl, "AWS::IAM::Policy") {
		add(id, props(r)["PolicyDocument"])
	}
	for id, r := range resources(tpl, "AWS::IAM::Role") {
		for _, p := range asList(props(r)["Policies"]) {
			add(id, get(p, "PolicyDocument"))
		}
	}
	return out
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	default:
		return []any{x}
	}
}

// envOf is a Lambda function's or container's environment as name → JSON of the value.
func envOf(vars any) map[string]string {
	out := map[string]string{}
	switch x := vars.(type) {
	case map[string]any: // Lambda: {"Variables": {...}}
		for k, v := range x {
			out[k] = jsonString(v)
		}
	case []any: // ECS: [{"Name":..., "Value":...}]
		for _, e := range x {
			out[fmt.Sprint(get(e, "Name"))] = jsonString(get(e, "Value"))
		}
	}
	return out
}

var wildcard = regexp.MustCompile(`\*`)

// mustFail asserts that LoadConfig rejects a context with a message containing want.
func mustFail(t *testing.T, ctx map[string]any, want string) {
	t.Helper()
	_, err := LoadConfig(func(k string) any { return ctx[k] })
	if err == nil {
		t.Fatalf("LoadConfig(%v): want an error containing %q, got none", ctx, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("LoadConfig(%v): error %q does not contain %q", ctx, err, want)
	}
}

// summarizeReport lists the violations of a validation report, one line each.
func summarizeReport(b []byte) string {
	var rep struct {
		PluginReports []struct {
			Violations []struct {
				RuleName            string `json:"ruleName"`
				Description         string `json:"description"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.PluginReports) == 0 {
		if len(b) > 4000 {
			b = b[:4000]
		}
		return string(b)
	}
	var lines []string
	for _, p := range rep.PluginReports {
		for _, v := range p.Violations {
			var paths []string
			for _, c := range v.ViolatingConstructs {
				paths = append(paths, c.ConstructPath)
			}
			d := v.Description
			if len(d) > 160 {
				d = d[:160] + "…"
			}
			lines = append(lines, fmt.Sprintf("  %s at %s: %s", v.RuleName, strings.Join(paths, ", "), d))
		}
	}
	return strings.Join(lines, "\n")
}
