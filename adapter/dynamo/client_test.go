package dynamo_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
)

// TestClientReusesConnectionsUnderConcurrency: waves of 40 concurrent calls (more than the
// SDK's default of 10 idle connections per host) open connections in the first wave only;
// later waves reuse them (issue 13: with the default pool, a third of the requests opened a
// new connection, on AWS a TLS handshake each).
func TestClientReusesConnectionsUnderConcurrency(t *testing.T) {
	const wave = 40
	var (
		opened  atomic.Int64
		arrived sync.WaitGroup
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		// Hold every call of a wave until the whole wave is in flight, so the wave really
		// needs wave connections at once (bounded: a hang fails, it does not block).
		arrived.Done()
		done := make(chan struct{})
		go func() { arrived.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := dynamo.NewClient(context.Background(), dynamo.ClientOptions{Endpoint: srv.URL, Region: "us-east-1", StaticCredentials: true})
	require.NoError(t, err)
	for w := range 3 {
		arrived.Add(wave)
		var calls sync.WaitGroup
		for range wave {
			calls.Go(func() {
				_, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"),
					Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "x"}}})
				require.NoError(t, err)
			})
		}
		calls.Wait()
		t.Logf("after wave %d: %d connections opened", w+1, opened.Load())
	}
	// A connection handed back a moment after the next wave dialled may make one or two
	// more; with the SDK's pool of 10 each later wave opens 30.
	require.LessOrEqual(t, opened.Load(), int64(wave+wave/4), "connections opened by three waves of %d concurrent calls", wave)
}
