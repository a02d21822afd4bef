package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
)

// waves counts sequential round trips: a call that starts while none is in flight opens a
// new wave. GetItem calls wait (bounded) until pairReads of them are in flight, so reads the
// saga makes concurrently are seen as one wave on any machine, and reads made one after the
// other never pair up (the second cannot start before the first returns) and count twice.
type waves struct {
	dynamo.API
	mu        sync.Mutex
	inflight  int
	n         int
	reads     int
	pairReads int
	paired    chan struct{}
}

func (w *waves) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inflight == 0 {
		w.n++
	}
	w.inflight++
}

func (w *waves) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight--
}

func (w *waves) reset(pairReads int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n, w.reads, w.pairReads, w.paired = 0, 0, pairReads, make(chan struct{})
}

func (w *waves) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func (w *waves) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	w.start()
	defer w.end()
	w.mu.Lock()
	w.reads++
	paired, pair := w.paired, w.pairReads > 0
	if w.reads == w.pairReads {
		close(paired)
	}
	w.mu.Unlock()
	if pair {
		select {
		case <-paired:
		case <-time.After(5 * time.Second): // hang guard: sequential reads never pair
		}
	}
	return w.API.GetItem(ctx, in, o...)
}

func (w *waves) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	w.start()
	defer w.end()
	return w.API.UpdateItem(ctx, in, o...)
}

func (w *waves) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	w.start()
	defer w.end()
	return w.API.TransactWriteItems(ctx, in, o...)
}

func (w *waves) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	w.start()
	defer w.end()
	return w.API.Query(ctx, in, o...)
}

func (w *waves) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	w.start()
	defer w.end()
	return w.API.PutItem(ctx, in, o...)
}

// TestProcessBookingRequestCount: one processBooking costs 6 DynamoDB calls in 4 sequential
// round trips (issue 13; it was 6 in 5 before the caller's profile was checked too): the
// charge, the flight and the caller's profile read together, the seat
// reserved (one transaction), the charge captured in one conditional UpdateItem that
// returns the new charge (no read first), and the booking confirmed with its loyalty points
// (one transaction).
func TestProcessBookingRequestCount(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			w := &waves{}
			e := newEnvWith(t, be, app.Options{API: func(api dynamo.API) dynamo.API {
				w.API = api
				return w
			}})
			fl := newFlight(t, e, 10, 120, 30)
			c := newCustomer(t, e)
			_, out := e.raw(t, `{ me { id } }`, nil, "Authorization", c.token) // the profile exists
			require.Nil(t, out["errors"], "%v", out)
			for i := range 2 {
				tok := authorize(t, e, c, fl, "tok_visa")
				e.calls.Reset()
				w.reset(3)
				_, out := e.raw(t, `mutation($in: CreateBookingInput!) { processBooking(input: $in) { id status } }`,
					loadBookingVars(tok, fl.ID), "Authorization", c.token)
				require.Nil(t, out["errors"], "%v", out)
				require.Equal(t, "CONFIRMED", gqlData(t, out, "processBooking")["status"])
				require.Equal(t, 3, e.calls.Count("GetItem"), "booking %d: the charge, the flight and the profile", i)
				require.Equal(t, 2, e.calls.Count("TransactWriteItems"), "booking %d: reserve and confirm", i)
				require.Equal(t, 1, e.calls.Count("UpdateItem"), "booking %d: the capture", i)
				require.Equal(t, 6, e.calls.Total(), "booking %d: DynamoDB calls", i)
				require.Equal(t, 4, w.count(), "booking %d: sequential round trips", i)
			}
		})
	}
}
