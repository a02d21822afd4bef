package loyalty_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/loyalty"
	"github.com/skygraph/skygraph/internal/apperr"
)

// TestTierBoundaries: the sample's tiers, at and either side of each threshold.
func TestTierBoundaries(t *testing.T) {
	for _, c := range []struct {
		points    int64
		level     loyalty.Level
		remaining int64
	}{
		{0, loyalty.Bronze, 50_000},
		{1, loyalty.Bronze, 49_999},
		{49_999, loyalty.Bronze, 1},
		{50_000, loyalty.Silver, 50_000},
		{99_999, loyalty.Silver, 1},
		{100_000, loyalty.Gold, 0},
		{1_000_000, loyalty.Gold, 0},
	} {
		l := loyalty.Summarize("c", c.points)
		require.Equal(t, c.level, l.Level, "points %d", c.points)
		require.Equal(t, c.remaining, l.RemainingPoints, "points %d", c.points)
		require.Equal(t, c.points, l.Points)
	}
}

type fakeRepo map[string]int64

func (f fakeRepo) Total(_ context.Context, customer string) (int64, error) { return f[customer], nil }
func (f fakeRepo) History(context.Context, string, int, string) (loyalty.Page, error) {
	return loyalty.Page{}, nil
}

// TestWhoMayReadLoyalty: one's own by default, another customer's only as Admin.
func TestWhoMayReadLoyalty(t *testing.T) {
	s := loyalty.NewService(fakeRepo{"a": 60_000, "b": 10})
	ctx := context.Background()

	l, err := s.Get(ctx, loyalty.Caller{ID: "a"}, "")
	require.NoError(t, err)
	require.Equal(t, loyalty.Silver, l.Level)
	require.Equal(t, "a", l.Customer)

	_, err = s.Get(ctx, loyalty.Caller{ID: "a"}, "b")
	require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err))
	_, err = s.Get(ctx, loyalty.Caller{}, "")
	require.Equal(t, apperr.Unauthorized, apperr.CodeOf(err))

	l, err = s.Get(ctx, loyalty.Caller{ID: "admin", Admin: true}, "b")
	require.NoError(t, err)
	require.Equal(t, int64(10), l.Points)
	require.Equal(t, "b", l.Customer)

	for _, bad := range []int{0, -1, loyalty.MaxLimit + 1} {
		_, err = s.History(ctx, "a", &bad, nil)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "limit %d", bad)
	}
}
