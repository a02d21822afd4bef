package floor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/bench/floor"
)

// wire records every HTTP request (each attempt, retries included) the DynamoDB client
// sends for the calls made through it.
type wire struct {
	dynamo.API
	mu     sync.Mutex
	bodies []map[string]any
}

func (w *wire) record(o []func(*dynamodb.Options)) []func(*dynamodb.Options) {
	return append(o, func(do *dynamodb.Options) { do.HTTPClient = &wireClient{next: do.HTTPClient, w: w} })
}

func (w *wire) take() []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.bodies
	w.bodies = nil
	return out
}

func (w *wire) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return w.API.BatchGetItem(ctx, in, w.record(o)...)
}

type wireClient struct {
	next dynamodb.HTTPClient
	w    *wire
}

func (c *wireClient) Do(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["X-Amz-Target"] = r.Header.Get("X-Amz-Target")
	c.w.mu.Lock()
	c.w.bodies = append(c.w.bodies, m)
	c.w.mu.Unlock()
	return c.next.Do(r)
}

// sortKeys puts a BatchGetItem body's keys in a fixed order: the only freedom the two
// servers have (skygraph's follow the query's aliases, the floor's its JSON list).
func sortKeys(t *testing.T, body map[string]any) {
	for _, ka := range body["RequestItems"].(map[string]any) {
		keys := ka.(map[string]any)["Keys"].([]any)
		slices.SortFunc(keys, func(a, b any) int {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			return bytes.Compare(ja, jb)
		})
	}
}

// TestTenFlightsSameWireRequestAsFloor: issue 13 saw DynamoDB Local spend more CPU per
// skygraph request of workload B (ten aliased getFlight) than per the floor's
// "identical-looking" BatchGetItem. This compares the two on the wire, every attempt
// included: one BatchGetItem each, no retry, and the same body (the same ten keys,
// ConsistentRead, no ProjectionExpression, ReturnConsumedCapacity TOTAL), up to key order.
func TestTenFlightsSameWireRequestAsFloor(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			w := &wire{}
			e := newEnvWith(t, be, floor.Size{Bookings: 1, Orders: 1, Customers: 1, Page: 1}, func(api dynamo.API) dynamo.API {
				w.API = api
				return w
			})
			ten := e.fixture.Get(floor.Ten)
			w.take()
			code, body := do(t, e.app.Handler, ten.Skygraph[0])
			require.Equal(t, http.StatusOK, code, "%s", body)
			sky := w.take()
			code, body = do(t, floor.Handler(e.app), ten.Floor[0])
			require.Equal(t, http.StatusOK, code, "%s", body)
			fl := w.take()
			require.Len(t, sky, 1, "skygraph: one BatchGetItem, no retry")
			require.Len(t, fl, 1, "floor: one BatchGetItem, no retry")
			sortKeys(t, sky[0])
			sortKeys(t, fl[0])
			require.Equal(t, fl[0], sky[0])
			raw, _ := json.Marshal(sky[0])
			t.Logf("both send: %.400s…", raw)
		})
	}
}
