package dynamotest

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skygraph/skygraph/adapter/dynamo"
)

// Counter wraps a dynamo.API and counts calls by operation, so tests can assert round
// trips (e.g. "three nested flights cost one BatchGetItem"). Fail, when set, is returned
// instead of calling operations for which it returns a non-nil error.
type Counter struct {
	dynamo.API
	mu     sync.Mutex
	counts map[string]int
	Fail   func(op string) error
}

// NewCounter wraps api.
func NewCounter(api dynamo.API) *Counter { return &Counter{API: api, counts: map[string]int{}} }

// Count returns how many times op was called.
func (c *Counter) Count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[op]
}

// Total returns the number of calls of every operation.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Reset zeroes the counts.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int{}
}

func (c *Counter) hit(op string) error {
	c.mu.Lock()
	c.counts[op]++
	fail := c.Fail
	c.mu.Unlock()
	if fail != nil {
		return fail(op)
	}
	return nil
}

// GetItem counts and delegates.
func (c *Counter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := c.hit("GetItem"); err != nil {
		return nil, err
	}
	return c.API.GetItem(ctx, in, o...)
}

// PutItem counts and delegates.
func (c *Counter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := c.hit("PutItem"); err != nil {
		return nil, err
	}
	return c.API.PutItem(ctx, in, o...)
}

// UpdateItem counts and delegates.
func (c *Counter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := c.hit("UpdateItem"); err != nil {
		return nil, err
	}
	return c.API.UpdateItem(ctx, in, o...)
}

// DeleteItem counts and delegates.
func (c *Counter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := c.hit("DeleteItem"); err != nil {
		return nil, err
	}
	return c.API.DeleteItem(ctx, in, o...)
}

// Query counts and delegates.
func (c *Counter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := c.hit("Query"); err != nil {
		return nil, err
	}
	return c.API.Query(ctx, in, o...)
}

// BatchGetItem counts and delegates.
func (c *Counter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	if err := c.hit("BatchGetItem"); err != nil {
		return nil, err
	}
	return c.API.BatchGetItem(ctx, in, o...)
}

// BatchWriteItem counts and delegates.
func (c *Counter) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if err := c.hit("BatchWriteItem"); err != nil {
		return nil, err
	}
	return c.API.BatchWriteItem(ctx, in, o...)
}

// TransactWriteItems counts and delegates.
func (c *Counter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := c.hit("TransactWriteItems"); err != nil {
		return nil, err
	}
	return c.API.TransactWriteItems(ctx, in, o...)
}

// DescribeTable counts and delegates.
func (c *Counter) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, o ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if err := c.hit("DescribeTable"); err != nil {
		return nil, err
	}
	return c.API.DescribeTable(ctx, in, o...)
}

var _ dynamo.API = (*Counter)(nil)
