package filter_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

func p[T any](v T) *T { return &v }

func TestStringInputMatch(t *testing.T) {
	typ := func(a filter.AttributeType) *filter.AttributeType { return &a }
	cases := []struct {
		name string
		c    filter.StringInput
		v    *string
		want bool
	}{
		{"eq", filter.StringInput{Eq: p("MAD")}, p("MAD"), true},
		{"eq miss", filter.StringInput{Eq: p("MAD")}, p("BCN"), false},
		{"ne", filter.StringInput{Ne: p("MAD")}, p("BCN"), true},
		{"ne equal", filter.StringInput{Ne: p("MAD")}, p("MAD"), false},
		{"le lt ge gt", filter.StringInput{Ge: p("b"), Gt: p("a"), Le: p("c"), Lt: p("d")}, p("c"), true},
		{"lt boundary", filter.StringInput{Lt: p("c")}, p("c"), false},
		{"between inclusive", filter.StringInput{Between: []*string{p("a"), p("c")}}, p("c"), true},
		{"between outside", filter.StringInput{Between: []*string{p("a"), p("c")}}, p("d"), false},
		{"beginsWith", filter.StringInput{BeginsWith: p("2026-05-01")}, p("2026-05-01T08:00+0000"), true},
		{"contains", filter.StringInput{Contains: p("Bar")}, p("Madrid Barajas"), true},
		{"notContains", filter.StringInput{NotContains: p("Bar")}, p("Madrid Barajas"), false},
		{"size", filter.StringInput{Size: &filter.SizeInput{Eq: p(3)}}, p("MAD"), true},
		{"size miss", filter.StringInput{Size: &filter.SizeInput{Gt: p(3)}}, p("MAD"), false},
		{"attributeType string", filter.StringInput{AttributeType: typ(filter.TypeString)}, p("x"), true},
		{"attributeType number", filter.StringInput{AttributeType: typ(filter.TypeNumber)}, p("x"), false},
		{"absent: exists false", filter.StringInput{AttributeExists: p(false)}, nil, true},
		{"absent: exists true", filter.StringInput{AttributeExists: p(true)}, nil, false},
		{"absent: eq", filter.StringInput{Eq: p("x")}, nil, false},
		{"absent: ne", filter.StringInput{Ne: p("x")}, nil, true},
		{"absent: _null", filter.StringInput{AttributeType: typ(filter.TypeNull)}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, c.c.Validate("f"))
			require.Equal(t, c.want, c.c.Match(c.v))
		})
	}
	var nilCond *filter.StringInput
	require.True(t, nilCond.Match(nil), "no condition matches everything")
}

func TestIntInputMatch(t *testing.T) {
	cases := []struct {
		c    filter.IntInput
		v    *int
		want bool
	}{
		{filter.IntInput{Gt: p(0)}, p(1), true},
		{filter.IntInput{Gt: p(0)}, p(0), false},
		{filter.IntInput{Ge: p(0), Le: p(0)}, p(0), true},
		{filter.IntInput{Lt: p(5), Ne: p(3)}, p(3), false},
		{filter.IntInput{Between: []*int{p(1), p(3)}}, p(3), true},
		{filter.IntInput{Between: []*int{p(1), p(3)}}, p(4), false},
		{filter.IntInput{Eq: p(1)}, nil, false},
		{filter.IntInput{AttributeExists: p(false)}, nil, true},
	}
	for _, c := range cases {
		require.Equal(t, c.want, c.c.Match(c.v), "%+v on %v", c.c, c.v)
	}
}

func TestValidateRejectsMalformedOperators(t *testing.T) {
	for _, err := range []error{
		(&filter.IntInput{Between: []*int{p(1)}}).Validate("f"),
		(&filter.IntInput{Between: []*int{p(1), nil}}).Validate("f"),
		(&filter.StringInput{Between: []*string{p("a"), p("b"), p("c")}}).Validate("f"),
		(&filter.StringInput{Size: &filter.SizeInput{Between: []*int{}}}).Validate("f"),
		(&filter.KeyStringInput{}).Validate("status"),
		(&filter.KeyStringInput{Eq: p("a"), BeginsWith: p("b")}).Validate("status"),
	} {
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	}
	require.NoError(t, (&filter.KeyStringInput{Eq: p("CONFIRMED")}).Validate("status"))
}

func TestEnums(t *testing.T) {
	var d filter.SortDirection
	require.NoError(t, d.UnmarshalGQL("DESC"))
	require.True(t, (&d).Descending())
	require.Error(t, d.UnmarshalGQL("desc"))
	var nilDir *filter.SortDirection
	require.False(t, nilDir.Descending())
	var a filter.AttributeType
	require.NoError(t, a.UnmarshalGQL("_null"))
	require.Error(t, a.UnmarshalGQL(7))
}

func TestBudget(t *testing.T) {
	var b filter.Budget
	for i := range filter.MaxNodes {
		require.NoError(t, b.Enter(i%filter.MaxDepth))
	}
	require.Error(t, b.Enter(0))
	var b2 filter.Budget
	require.Error(t, b2.Enter(filter.MaxDepth+1))
}

// numFilter is a minimal Model*FilterInput for Tree: one int field and the groups.
type numFilter struct {
	N       *filter.IntInput
	And, Or []*numFilter
	Not     *numFilter
}

var numTree = filter.Tree[*numFilter, int]{
	Groups: func(f *numFilter) ([]*numFilter, []*numFilter, *numFilter) { return f.And, f.Or, f.Not },
	Fields: func(f *numFilter, path string) error { return f.N.Validate(filter.Field(path, "n")) },
	Match:  func(f *numFilter, v int) bool { return f.N.Match(&v) },
}

// TestTreeGroups: the and/or/not semantics every domain filter gets from Tree: and groups
// all hold, at least one or group holds (an empty or list is no condition), not inverts, nil
// entries are ignored and a nil filter matches everything.
func TestTreeGroups(t *testing.T) {
	ge := func(n int) *numFilter { return &numFilter{N: &filter.IntInput{Ge: p(n)}} }
	le := func(n int) *numFilter { return &numFilter{N: &filter.IntInput{Le: p(n)}} }
	cases := []struct {
		name string
		f    *numFilter
		in   []int
		out  []int
	}{
		{"nil", nil, []int{-5, 0, 5}, nil},
		{"field", ge(3), []int{3, 4}, []int{2}},
		{"and", &numFilter{And: []*numFilter{ge(2), nil, le(4)}}, []int{2, 3, 4}, []int{1, 5}},
		{"or", &numFilter{Or: []*numFilter{le(1), nil, ge(9)}}, []int{0, 1, 9}, []int{2, 8}},
		{"or nil entries only", &numFilter{Or: []*numFilter{nil}}, nil, []int{0, 7}},
		{"not", &numFilter{Not: ge(5)}, []int{4}, []int{5, 6}},
		{"field and groups", &numFilter{N: &filter.IntInput{Ne: p(3)}, Or: []*numFilter{le(3), ge(7)}, Not: ge(9)}, []int{1, 7, 8}, []int{3, 5, 9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, numTree.Validate(c.f, "filter"))
			for _, v := range c.in {
				require.True(t, numTree.Matches(c.f, v), "%d should match", v)
			}
			for _, v := range c.out {
				require.False(t, numTree.Matches(c.f, v), "%d should not match", v)
			}
		})
	}
}

// TestTreeValidate: a bad condition anywhere is named by its path, and the tree's depth and
// size are bounded.
func TestTreeValidate(t *testing.T) {
	bad := &numFilter{N: &filter.IntInput{Between: []*int{p(1)}}}
	err := numTree.Validate(&numFilter{Or: []*numFilter{{}, {Not: bad}}}, "filter")
	require.ErrorContains(t, err, "filter.or[1].not.n")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))

	deep := &numFilter{}
	for range filter.MaxDepth + 1 {
		deep = &numFilter{Not: deep}
	}
	require.ErrorContains(t, numTree.Validate(deep, "filter"), "nested deeper")

	wide := &numFilter{}
	for range filter.MaxNodes {
		wide.And = append(wide.And, &numFilter{})
	}
	require.ErrorContains(t, numTree.Validate(wide, "filter"), "more than")
}
