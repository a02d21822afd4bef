package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/flight/flighttest"
	"github.com/skygraph/skygraph/internal/filter"
)

// reads records how many items each Query read: the store filters on its side, with no
// FilterExpression, so that is what DynamoDB evaluated and charges read capacity for
// (minidyn reports no ScannedCount).
type reads struct {
	dynamo.API
	mu      sync.Mutex
	scanned []int
}

func (r *reads) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := r.API.Query(ctx, in, o...)
	if err == nil {
		r.mu.Lock()
		r.scanned = append(r.scanned, len(out.Items))
		r.mu.Unlock()
	}
	return out, err
}

func (r *reads) take() (queries, items int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.scanned {
		items += n
	}
	queries = len(r.scanned)
	r.scanned = nil
	return queries, items
}

// TestFilteredPagesReadWhatTheyNeed: a filtered page reads about what it returns (issue 13:
// the sample search read 51 items to return 5), adapting to the filter's selectivity, and
// still returns every matching item once, in order, with cursors that resume exactly
// (the repository contract's FilterFillsPages cases check the same on every backend).
func TestFilteredPagesReadWhatTheyNeed(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			r := &reads{API: dynamotest.Client(t, b)}
			repo := dynamotest.NewStore(t, b, r).Flights()
			var want []string
			for i := range 60 {
				f := flighttest.Make(fmt.Sprintf("s%02d", i), "LGW", "MAD", time.Duration(i)*time.Hour)
				if i%4 != 0 {
					f.SeatCapacity = 0 // one in four matches
				} else {
					want = append(want, f.ID)
				}
				require.NoError(t, repo.Create(ctx, f))
			}
			r.take()
			q := func(limit int, f *flight.Filter, tok string) flight.ScheduleQuery {
				return flight.ScheduleQuery{DepartureAirportCode: "LGW", Limit: limit, NextToken: tok,
					Key:    &flight.ScheduleCondition{BeginsWith: &flight.ScheduleKey{ArrivalAirportCode: ptr("MAD")}},
					Filter: f}
			}
			// A filter that keeps everything: one Query of limit+1 items, as without a filter.
			all := &flight.Filter{TicketPrice: &filter.IntInput{Gt: ptr(0)}}
			p, err := repo.Search(ctx, q(5, all, ""))
			require.NoError(t, err)
			require.Len(t, p.Items, 5)
			require.NotEmpty(t, p.NextToken)
			queries, items := r.take()
			require.Equal(t, 1, queries)
			require.Equal(t, 6, items, "items read for a page of 5")

			// One in four: every page is full and resumes exactly; all pages together read
			// about what they had to (the 60 items once, plus read-ahead), not 51+ a page.
			seats := &flight.Filter{SeatCapacity: &filter.IntInput{Gt: ptr(0)}}
			var got []string
			tok := ""
			for range 20 {
				p, err := repo.Search(ctx, q(3, seats, tok))
				require.NoError(t, err)
				for _, f := range p.Items {
					got = append(got, f.ID)
				}
				if p.NextToken == "" {
					break
				}
				require.Len(t, p.Items, 3, "a page with a nextToken is full")
				tok = p.NextToken
			}
			require.Equal(t, want, got)
			queries, items = r.take()
			t.Logf("%s: %d matching of 60, pages of 3: %d Queries read %d items", b.Name, len(want), queries, items)
			require.LessOrEqual(t, items, 60+2*len(want), "items read over all pages")
		})
	}
}

func ptr[T any](v T) *T { return &v }
