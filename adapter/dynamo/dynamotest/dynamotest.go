// Package dynamotest gives tests real DynamoDB endpoints: the embedded minidyn server
// always, and DynamoDB Local when the test tooling started one (scripts/with-services.sh
// sets SKYGRAPH_TEST_DYNAMODB_ENDPOINT). Each test gets its own freshly created table.
//
// When SKYGRAPH_TEST_REQUIRE_DYNAMODB_LOCAL=1 (make test, CI) a missing DynamoDB Local is a
// failure, never a silent skip.
package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniserver "github.com/truora/minidyn/server"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/embedded"
)

// Environment variables set by scripts/with-services.sh.
const (
	EnvEndpoint = "SKYGRAPH_TEST_DYNAMODB_ENDPOINT"
	EnvRequire  = "SKYGRAPH_TEST_REQUIRE_DYNAMODB_LOCAL"
)

// Backend is one DynamoDB endpoint under test.
type Backend struct {
	// Name is "embedded" or "dynamodb-local", used as the subtest name.
	Name     string
	Endpoint string
	// Mini is set for the embedded backend, for failure emulation.
	Mini *miniserver.Server
}

// Backends returns the endpoints every storage test must pass on.
func Backends(t testing.TB) []Backend {
	t.Helper()
	srv, err := embedded.StartOpen()
	if err != nil {
		t.Fatalf("start embedded dynamodb: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	out := []Backend{{Name: "embedded", Endpoint: srv.URL, Mini: srv.Mini}}
	if b, ok := Local(t); ok {
		out = append(out, b)
	}
	return out
}

// Local returns DynamoDB Local if configured. Without it, it fails the test when
// required and otherwise logs that the backend was left out.
func Local(t testing.TB) (Backend, bool) {
	t.Helper()
	ep := os.Getenv(EnvEndpoint)
	if ep == "" {
		if os.Getenv(EnvRequire) == "1" || os.Getenv("CI") == "true" {
			t.Fatalf("DynamoDB Local is required but %s is not set: run tests through `make test` (scripts/with-services.sh)", EnvEndpoint)
		}
		t.Logf("DynamoDB Local not configured (%s unset): testing the embedded store only; `make test` runs both", EnvEndpoint)
		return Backend{}, false
	}
	return Backend{Name: "dynamodb-local", Endpoint: ep}, true
}

// Client returns an SDK client for b.
func Client(t testing.TB, b Backend) *dynamodb.Client {
	t.Helper()
	c, err := dynamo.NewClient(context.Background(), dynamo.ClientOptions{Endpoint: b.Endpoint, Region: "us-east-1", StaticCredentials: true})
	if err != nil {
		t.Fatalf("dynamodb client: %v", err)
	}
	return c
}

// NewTable creates a fresh table on b (deleted when the test ends) and returns its name.
func NewTable(t testing.TB, api *dynamodb.Client) string {
	t.Helper()
	name := TableName(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := dynamo.CreateTable(ctx, api, name); err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Cleanup(func() {
		_, _ = api.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

// NewStore creates a fresh table on b and returns a Store over it, using api (which may
// wrap the real client, e.g. to count calls) or the plain client when api is nil.
func NewStore(t testing.TB, b Backend, api dynamo.API) *dynamo.Store {
	t.Helper()
	c := Client(t, b)
	name := NewTable(t, c)
	if api == nil {
		api = c
	}
	return dynamo.NewStore(api, name, Tokenizer(t))
}

// Tokenizer returns a tokenizer with a random secret.
func Tokenizer(t testing.TB) *dynamo.Tokenizer {
	t.Helper()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	tok, err := dynamo.NewTokenizer(secret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// TableName is a unique, valid table name derived from the test's name.
func TableName(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafe.ReplaceAllString(t.Name(), "_")
	if len(name) > 200 {
		name = name[:200]
	}
	return strings.Trim(name, "_") + "-" + hex.EncodeToString(b)
}

// Items reads every item of table (a consistent Scan, sorted by PK then SK), for tests that
// assert exactly what a write left behind. Tables in tests are small; paging is followed.
func Items(t testing.TB, api *dynamodb.Client, table string) []map[string]any {
	t.Helper()
	var items []map[string]any
	in := &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)}
	for {
		out, err := api.Scan(context.Background(), in)
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		var page []map[string]any
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		items = append(items, page...)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	sort.Slice(items, func(i, j int) bool {
		return fmt.Sprint(items[i]["PK"], items[i]["SK"]) < fmt.Sprint(items[j]["PK"], items[j]["SK"])
	})
	return items
}
