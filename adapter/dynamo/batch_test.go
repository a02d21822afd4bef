package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	miniserver "github.com/truora/minidyn/server"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/flight/flighttest"
	"github.com/skygraph/skygraph/internal/apperr"
)

// TestBatchGetRetriesUnprocessedKeys makes the embedded endpoint leave every key
// unprocessed the first time it is asked for: GetMany must still return all items, in
// chunks of at most 100 keys, retrying only what was left.
func TestBatchGetRetriesUnprocessedKeys(t *testing.T) {
	b := dynamotest.Backends(t)[0]
	counter := dynamotest.NewCounter(dynamotest.Client(t, b))
	store := dynamotest.NewStore(t, b, counter)
	repo := store.Flights()
	ctx := context.Background()
	var ids []string
	for i := range 250 {
		id := fmt.Sprintf("f%03d", i)
		require.NoError(t, repo.Create(ctx, flighttest.Make(id, "LGW", "MAD", time.Duration(i)*time.Minute)))
		ids = append(ids, id)
	}

	var mu sync.Mutex
	seen := map[string]bool{}
	b.Mini.EmulateUnprocessedItems(store.Table(), func(_ int, raw map[string]*miniserver.AttributeValue) bool {
		mu.Lock()
		defer mu.Unlock()
		pk := *raw["PK"].S
		if seen[pk] {
			return false
		}
		seen[pk] = true
		return true
	})
	t.Cleanup(b.Mini.ClearUnprocessedItems)

	counter.Reset()
	got, err := repo.GetMany(ctx, ids)
	require.NoError(t, err)
	require.Len(t, got, 250)
	// 3 chunks (100+100+50), each answered first with everything unprocessed.
	require.Equal(t, 6, counter.Count("BatchGetItem"))
}

// TestBatchGetGivesUp: keys that stay unprocessed end in Unavailable, not a hang.
func TestBatchGetGivesUp(t *testing.T) {
	b := dynamotest.Backends(t)[0]
	store := dynamotest.NewStore(t, b, nil)
	repo := store.Flights()
	ctx := context.Background()
	require.NoError(t, repo.Create(ctx, flighttest.Make("f1", "LGW", "MAD", 0)))
	b.Mini.EmulateUnprocessedItems(store.Table(), func(int, map[string]*miniserver.AttributeValue) bool { return true })
	t.Cleanup(b.Mini.ClearUnprocessedItems)
	_, err := repo.GetMany(ctx, []string{"f1"})
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
}
