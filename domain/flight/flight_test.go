package flight_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/flight/flighttest"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

func p[T any](v T) *T { return &v }

func TestParseDate(t *testing.T) {
	ok := map[string]string{
		"2026-05-01T08:00+0000":         "2026-05-01T08:00+0000",
		"2026-05-01T09:00+0100":         "2026-05-01T08:00+0000",
		"2026-05-01T08:00Z":             "2026-05-01T08:00+0000",
		"2026-05-01T03:30-04:30":        "2026-05-01T08:00+0000",
		"2026-05-01T08:00:00Z":          "2026-05-01T08:00+0000",
		"2026-05-01T08:00:00.000+00:00": "2026-05-01T08:00+0000",
		"2026-04-30T23:30-08:30":        "2026-05-01T08:00+0000",
	}
	for in, want := range ok {
		got, err := flight.ParseDate("d", in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "tomorrow", "2026-05-01", "2026-05-01T08:00", "2026-05-01T08:00:30Z",
		"2026-02-30T08:00Z", "2026-05-01T25:00Z", "2026-05-01 08:00+0000"} {
		_, err := flight.ParseDate("departureDate", in)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), in)
		require.Contains(t, apperr.MessageOf(err), "departureDate", in)
	}
}

func TestNormalize(t *testing.T) {
	valid := func() *flight.Flight { return flighttest.Make("ok-1", "LGW", "MAD", 0) }
	require.NoError(t, valid().Normalize())
	cases := map[string]func(f *flight.Flight){
		"id with #":           func(f *flight.Flight) { f.ID = "a#b" },
		"long id":             func(f *flight.Flight) { f.ID = string(make([]byte, 65)) },
		"arrival before":      func(f *flight.Flight) { f.ArrivalDate = "2000-01-01T00:00+0000" },
		"same airports":       func(f *flight.Flight) { f.ArrivalAirportCode = f.DepartureAirportCode },
		"lower-case code":     func(f *flight.Flight) { f.DepartureAirportCode = "lgw" },
		"empty city":          func(f *flight.Flight) { f.DepartureCity = "  " },
		"bad locale":          func(f *flight.Flight) { f.ArrivalLocale = "Mars/Olympus" },
		"Local locale":        func(f *flight.Flight) { f.ArrivalLocale = "Local" },
		"negative price":      func(f *flight.Flight) { f.TicketPrice = -1 },
		"huge price":          func(f *flight.Flight) { f.TicketPrice = flight.MaxTicketPrice + 1 },
		"currency":            func(f *flight.Flight) { f.TicketCurrency = "euro" },
		"flight number":       func(f *flight.Flight) { f.FlightNumber = 0 },
		"seats over total":    func(f *flight.Flight) { f.SeatCapacity = f.TotalSeats + 1 },
		"negative seats":      func(f *flight.Flight) { f.SeatCapacity = -1 },
		"no seats at all":     func(f *flight.Flight) { f.TotalSeats, f.SeatCapacity = 0, 0 },
		"negative allocation": func(f *flight.Flight) { f.SeatAllocation = p(-2) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			f := valid()
			mutate(f)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(f.Normalize()))
		})
	}
	f := valid()
	f.DepartureCity = "  London  "
	require.NoError(t, f.Normalize())
	require.Equal(t, "London", f.DepartureCity)
}

func TestFilterMatchesLikeAmplify(t *testing.T) {
	f := flighttest.Make("x", "LGW", "MAD", 0)
	f.SeatCapacity, f.TicketPrice = 3, 150
	cases := []struct {
		name string
		flt  *flight.Filter
		want bool
	}{
		{"nil", nil, true},
		{"fields are AND-ed", &flight.Filter{SeatCapacity: &filter.IntInput{Gt: p(0)}, TicketPrice: &filter.IntInput{Lt: p(100)}}, false},
		{"and", &flight.Filter{And: []*flight.Filter{{SeatCapacity: &filter.IntInput{Gt: p(0)}}, {TicketPrice: &filter.IntInput{Le: p(150)}}}}, true},
		{"or", &flight.Filter{Or: []*flight.Filter{{TicketPrice: &filter.IntInput{Lt: p(100)}}, {ArrivalAirportCode: &filter.StringInput{Eq: p("MAD")}}}}, true},
		{"or none", &flight.Filter{Or: []*flight.Filter{{TicketPrice: &filter.IntInput{Lt: p(100)}}}}, false},
		{"not", &flight.Filter{Not: &flight.Filter{ArrivalAirportCode: &filter.StringInput{Eq: p("MAD")}}}, false},
		{"nil entries ignored", &flight.Filter{And: []*flight.Filter{nil}, Or: []*flight.Filter{nil, {ID: &filter.StringInput{Eq: p("x")}}}}, true},
		{"absent seatAllocation", &flight.Filter{SeatAllocation: &filter.IntInput{AttributeExists: p(false)}}, true},
	}
	for _, c := range cases {
		require.NoError(t, c.flt.Validate("filter"), c.name)
		require.Equal(t, c.want, c.flt.Match(f), c.name)
	}
	deep := &flight.Filter{}
	cur := deep
	for range filter.MaxDepth + 1 {
		cur.Not = &flight.Filter{}
		cur = cur.Not
	}
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(deep.Validate("filter")))
	wide := &flight.Filter{}
	for range filter.MaxNodes {
		wide.Or = append(wide.Or, &flight.Filter{})
	}
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(wide.Validate("filter")))
}

func TestScheduleConditionOp(t *testing.T) {
	k := &flight.ScheduleKey{ArrivalAirportCode: p("MAD"), DepartureDate: p("2026-05-01")}
	op, keys, err := (&flight.ScheduleCondition{BeginsWith: k}).Op()
	require.NoError(t, err)
	require.Equal(t, flight.OpBeginsWith, op)
	require.Len(t, keys, 1)
	for _, bad := range []*flight.ScheduleCondition{
		{},
		{Eq: k, Gt: k},
		{Between: []*flight.ScheduleKey{k}},
		{Between: []*flight.ScheduleKey{k, nil}},
		{Le: &flight.ScheduleKey{DepartureDate: p("2026")}},
		{Eq: &flight.ScheduleKey{ArrivalAirportCode: p("MAD")}},
	} {
		_, _, err := bad.Op()
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%+v", bad)
	}
}

func TestNormalizeLimit(t *testing.T) {
	n, err := flight.NormalizeLimit(nil)
	require.NoError(t, err)
	require.Equal(t, flight.DefaultLimit, n)
	for _, bad := range []int{0, -1, flight.MaxLimit + 1} {
		_, err := flight.NormalizeLimit(&bad)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	}
}
