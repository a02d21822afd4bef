package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type item = map[string]types.AttributeValue

// maxQueryPages bounds the DynamoDB round trips one GraphQL page may cost when a filter
// rejects most items; past it the page comes back short with a nextToken, as AppSync's do.
const maxQueryPages = 10

// page is one page of matching items and the key to resume after the last one (nil when
// the data is exhausted).
type page struct {
	items []item
	next  item
}

// queryPage runs the query in repeatedly until limit items satisfy keep, the data ends, or
// maxQueryPages round trips are spent. Unlike a DynamoDB FilterExpression with Limit
// (AppSync's way, whose pages come back short), a page is full whenever enough items exist.
//
// resolve, when not nil, turns the index's key-only items into full items (keeping order
// and length; nil for an item that vanished). keyAttrs are the attributes of the
// ExclusiveStartKey for this index. The resume key points exactly after the last returned
// item, so nothing is skipped or repeated across pages.
func (s *Store) queryPage(ctx context.Context, in *dynamodb.QueryInput, limit int, filtered bool,
	keyAttrs []string, resolve func(context.Context, []item) ([]item, error), keep func(item) (bool, error),
) (page, error) {
	var (
		p          page
		read, size int
	)
	for range maxQueryPages {
		size = readSize(limit-len(p.items), filtered, read, len(p.items), size)
		in.Limit = aws.Int32(int32(size))
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return page{}, storeError("Query", err)
		}
		read += len(out.Items)
		full := out.Items
		if resolve != nil {
			if full, err = resolve(ctx, out.Items); err != nil {
				return page{}, err
			}
		}
		for i, it := range full {
			if it == nil {
				continue
			}
			ok, err := keep(it)
			if err != nil {
				return page{}, err
			}
			if !ok {
				continue
			}
			p.items = append(p.items, it)
			if len(p.items) == limit {
				if i == len(full)-1 {
					p.next = out.LastEvaluatedKey
				} else {
					p.next = pick(out.Items[i], keyAttrs)
				}
				return p, nil
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return p, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	p.next = in.ExclusiveStartKey
	return p, nil
}

// maxReadSize bounds one round trip's DynamoDB Limit.
const maxReadSize = 1000

// readSize is the DynamoDB Limit for the next round trip: it reads one more item than
// needed, so that a page which ends exactly at the end of the data gets no nextToken. With
// a filter the first read is the same, as if the filter kept everything (the sample
// frontend's search keeps every item: it read 51 items to return 5, issue 13), and later
// reads are sized by the filter's observed selectivity (kept of read so far, with a quarter
// to spare), doubling while nothing has been kept, so a selective filter still needs few
// round trips (at most maxQueryPages) and a broad one reads little more than it returns.
func readSize(remaining int, filtered bool, read, kept, prev int) int {
	need := remaining + 1
	switch {
	case !filtered || read == 0:
		return min(need, maxReadSize+1)
	case kept == 0:
		return min(max(2*prev, need), maxReadSize)
	}
	est := (remaining*read+kept-1)/kept + (remaining*read+kept-1)/kept/4 + 1
	return min(max(est, need), maxReadSize)
}

func pick(it item, attrs []string) item {
	k := make(item, len(attrs))
	for _, a := range attrs {
		if v, ok := it[a]; ok {
			k[a] = v
		}
	}
	return k
}

// sealNext turns a resume key into a nextToken (empty for the last page).
func (s *Store) sealNext(next item, scope string) (string, error) {
	if len(next) == 0 {
		return "", nil
	}
	return s.tokens.Seal(next, scope)
}
