package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// appTable is what the application declares for its table: dynamo.TableDefinition (the
// CreateTableInput the server uses locally and in tests) and the names in adapter/dynamo/keys.go.
type appTable struct {
	Definition struct {
		AttributeDefinitions   []struct{ AttributeName, AttributeType string }
		KeySchema              []keyElement
		BillingMode            string
		GlobalSecondaryIndexes []struct {
			IndexName  string
			KeySchema  []keyElement
			Projection struct{ ProjectionType string }
		}
	}
	TTL, GSI1, GSI2 string
}

type keyElement struct{ AttributeName, KeyType string }

// tableProgram prints appTable as JSON. It is compiled inside the main module (go run with
// the repository root as working directory), against the main module's own go.mod: this
// module does not depend on the main one, so a dependency bump over there never leaves
// this go.mod needing a tidy. (A replace directive worked too, but any version bump of a
// module in dynamo's import graph then broke `go test` here with "updates to go.mod
// needed".)
const tableProgram = `package main

import (
	"encoding/json"
	"os"

	"github.com/skygraph/skygraph/adapter/dynamo"
)

func main() {
	err := json.NewEncoder(os.Stdout).Encode(map[string]any{
		"Definition": dynamo.TableDefinition("skygraph"),
		"TTL":        dynamo.AttrTTL,
		"GSI1":       dynamo.IndexGSI1,
		"GSI2":       dynamo.IndexGSI2,
	})
	if err != nil {
		panic(err)
	}
}
`

// applicationTable runs tableProgram in the main module.
func applicationTable(t *testing.T) appTable {
	t.Helper()
	dir := t.TempDir()
	prog := filepath.Join(dir, "tabledef.go")
	if err := os.WriteFile(prog, []byte(tableProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", prog)
	cmd.Dir = ".." // the main module
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run dynamo.TableDefinition in the main module: %v\n%s", err, stderr.String())
	}
	var app appTable
	if err := json.Unmarshal(out, &app); err != nil {
		t.Fatalf("parse %s: %v", out, err)
	}
	if len(app.Definition.KeySchema) == 0 || app.TTL == "" {
		t.Fatalf("empty table definition from the main module: %s", out)
	}
	return app
}

// The table in the template has exactly the attributes, keys, indexes and projections the
// application declares in dynamo.TableDefinition, and the TTL attribute of dynamo.AttrTTL.
func TestTableMatchesApplicationDefinition(t *testing.T) {
	a := app(t, "lambda")
	table := props(only(t, a.template(t, a.Sky.Data.Stack), "AWS::DynamoDB::GlobalTable"))
	want := applicationTable(t)
	def := want.Definition

	type attr struct{ Name, Type string }
	var wantAttrs, gotAttrs []attr
	for _, d := range def.AttributeDefinitions {
		wantAttrs = append(wantAttrs, attr{d.AttributeName, d.AttributeType})
	}
	for _, d := range asList(table["AttributeDefinitions"]) {
		gotAttrs = append(gotAttrs, attr{get(d, "AttributeName").(string), get(d, "AttributeType").(string)})
	}
	sortAttrs := func(s []attr) { sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name }) }
	sortAttrs(wantAttrs)
	sortAttrs(gotAttrs)
	if !reflect.DeepEqual(gotAttrs, wantAttrs) {
		t.Errorf("AttributeDefinitions: template %v, application %v", gotAttrs, wantAttrs)
	}

	keys := func(v any) []keyElement {
		var out []keyElement
		for _, k := range asList(v) {
			out = append(out, keyElement{get(k, "AttributeName").(string), get(k, "KeyType").(string)})
		}
		return out
	}
	if got := keys(table["KeySchema"]); !reflect.DeepEqual(got, def.KeySchema) {
		t.Errorf("KeySchema: template %v, application %v", got, def.KeySchema)
	}

	type index struct {
		Name       string
		Key        []keyElement
		Projection string
	}
	var wantIdx, gotIdx []index
	for _, g := range def.GlobalSecondaryIndexes {
		wantIdx = append(wantIdx, index{g.IndexName, g.KeySchema, g.Projection.ProjectionType})
	}
	for _, g := range asList(table["GlobalSecondaryIndexes"]) {
		gotIdx = append(gotIdx, index{get(g, "IndexName").(string), keys(get(g, "KeySchema")), get(g, "Projection", "ProjectionType").(string)})
	}
	sortIdx := func(s []index) { sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name }) }
	sortIdx(wantIdx)
	sortIdx(gotIdx)
	if !reflect.DeepEqual(gotIdx, wantIdx) {
		t.Errorf("GlobalSecondaryIndexes: template %v, application %v", gotIdx, wantIdx)
	}
	if got := table["BillingMode"]; got != def.BillingMode {
		t.Errorf("BillingMode: template %v, application %v", got, def.BillingMode)
	}
	if got := get(table, "TimeToLiveSpecification"); jsonString(got) != jsonString(map[string]any{"AttributeName": want.TTL, "Enabled": true}) {
		t.Errorf("TimeToLiveSpecification: %s, want %s enabled", jsonString(got), want.TTL)
	}
	// The app's own constants, used in the IAM index ARNs, name the same indexes.
	if indexGSI1 != want.GSI1 || indexGSI2 != want.GSI2 {
		t.Errorf("index names %s/%s, application %s/%s", indexGSI1, indexGSI2, want.GSI1, want.GSI2)
	}
}

// Encryption, point-in-time recovery, deletion protection and retention of the table.
func TestTableProtection(t *testing.T) {
	for _, cfg := range []string{"lambda", "lambda-all"} {
		t.Run(cfg, func(t *testing.T) {
			a := app(t, cfg)
			r := only(t, a.template(t, a.Sky.Data.Stack), "AWS::DynamoDB::GlobalTable")
			p := props(r)
			if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("table DeletionPolicy/UpdateReplacePolicy = %v/%v, want Retain", r["DeletionPolicy"], r["UpdateReplacePolicy"])
			}
			if got := jsonString(p["SSESpecification"]); got != `{"SSEEnabled":true,"SSEType":"KMS"}` {
				t.Errorf("SSESpecification = %s, want KMS encryption", got)
			}
			replicas := asList(p["Replicas"])
			if len(replicas) == 0 {
				t.Fatal("no replica (the primary region is a replica of a GlobalTable)")
			}
			for i, rep := range replicas {
				if get(rep, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
					t.Errorf("replica %d (%v): point-in-time recovery is off", i, get(rep, "Region"))
				}
				if get(rep, "DeletionProtectionEnabled") != true {
					t.Errorf("replica %d (%v): deletion protection is off", i, get(rep, "Region"))
				}
			}
		})
	}
}

// Default: the AWS managed key (aws/dynamodb), no key of our own.
func TestTableKMSDefaultIsAWSManaged(t *testing.T) {
	a := app(t, "lambda")
	tpl := a.template(t, a.Sky.Data.Stack)
	if n := len(resources(tpl, "AWS::KMS::Key")); n != 0 {
		t.Errorf("%d KMS keys without tableKms, want 0", n)
	}
	for _, rep := range asList(props(only(t, tpl, "AWS::DynamoDB::GlobalTable"))["Replicas"]) {
		if get(rep, "SSESpecification") != nil {
			t.Errorf("replica SSESpecification %s without tableKms, want none (AWS managed key)", jsonString(get(rep, "SSESpecification")))
		}
	}
	for _, s := range policyStatements(a.template(t, a.Sky.Lambda.Stack)) {
		if strings.Contains(jsonString(s.Body["Action"]), "kms:") {
			t.Errorf("%s grants KMS actions without tableKms: %s", s.From, jsonString(s.Body))
		}
	}
}

// tableKms: a customer-managed key with rotation, kept on delete, used by every replica,
// and usable by the server only through DynamoDB.
func TestTableKMSCustomerManaged(t *testing.T) {
	a := app(t, "lambda-all")
	tpl := a.template(t, a.Sky.Data.Stack)
	key := only(t, tpl, "AWS::KMS::Key")
	if get(key, "Properties", "EnableKeyRotation") != true {
		t.Error("table key: rotation is off")
	}
	if key["DeletionPolicy"] != "Retain" {
		t.Errorf("table key DeletionPolicy = %v, want Retain", key["DeletionPolicy"])
	}
	var keyID string
	for id := range resources(tpl, "AWS::KMS::Key") {
		keyID = id
	}
	replicas := asList(props(only(t, tpl, "AWS::DynamoDB::GlobalTable"))["Replicas"])
	for _, rep := range replicas {
		region := get(rep, "Region").(string)
		kmsKey := jsonString(get(rep, "SSESpecification", "KMSMasterKeyId"))
		switch region {
		case "eu-west-1":
			if !strings.Contains(kmsKey, keyID) {
				t.Errorf("primary replica key %s, want the stack's key %s", kmsKey, keyID)
			}
		default:
			if !strings.Contains(kmsKey, "arn:aws:kms:"+region+":") {
				t.Errorf("replica %s key %s, want the replicaKeyArns entry for its region", region, kmsKey)
			}
		}
	}

	found := false
	for _, s := range policyStatements(a.template(t, a.Sky.Lambda.Stack)) {
		if s.Body["Sid"] != "SkygraphTableKey" {
			continue
		}
		found = true
		for _, act := range strs(s.Body["Action"]) {
			if !strings.HasPrefix(act, "kms:") || strings.Contains(act, "*") {
				t.Errorf("key statement action %q", act)
			}
		}
		if c := jsonString(get(s.Body, "Condition", "StringEquals", "kms:ViaService")); !strings.Contains(c, "dynamodb.") {
			t.Errorf("key statement without a kms:ViaService dynamodb condition: %s", jsonString(s.Body))
		}
		if r := jsonString(s.Body["Resource"]); r == `"*"` || !strings.Contains(r, "ImportValue") {
			t.Errorf("key statement resource %s, want the table key's ARN", r)
		}
	}
	if !found {
		t.Error("no SkygraphTableKey statement on the function's role with tableKms")
	}
}

// replicaRegions: a global table with one replica per region, each protected; they need a
// pinned primary region, and a key per region when the table key is customer-managed.
func TestReplicaRegions(t *testing.T) {
	regions := func(cfg string) []string {
		a := app(t, cfg)
		var out []string
		for _, rep := range asList(props(only(t, a.template(t, a.Sky.Data.Stack), "AWS::DynamoDB::GlobalTable"))["Replicas"]) {
			out = append(out, jsonString(get(rep, "Region")))
		}
		sort.Strings(out)
		return out
	}
	if got := regions("lambda"); len(got) != 1 || got[0] != `{"Ref":"AWS::Region"}` {
		t.Errorf("default replicas %v, want only the stack's own region", got)
	}
	if got, want := regions("lambda-all"), []string{`"eu-central-1"`, `"eu-west-1"`, `"us-east-1"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("replicas %v, want %v", got, want)
	}

	mustFail(t, map[string]any{ctxReplicaRegions: "eu-central-1"}, "needs -c region=")
	mustFail(t, map[string]any{ctxRegion: "eu-west-1", ctxReplicaRegions: "eu-west-1"}, "stacks' own region")
	mustFail(t, map[string]any{ctxRegion: "eu-west-1", ctxReplicaRegions: "eu-central-1", ctxTableKMS: true}, "needs a KMS key ARN for replica region eu-central-1")
	mustFail(t, map[string]any{ctxReplicaKeyArns: `{"eu-central-1":"arn"}`}, "only with a customer-managed table key")
	mustFail(t, map[string]any{ctxRegion: "eu-west-1", ctxReplicaRegions: "not a region"}, "is not a region name")
}
