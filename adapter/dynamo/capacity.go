package dynamo

import (
	"context"
	"math"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Capacity sums the DynamoDB calls and the read and write capacity they consumed, for one
// GraphQL operation (the access log puts one on every request's context) or for a whole
// process (bench/serve). Capacity is what an operation costs on AWS, so it is logged per
// request (issue 13); it is never sent to GraphQL clients, whose queries must not learn the
// store's layout or load.
//
// The client's middleware (NewClient) adds to the Capacity on a call's context and to the
// ones it was derived from (WithCapacity), from any goroutine: loaders and sagas call the
// store in parallel. The zero value is ready to use.
type Capacity struct {
	parent *Capacity
	calls  atomic.Int64
	// Capacity units are multiples of 0.5 (an eventually consistent read of up to 4 KB),
	// so milli-units add exactly.
	readMilli, writeMilli atomic.Int64
}

type capacityKey struct{}

// capacityCtx is a context carrying a Capacity, allocated together: one allocation per
// operation.
type capacityCtx struct {
	context.Context
	c Capacity
}

func (c *capacityCtx) Value(key any) any {
	if key == (capacityKey{}) {
		return &c.c
	}
	return c.Context.Value(key)
}

// WithCapacity returns ctx carrying a new Capacity that also adds to the one already on
// ctx, if any (a request's under the process's). It is the one allocation capacity
// accounting makes per operation.
func WithCapacity(ctx context.Context) (context.Context, *Capacity) {
	cc := &capacityCtx{Context: ctx}
	cc.c.parent = CapacityFrom(ctx)
	return cc, &cc.c
}

// ContextWithCapacity returns ctx carrying c itself: calls made with it add to c (and to
// c's parents). A process-wide total is attached this way without a per-request Capacity.
func ContextWithCapacity(ctx context.Context, c *Capacity) context.Context {
	return context.WithValue(ctx, capacityKey{}, c)
}

// CapacityFrom returns the Capacity on ctx, or nil: without one, calls do not ask DynamoDB
// for their consumed capacity at all.
func CapacityFrom(ctx context.Context) *Capacity {
	c, _ := ctx.Value(capacityKey{}).(*Capacity)
	return c
}

// Calls is how many DynamoDB calls were made (the SDK's own retry attempts of a call are
// not counted separately; a BatchGetItem retry of unprocessed keys is a call). A nil
// Capacity reports zeros, as do its Read and Write.
func (c *Capacity) Calls() int64 {
	if c == nil {
		return 0
	}
	return c.calls.Load()
}

// Read is the read capacity units consumed.
func (c *Capacity) Read() float64 {
	if c == nil {
		return 0
	}
	return float64(c.readMilli.Load()) / 1000
}

// Write is the write capacity units consumed.
func (c *Capacity) Write() float64 {
	if c == nil {
		return 0
	}
	return float64(c.writeMilli.Load()) / 1000
}

func (c *Capacity) add(calls int64, read, write float64) {
	r, w := int64(math.Round(read*1000)), int64(math.Round(write*1000))
	for ; c != nil; c = c.parent {
		c.calls.Add(calls)
		if r != 0 {
			c.readMilli.Add(r)
		}
		if w != 0 {
			c.writeMilli.Add(w)
		}
	}
}

// capacityMiddleware is installed on every client NewClient builds, so every operation
// type is covered without touching the call sites: on a context with a Capacity it asks
// for ReturnConsumedCapacity=TOTAL (on a copy of the input: the caller's is not written)
// and adds the output's ConsumedCapacity. On a context without one it does nothing.
// TOTAL, not INDEXES: the per-index breakdown makes every reply longer and the log line
// reports totals; INDEXES can be asked for ad hoc where an index's share is in question.
var capacityMiddleware = middleware.InitializeMiddlewareFunc("skygraph.ConsumedCapacity",
	func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		c := CapacityFrom(ctx)
		if c == nil {
			return next.HandleInitialize(ctx, in)
		}
		in.Parameters = withReturnCapacity(in.Parameters)
		out, md, err := next.HandleInitialize(ctx, in)
		read, write := consumed(out.Result)
		c.add(1, read, write)
		return out, md, err
	})

func addCapacityMiddleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(capacityMiddleware, middleware.After)
}

const total = types.ReturnConsumedCapacityTotal

// withReturnCapacity returns a copy of the operation's input asking for TOTAL capacity,
// unless the caller asked for something itself.
func withReturnCapacity(p any) any {
	switch v := p.(type) {
	case *dynamodb.GetItemInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.QueryInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.ScanInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.BatchGetItemInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.TransactGetItemsInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.PutItemInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.UpdateItemInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.DeleteItemInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.BatchWriteItemInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	case *dynamodb.TransactWriteItemsInput:
		if v.ReturnConsumedCapacity == "" {
			cp := *v
			cp.ReturnConsumedCapacity = total
			return &cp
		}
	}
	return p
}

// consumed is the read and write units an operation's output reports. DynamoDB Local
// answers CapacityUnits only; AWS may also split them into ReadCapacityUnits and
// WriteCapacityUnits, which are used when present. Otherwise the units count as reads for
// a read operation and as writes for a write (a conditional write's failed check is an
// error: its units are not reported).
func consumed(result any) (read, write float64) {
	switch v := result.(type) {
	case *dynamodb.GetItemOutput:
		return split(false, v.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		return split(false, v.ConsumedCapacity)
	case *dynamodb.ScanOutput:
		return split(false, v.ConsumedCapacity)
	case *dynamodb.BatchGetItemOutput:
		return splitAll(false, v.ConsumedCapacity)
	case *dynamodb.TransactGetItemsOutput:
		return splitAll(false, v.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		return split(true, v.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		return split(true, v.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		return split(true, v.ConsumedCapacity)
	case *dynamodb.BatchWriteItemOutput:
		return splitAll(true, v.ConsumedCapacity)
	case *dynamodb.TransactWriteItemsOutput:
		return splitAll(true, v.ConsumedCapacity)
	}
	return 0, 0
}

func splitAll(write bool, cs []types.ConsumedCapacity) (read, wr float64) {
	for i := range cs {
		r, w := split(write, &cs[i])
		read += r
		wr += w
	}
	return read, wr
}

func split(write bool, c *types.ConsumedCapacity) (read, wr float64) {
	if c == nil {
		return 0, 0
	}
	if c.ReadCapacityUnits != nil || c.WriteCapacityUnits != nil {
		return deref(c.ReadCapacityUnits), deref(c.WriteCapacityUnits)
	}
	if write {
		return 0, deref(c.CapacityUnits)
	}
	return deref(c.CapacityUnits), 0
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}
