package main

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

var allConfigs = []string{"lambda", "lambda-all", "fargate", "fargate-all"}

// No statement anywhere grants a wildcard action, and the server's statements name their
// resources exactly: the table, its two indexes, the pool; never "*".
func TestLeastPrivilege(t *testing.T) {
	for _, cfg := range allConfigs {
		t.Run(cfg, func(t *testing.T) {
			a := app(t, cfg)
			var serverStatements []statement
			for name, st := range a.stacks() {
				for _, s := range policyStatements(a.template(t, st)) {
					for _, act := range strs(s.Body["Action"]) {
						if act == "*" || strings.HasSuffix(act, ":*") {
							t.Errorf("%s/%s grants %q", name, s.From, act)
						}
					}
					if s.Body["NotAction"] != nil || s.Body["NotResource"] != nil {
						t.Errorf("%s/%s uses NotAction/NotResource: %s", name, s.From, jsonString(s.Body))
					}
					if sid, _ := s.Body["Sid"].(string); strings.HasPrefix(sid, "Skygraph") {
						serverStatements = append(serverStatements, s)
					}
					acts := jsonString(s.Body["Action"])
					if strings.Contains(acts, "dynamodb:") || strings.Contains(acts, "cognito-idp:") {
						for _, r := range asList(s.Body["Resource"]) {
							if wildcard.MatchString(jsonString(r)) {
								t.Errorf("%s/%s: DynamoDB/Cognito statement on a wildcard resource %s", name, s.From, jsonString(r))
							}
						}
					}
				}
			}
			bySid := map[string]statement{}
			for _, s := range serverStatements {
				bySid[s.Body["Sid"].(string)] = s
			}
			check := func(sid string, actions []string, resources ...string) {
				t.Helper()
				s, ok := bySid[sid]
				if !ok {
					t.Errorf("no %s statement", sid)
					return
				}
				want := append([]string(nil), actions...)
				sort.Strings(want)
				if got := strs(s.Body["Action"]); !reflect.DeepEqual(got, want) {
					t.Errorf("%s actions %v, want %v", sid, got, want)
				}
				got := asList(s.Body["Resource"])
				if len(got) != len(resources) {
					t.Errorf("%s resources %s, want %d", sid, jsonString(got), len(resources))
					return
				}
				for i, r := range resources {
					if !strings.Contains(jsonString(got[i]), r) {
						t.Errorf("%s resource %d = %s, want one containing %q", sid, i, jsonString(got[i]), r)
					}
				}
			}
			check("SkygraphTable", tableActions, "ImportValue")
			check("SkygraphTableIndexes", indexActions, "/index/"+indexGSI1, "/index/"+indexGSI2)
			check("SkygraphUserPoolGroups", userPoolActions, "ImportValue")
			for _, act := range tableActions {
				if act == "dynamodb:Scan" || strings.Contains(act, "Table") && act != "dynamodb:DescribeTable" {
					t.Errorf("table action %s is not one the server uses", act)
				}
			}
		})
	}
}

// cdk-nag's AwsSolutions pack reports no unsuppressed error or warning on any stack of
// either flavour, with and without the options. (With cdk.json's
// annotationsInValidationReport, an error would already have failed the synth in app().)
func TestNoUnsuppressedNagFindings(t *testing.T) {
	for _, cfg := range allConfigs {
		t.Run(cfg, func(t *testing.T) {
			a := app(t, cfg)
			for name, st := range a.stacks() {
				protect(t, "annotations of "+name, func() {
					ann := assertions.Annotations_FromStack(st)
					rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
					for _, m := range *ann.FindError(jsii.String("*"), rule) {
						t.Errorf("%s: cdk-nag error at %s: %v", name, *m.Id, m.Entry.Data)
					}
					for _, m := range *ann.FindWarning(jsii.String("*"), rule) {
						t.Errorf("%s: cdk-nag warning at %s: %v", name, *m.Id, m.Entry.Data)
					}
				})
			}
		})
	}
}

// The nag pack does report what it should, so "no findings" above is not vacuous.
func TestNagReportsFindings(t *testing.T) {
	ctx := cdkJSONContext(t)
	ctx["@aws-cdk/core:annotationsInValidationReport"] = false // list the errors instead of throwing
	protect(t, "canary", func() {
		a := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
		st := awscdk.NewStack(a, jsii.String("Canary"), nil)
		awssqs.NewQueue(st, jsii.String("Plain"), &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_UNENCRYPTED})
		awscdk.Aspects_Of(a).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
		errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-SQS4")))
		if len(*errs) == 0 {
			t.Error("cdk-nag reported no AwsSolutions-SQS4 error on a queue without TLS enforcement")
		}
	})
}

// Every suppression says why, specifically.
func TestSuppressionsHaveReasons(t *testing.T) {
	seen := map[string]bool{}
	for _, cfg := range allConfigs {
		a := app(t, cfg)
		for name, st := range a.stacks() {
			res, _ := a.template(t, st)["Resources"].(map[string]any)
			for id, r := range res {
				for _, s := range asList(get(r, "Metadata", "cdk_nag", "rules_to_suppress")) {
					rule, _ := get(s, "id").(string)
					reason, _ := get(s, "reason").(string)
					seen[rule] = true
					lower := strings.ToLower(reason)
					if len(reason) < 80 || strings.Contains(lower, "not needed") || strings.Contains(lower, "not required") && len(reason) < 120 {
						t.Errorf("%s/%s/%s: suppression of %s has a thin reason: %q", cfg, name, id, rule, reason)
					}
				}
			}
		}
	}
	want := []string{"AwsSolutions-APIG4", "AwsSolutions-COG2", "AwsSolutions-EC23", "AwsSolutions-ECS2", "AwsSolutions-ELB2", "AwsSolutions-IAM5", "AwsSolutions-S1", "AwsSolutions-SMG4", "AwsSolutions-SQS3"}
	var got []string
	for r := range seen {
		got = append(got, r)
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("suppressed rules %v, want exactly %v (a new suppression needs a review and this list)", got, want)
	}
}

func TestOutputs(t *testing.T) {
	for _, cfg := range []string{"lambda", "fargate"} {
		a := app(t, cfg)
		api := a.stacks()[stackLambda]
		if cfg == "fargate" {
			api = a.stacks()[stackFargate]
		}
		for st, names := range map[awscdk.Stack][]string{
			a.Sky.Data.Stack: {"TableName"},
			a.Sky.Auth.Stack: {"UserPoolId", "UserPoolClientId"},
			api:              {"GraphqlUrl"},
		} {
			outputs, _ := a.template(t, st)["Outputs"].(map[string]any)
			for _, n := range names {
				if outputs[n] == nil {
					t.Errorf("%s: %s has no output %s", cfg, *st.StackName(), n)
				}
			}
		}
		url := jsonString(get(a.template(t, api), "Outputs", "GraphqlUrl", "Value"))
		if !strings.Contains(url, `"graphql"`) && !strings.Contains(url, `"/graphql"`) {
			t.Errorf("%s: GraphqlUrl %s does not end in graphql", cfg, url)
		}
	}
}

// flavour selects the API stack; the data and auth stacks are the same for both.
func TestFlavour(t *testing.T) {
	names := func(cfg string) []string {
		var out []string
		for n := range app(t, cfg).stacks() {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}
	if got, want := names("lambda"), []string{stackAuth, stackData, stackLambda}; !reflect.DeepEqual(got, want) {
		t.Errorf("default stacks %v, want %v", got, want)
	}
	if got, want := names("fargate"), []string{stackAuth, stackData, stackFargate}; !reflect.DeepEqual(got, want) {
		t.Errorf("flavour=fargate stacks %v, want %v", got, want)
	}
	if jsonString(app(t, "lambda").template(t, app(t, "lambda").Sky.Data.Stack)) != jsonString(app(t, "fargate").template(t, app(t, "fargate").Sky.Data.Stack)) {
		t.Error("the data stack differs between flavours")
	}
	mustFail(t, map[string]any{ctxFlavour: "ec2"}, "is not a flavour")
}

// The tests run with cdk.json's context, like `cdk synth`: its cross-stack reference
// setting ("strong": Fn::ImportValue) shows in the API stack.
func TestCDKJSONContextApplies(t *testing.T) {
	if v := cdkJSONContext(t)["@aws-cdk/core:defaultCrossStackReferences"]; v != "strong" {
		t.Fatalf("cdk.json @aws-cdk/core:defaultCrossStackReferences = %v, want strong", v)
	}
	a := app(t, "lambda")
	s := jsonString(a.template(t, a.Sky.Lambda.Stack))
	if !strings.Contains(s, "Fn::ImportValue") || strings.Contains(s, "Fn::GetStackOutput") {
		t.Error("the API stack does not import the table and pool with Fn::ImportValue")
	}
	// Stacks stay environment-agnostic unless a region is pinned: synth needs no account.
	for name, st := range a.stacks() {
		if !strings.HasPrefix(*st.Region(), "${Token[") || !strings.HasPrefix(*st.Account(), "${Token[") {
			t.Errorf("%s is bound to %s/%s", name, *st.Account(), *st.Region())
		}
	}
	if r := *app(t, "lambda-all").Sky.Data.Stack.Region(); r != "eu-west-1" {
		t.Errorf("region=eu-west-1: data stack region %s", r)
	}
}

// Context values arrive as JSON (cdk.json) or strings (-c): both parse the same.
func TestConfigParsing(t *testing.T) {
	fromJSON, err := LoadConfig(func(k string) any {
		return map[string]any{
			ctxTableKMS: true, ctxReservedConcurrency: 3.0, ctxReplicaRegions: []any{"eu-central-1"},
			ctxRegion: "eu-west-1", ctxReplicaKeyArns: map[string]any{"eu-central-1": "arn:k"},
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	fromCLI, err := LoadConfig(func(k string) any {
		return map[string]any{
			ctxTableKMS: "true", ctxReservedConcurrency: "3", ctxReplicaRegions: "eu-central-1",
			ctxRegion: "eu-west-1", ctxReplicaKeyArns: `{"eu-central-1":"arn:k"}`,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, fromCLI) {
		t.Errorf("cdk.json and -c parse differently:\n%+v\n%+v", fromJSON, fromCLI)
	}
	def, err := LoadConfig(func(string) any { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if def.Flavour != flavourLambda || def.LambdaAsset != defaultLambdaAsset || def.DockerContext != defaultDockerContext ||
		def.TableKMS || def.WAF || def.JobsDLQ || def.FunctionURL || def.ReservedConcurrency != 0 || def.Env() != nil {
		t.Errorf("defaults %+v", def)
	}
	mustFail(t, map[string]any{ctxTableKMS: "yes please"}, "is not true or false")
	mustFail(t, map[string]any{ctxReplicaRegions: "eu-central-1,eu-central-1", ctxRegion: "eu-west-1"}, "listed twice")
}
