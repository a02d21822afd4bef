// Package dynamo stores skygraph's data in one DynamoDB table: the repositories of the
// domain packages, the key formats (keys.go), pagination tokens and batch helpers.
//
// Everything talks to DynamoDB through the real aws-sdk-go-v2 client, whether the endpoint
// is AWS, DynamoDB Local or the embedded minidyn server, so there is one code path.
// Files are named for the access pattern they implement (flight_search.go, …).
package dynamo

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// API is the part of *dynamodb.Client skygraph uses. It is declared here, where it is
// consumed, so tests can wrap the real client (to count round trips or inject faults).
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// ClientOptions selects the DynamoDB endpoint.
type ClientOptions struct {
	// Endpoint overrides the AWS endpoint (DynamoDB Local, the embedded server). Empty
	// means AWS for Region.
	Endpoint string
	// Region defaults to the SDK's resolution (AWS_REGION, profile); with an Endpoint
	// and no region configured anywhere it is us-east-1.
	Region string
	// StaticCredentials uses fixed dummy credentials: local endpoints accept any
	// signature, and a developer's laptop should not need an AWS profile.
	StaticCredentials bool
	// AccessKeyID is the static access key id (default "local"); the embedded store
	// accepts only its own (embedded.Server.AccessKeyID).
	AccessKeyID string
	// MaxIdleConnsPerHost is how many idle connections to the store are kept for reuse
	// (default IdleConnsPerHost).
	MaxIdleConnsPerHost int
}

// IdleConnsPerHost is the default idle connection pool per store host. The SDK keeps 10,
// so at 32 concurrent requests 12–32 % of them opened a new connection (issue 13; on AWS each
// is a TLS handshake); with 100 none did. The pool only keeps connections that concurrency
// already opened, so the larger bound costs nothing where there is little concurrency: a
// Lambda instance serves one request at a time and keeps the few its loaders fan out to.
const IdleConnsPerHost = 256

// NewClient builds the SDK client. Response checksum validation is off for local
// endpoints: minidyn sends no CRC32 header and DynamoDB Local's error replies do not match
// theirs, which would otherwise log a warning per error.
func NewClient(ctx context.Context, o ClientOptions) (*dynamodb.Client, error) {
	var opts []func(*config.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.StaticCredentials {
		key := o.AccessKeyID
		if key == "" {
			key = "local"
		}
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, "local", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" && o.Endpoint != "" {
		cfg.Region = "us-east-1"
	}
	idle := o.MaxIdleConnsPerHost
	if idle <= 0 {
		idle = IdleConnsPerHost
	}
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = idle
		t.MaxIdleConnsPerHost = idle
	})
	return dynamodb.NewFromConfig(cfg, func(do *dynamodb.Options) {
		// Consumed capacity per operation, for the access log (capacity.go).
		do.APIOptions = append(do.APIOptions, addCapacityMiddleware)
		if o.Endpoint != "" {
			do.BaseEndpoint = aws.String(o.Endpoint)
			do.DisableValidateResponseChecksum = true
			do.Retryer = localRetryer()
		}
	}), nil
}

// localAttempts is how many times a call to a local endpoint is tried.
const localAttempts = 10

// localRetryer is the retry policy for a local stand-in. DynamoDB Local runs transactions
// one at a time, and on a busy machine a transaction that waits too long for that lock is
// answered "500 InternalServerError: This action timed out because it too long waiting for a
// lock. This request will succeed in actual DynamoDB API". The SDK's standard retryer
// retries it, but its client-side retry quota (a token bucket shared by the client) ran dry
// under 200 concurrent transactions, and the calls failed as Internal (issue 9). A local
// endpoint serves one developer or one test run, so there is no fleet to protect: no quota,
// and more attempts. (aws-sdk-go-v2 ≥ v1.48.0, retry behaviour 2.1, charges 14 quota tokens a
// retry, so the quota runs dry sooner still.) Real DynamoDB keeps the SDK's standard policy.
func localRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = localAttempts
		o.RateLimiter = ratelimit.None
	})
}
