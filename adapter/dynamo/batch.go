package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/skygraph/skygraph/internal/apperr"
)

// BatchGetItem limits and retry policy.
const (
	// batchGetMax is DynamoDB's limit of keys per BatchGetItem call.
	batchGetMax = 100
	// batchGetParallel bounds the chunks in flight at once for one batchGet.
	batchGetParallel = 8
	// batchRetries bounds the UnprocessedKeys retries per chunk before giving up.
	batchRetries = 8
	backoffBase  = 20 * time.Millisecond
	backoffCap   = time.Second
)

// batchGet reads items by primary key: duplicates are removed, keys are sent in chunks of
// at most 100 in parallel, and UnprocessedKeys are retried with capped exponential backoff
// and full jitter (the SDK retries throttled calls, but not partial results). Items come
// back in no particular order; missing items are simply absent.
// getMany reads objects by id with one batchGet (the loaders' sources: BatchGetItem,
// strongly consistent, chunked, unprocessed keys retried): key makes an id's primary key,
// decode an item's object (nil: leave the item out), id the object's id. Missing ids are
// absent from the map.
func getMany[T any](ctx context.Context, s *Store, ids []string, key func(string) item, decode func(item) (*T, error), id func(*T) string) (map[string]*T, error) {
	keys := make([]item, len(ids))
	for i, x := range ids {
		keys[i] = key(x)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*T, len(items))
	for _, it := range items {
		v, err := decode(it)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[id(v)] = v
		}
	}
	return out, nil
}

func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	unique := dedupeKeys(keys)
	chunks := make([][]map[string]types.AttributeValue, 0, (len(unique)+batchGetMax-1)/batchGetMax)
	for len(unique) > 0 {
		n := min(len(unique), batchGetMax)
		chunks = append(chunks, unique[:n])
		unique = unique[n:]
	}
	results := make([][]map[string]types.AttributeValue, len(chunks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchGetParallel)
	for i, chunk := range chunks {
		g.Go(func() error {
			items, err := s.batchGetChunk(gctx, chunk)
			results[i] = items
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []map[string]types.AttributeValue
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

func (s *Store) batchGetChunk(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	pending := keys
	for attempt := 0; ; attempt++ {
		out, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{s.table: {Keys: pending, ConsistentRead: aws.Bool(true)}},
		})
		if err != nil {
			return nil, storeError("BatchGetItem", err)
		}
		items = append(items, out.Responses[s.table]...)
		pending = out.UnprocessedKeys[s.table].Keys
		if len(pending) == 0 {
			return items, nil
		}
		if attempt >= batchRetries {
			return nil, apperr.New(apperr.Unavailable, "the store is busy, retry later")
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return nil, storeError("BatchGetItem", err)
		}
	}
}

// backoff is capped exponential backoff with full jitter (AWS architecture blog's advice):
// a random wait in [0, min(cap, base·2^attempt)).
func backoff(attempt int) time.Duration {
	return retryPolicy{base: backoffBase, cap: backoffCap}.wait(attempt)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// dedupeKeys drops repeated primary keys: DynamoDB rejects a batch that names a key twice.
func dedupeKeys(keys []map[string]types.AttributeValue) []map[string]types.AttributeValue {
	seen := make(map[[2]string]bool, len(keys))
	out := make([]map[string]types.AttributeValue, 0, len(keys))
	for _, k := range keys {
		id := [2]string{stringAttr(k[AttrPK]), stringAttr(k[AttrSK])}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, k)
	}
	return out
}

func stringAttr(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// resolveKeys fetches the full items behind key-only index items (strongly consistent),
// in the same order and length; nil stands for an item deleted in between.
func (s *Store) resolveKeys(ctx context.Context, keys []item) ([]item, error) {
	pks := make([]item, len(keys))
	for i, k := range keys {
		pks[i] = pick(k, []string{AttrPK, AttrSK})
	}
	items, err := s.batchGet(ctx, pks)
	if err != nil {
		return nil, err
	}
	type key struct{ pk, sk string }
	byKey := make(map[key]item, len(items))
	for _, it := range items {
		byKey[key{stringAttr(it[AttrPK]), stringAttr(it[AttrSK])}] = it
	}
	out := make([]item, len(keys))
	for i, k := range keys {
		out[i] = byKey[key{stringAttr(k[AttrPK]), stringAttr(k[AttrSK])}]
	}
	return out, nil
}
