// Package flighttest is the contract every flight.Repository must pass (wild-workouts'
// pattern): one suite, run against each store, so that no implementation drifts.
package flighttest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Base is the first departure of the flights Make builds.
var Base = time.Date(2030, 5, 1, 6, 0, 0, 0, time.UTC)

// Make returns a valid flight departing Base + offset, from dep to arr.
func Make(id, dep, arr string, offset time.Duration) *flight.Flight {
	d := Base.Add(offset)
	now := time.Date(2030, 1, 1, 0, 0, 0, 123456789, time.UTC)
	return &flight.Flight{
		ID: id, DepartureDate: d.Format(flight.DateLayout), DepartureAirportCode: dep,
		DepartureAirportName: dep + " Airport", DepartureCity: dep + " City", DepartureLocale: "Europe/London",
		ArrivalDate: d.Add(2 * time.Hour).Format(flight.DateLayout), ArrivalAirportCode: arr,
		ArrivalAirportName: arr + " Airport", ArrivalCity: arr + " City", ArrivalLocale: "Europe/Madrid",
		TicketPrice: 100, TicketCurrency: "EUR", FlightNumber: 1000, SeatCapacity: 10, TotalSeats: 10,
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
}

func ptr[T any](v T) *T { return &v }

// RunRepositoryContract runs the contract against fresh repositories from newRepo (each
// call must return an empty repository).
func RunRepositoryContract(t *testing.T, newRepo func(t *testing.T) flight.Repository) {
	ctx := context.Background()

	t.Run("CreateGet", func(t *testing.T) {
		r := newRepo(t)
		f := Make("f1", "LGW", "MAD", 0)
		f.SeatAllocation = ptr(3)
		require.NoError(t, r.Create(ctx, f))
		got, err := r.Get(ctx, "f1")
		require.NoError(t, err)
		require.Equal(t, f, got)
	})

	t.Run("CreateDuplicateIsConflict", func(t *testing.T) {
		r := newRepo(t)
		require.NoError(t, r.Create(ctx, Make("f1", "LGW", "MAD", 0)))
		other := Make("f1", "JFK", "LAX", time.Hour)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Create(ctx, other)))
		got, err := r.Get(ctx, "f1")
		require.NoError(t, err)
		require.Equal(t, "LGW", got.DepartureAirportCode, "a refused create must not overwrite")
	})

	t.Run("GetMissingIsNotFound", func(t *testing.T) {
		r := newRepo(t)
		_, err := r.Get(ctx, "nope")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})

	t.Run("GetManyAcrossChunksWithDuplicatesAndMissing", func(t *testing.T) {
		r := newRepo(t)
		var ids []string
		for i := range 230 {
			id := fmt.Sprintf("f%03d", i)
			require.NoError(t, r.Create(ctx, Make(id, "LGW", "MAD", time.Duration(i)*time.Minute)))
			ids = append(ids, id)
		}
		ask := append(append([]string{}, ids...), ids[:50]...)
		ask = append(ask, "missing-1", "missing-2")
		got, err := r.GetMany(ctx, ask)
		require.NoError(t, err)
		require.Len(t, got, 230)
		for _, id := range ids {
			require.Equal(t, id, got[id].ID)
		}
		empty, err := r.GetMany(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, empty)
	})

	t.Run("UpdateIsVersioned", func(t *testing.T) {
		r := newRepo(t)
		prev := Make("f1", "LGW", "MAD", 0)
		require.NoError(t, r.Create(ctx, prev))
		next := *prev
		next.TicketPrice = 250
		next.ArrivalAirportCode = "BCN"
		next.UpdatedAt = prev.UpdatedAt.Add(time.Minute)
		require.NoError(t, r.Update(ctx, prev, &next))
		got, err := r.Get(ctx, "f1")
		require.NoError(t, err)
		require.Equal(t, 250, got.TicketPrice)
		require.Equal(t, int64(2), got.Version)

		// The update moved the flight in the schedule index too.
		page, err := r.Search(ctx, flight.ScheduleQuery{DepartureAirportCode: "LGW", Limit: 10,
			Key: &flight.ScheduleCondition{BeginsWith: &flight.ScheduleKey{ArrivalAirportCode: ptr("BCN")}}})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)

		stale := *prev
		stale.TicketPrice = 1
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Update(ctx, prev, &stale)))
		got, err = r.Get(ctx, "f1")
		require.NoError(t, err)
		require.Equal(t, 250, got.TicketPrice, "a stale update must not write")

		gone := Make("ghost", "LGW", "MAD", 0)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(r.Update(ctx, gone, gone)))
	})

	t.Run("UpdateSeats", func(t *testing.T) {
		r := newRepo(t)
		prev := Make("f1", "LGW", "MAD", 0)
		prev.SeatCapacity, prev.TotalSeats = 4, 10 // 6 sold
		prev.SeatAllocation = ptr(2)
		require.NoError(t, r.Create(ctx, prev))

		grow := *prev
		grow.TotalSeats, grow.SeatCapacity = 12, 6 // shift: sold seats stay sold
		grow.SeatAllocation = nil
		require.NoError(t, r.Update(ctx, prev, &grow))
		got, err := r.Get(ctx, "f1")
		require.NoError(t, err)
		require.Equal(t, 12, got.TotalSeats)
		require.Equal(t, 6, got.SeatCapacity)
		require.Nil(t, got.SeatAllocation, "a cleared seatAllocation is removed")

		shrink := *got
		shrink.TotalSeats, shrink.SeatCapacity = 6, 0
		require.NoError(t, r.Update(ctx, got, &shrink))
		got2, err := r.Get(ctx, "f1")
		require.NoError(t, err)
		require.Equal(t, 0, got2.SeatCapacity)

		set := *got2
		set.SeatCapacity = 5 // explicit override
		require.NoError(t, r.Update(ctx, got2, &set))
		got3, err := r.Get(ctx, "f1")
		require.NoError(t, err)
		require.Equal(t, 5, got3.SeatCapacity)
	})

	t.Run("DeleteIsVersioned", func(t *testing.T) {
		r := newRepo(t)
		f := Make("f1", "LGW", "MAD", 0)
		require.NoError(t, r.Create(ctx, f))
		stale := *f
		stale.Version = 7
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Delete(ctx, &stale)))
		require.NoError(t, r.Delete(ctx, f))
		_, err := r.Get(ctx, "f1")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		require.Equal(t, apperr.NotFound, apperr.CodeOf(r.Delete(ctx, f)))
	})

	t.Run("DeleteRefusedWhileSeatsAreSold", func(t *testing.T) {
		r := newRepo(t)
		f := Make("f1", "LGW", "MAD", 0)
		f.SeatCapacity = f.TotalSeats - 1 // one seat booked
		require.NoError(t, r.Create(ctx, f))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(r.Delete(ctx, f)))
		_, err := r.Get(ctx, "f1")
		require.NoError(t, err, "the flight of a booking must stay")
	})

	t.Run("ListPagesInDepartureOrder", func(t *testing.T) {
		r := newRepo(t)
		var want []string
		for i := range 23 {
			// Insert out of order; ids do not follow dates.
			id := fmt.Sprintf("x%02d", (i*7)%23)
			require.NoError(t, r.Create(ctx, Make(id, "LGW", "MAD", time.Duration((i*7)%23)*time.Hour)))
		}
		for i := range 23 {
			want = append(want, fmt.Sprintf("x%02d", i))
		}
		require.Equal(t, want, collect(t, func(tok string) (flight.Page, error) {
			return r.List(ctx, flight.ListQuery{Limit: 5, NextToken: tok})
		}, 5))
	})

	t.Run("ListFilterFillsPages", func(t *testing.T) {
		r := newRepo(t)
		var want []string
		for i := range 40 {
			f := Make(fmt.Sprintf("x%02d", i), "LGW", "MAD", time.Duration(i)*time.Hour)
			if i%4 != 0 {
				f.SeatCapacity = 0
			} else {
				want = append(want, f.ID)
			}
			require.NoError(t, r.Create(ctx, f))
		}
		f := &flight.Filter{SeatCapacity: &filter.IntInput{Gt: ptr(0)}}
		require.Equal(t, want, collect(t, func(tok string) (flight.Page, error) {
			return r.List(ctx, flight.ListQuery{Limit: 3, Filter: f, NextToken: tok})
		}, 3))
	})

	t.Run("SearchKeyConditions", func(t *testing.T) {
		r := newRepo(t)
		// LGW -> BCN, MAD, MAN at days 0..2, two flights a day; one JFK departure.
		for _, arr := range []string{"BCN", "MAD", "MAN"} {
			for day := range 3 {
				for slot := range 2 {
					id := fmt.Sprintf("%s-%d-%d", arr, day, slot)
					off := time.Duration(day)*24*time.Hour + time.Duration(slot)*6*time.Hour
					require.NoError(t, r.Create(ctx, Make(id, "LGW", arr, off)))
				}
			}
		}
		require.NoError(t, r.Create(ctx, Make("jfk", "JFK", "MAD", 0)))
		day := func(d int) string { return Base.AddDate(0, 0, d).Format("2006-01-02") }
		at := func(d, slot int) string {
			return Base.AddDate(0, 0, d).Add(time.Duration(slot) * 6 * time.Hour).Format(flight.DateLayout)
		}
		key := func(arr string, date string) *flight.ScheduleKey {
			k := &flight.ScheduleKey{ArrivalAirportCode: ptr(arr)}
			if date != "" {
				k.DepartureDate = ptr(date)
			}
			return k
		}
		cases := []struct {
			name string
			cond *flight.ScheduleCondition
			desc bool
			want []string
		}{
			{"none", nil, false, ids("BCN", "MAD", "MAN")},
			{"beginsWith arrival", &flight.ScheduleCondition{BeginsWith: key("MAD", "")}, false, ids("MAD")},
			{"beginsWith arrival and day", &flight.ScheduleCondition{BeginsWith: key("MAD", day(1))}, false, []string{"MAD-1-0", "MAD-1-1"}},
			{"eq", &flight.ScheduleCondition{Eq: key("MAN", at(2, 1))}, false, []string{"MAN-2-1"}},
			{"le", &flight.ScheduleCondition{Le: key("MAD", at(0, 1))}, false, append(ids("BCN"), "MAD-0-0", "MAD-0-1")},
			{"lt", &flight.ScheduleCondition{Lt: key("MAD", at(0, 1))}, false, append(ids("BCN"), "MAD-0-0")},
			{"ge", &flight.ScheduleCondition{Ge: key("MAN", at(2, 0))}, false, []string{"MAN-2-0", "MAN-2-1"}},
			{"gt", &flight.ScheduleCondition{Gt: key("MAN", at(2, 0))}, false, []string{"MAN-2-1"}},
			{"between", &flight.ScheduleCondition{Between: []*flight.ScheduleKey{key("MAD", at(1, 1)), key("MAN", at(0, 0))}}, false,
				[]string{"MAD-1-1", "MAD-2-0", "MAD-2-1", "MAN-0-0"}},
			{"descending", &flight.ScheduleCondition{BeginsWith: key("BCN", "")}, true, reverse(ids("BCN"))},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, limit := range []int{1, 4, 100} {
					got := collect(t, func(tok string) (flight.Page, error) {
						return r.Search(ctx, flight.ScheduleQuery{DepartureAirportCode: "LGW", Key: c.cond,
							Descending: c.desc, Limit: limit, NextToken: tok})
					}, limit)
					require.Equal(t, c.want, got, "limit %d", limit)
				}
			})
		}
	})

	t.Run("SearchFilterFillsPages", func(t *testing.T) {
		r := newRepo(t)
		var want []string
		for i := range 30 {
			f := Make(fmt.Sprintf("m%02d", i), "LGW", "MAD", time.Duration(i)*time.Hour)
			f.TicketPrice = 100 + i
			if i%3 == 0 {
				want = append(want, f.ID)
			} else {
				f.SeatCapacity = 0
			}
			require.NoError(t, r.Create(ctx, f))
		}
		q := flight.ScheduleQuery{DepartureAirportCode: "LGW", Limit: 4,
			Key:    &flight.ScheduleCondition{BeginsWith: &flight.ScheduleKey{ArrivalAirportCode: ptr("MAD")}},
			Filter: &flight.Filter{SeatCapacity: &filter.IntInput{Gt: ptr(0)}}}
		require.Equal(t, want, collect(t, func(tok string) (flight.Page, error) {
			q.NextToken = tok
			return r.Search(ctx, q)
		}, 4))
	})

	t.Run("ForgedAndForeignTokensAreBadRequest", func(t *testing.T) {
		r := newRepo(t)
		for i := range 5 {
			require.NoError(t, r.Create(ctx, Make(fmt.Sprintf("t%d", i), "LGW", "MAD", time.Duration(i)*time.Hour)))
		}
		q := flight.ScheduleQuery{DepartureAirportCode: "LGW", Limit: 2}
		p, err := r.Search(ctx, q)
		require.NoError(t, err)
		require.NotEmpty(t, p.NextToken)

		for _, tok := range []string{"garbage", "AQ", p.NextToken[:len(p.NextToken)-2], p.NextToken + "AA",
			flip(p.NextToken), strings.Repeat("A", 5000)} {
			q.NextToken = tok
			_, err := r.Search(ctx, q)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "token %.20q", tok)
		}
		// A valid token on another query: other route, other order, other filter, listFlights.
		other := []flight.ScheduleQuery{
			{DepartureAirportCode: "JFK", Limit: 2, NextToken: p.NextToken},
			{DepartureAirportCode: "LGW", Limit: 2, NextToken: p.NextToken, Descending: true},
			{DepartureAirportCode: "LGW", Limit: 2, NextToken: p.NextToken, Filter: &flight.Filter{TicketPrice: &filter.IntInput{Gt: ptr(0)}}},
		}
		for _, o := range other {
			_, err := r.Search(ctx, o)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
		}
		_, err = r.List(ctx, flight.ListQuery{Limit: 2, NextToken: p.NextToken})
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
		// The limit may change between pages.
		q.NextToken, q.Limit = p.NextToken, 3
		p2, err := r.Search(ctx, q)
		require.NoError(t, err)
		require.Len(t, p2.Items, 3)
		require.Empty(t, p2.NextToken)
	})
}

func ids(arrivals ...string) []string {
	var out []string
	for _, a := range arrivals {
		for d := range 3 {
			for s := range 2 {
				out = append(out, fmt.Sprintf("%s-%d-%d", a, d, s))
			}
		}
	}
	return out
}

func reverse(s []string) []string {
	out := append([]string{}, s...)
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

// flip changes one character in the middle of a token.
func flip(tok string) string {
	b := []byte(tok)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// collect follows nextTokens to the end, checking that every page but the last is full
// and that the last page has no token.
func collect(t *testing.T, next func(tok string) (flight.Page, error), limit int) []string {
	t.Helper()
	var out []string
	tok := ""
	for range 1000 {
		p, err := next(tok)
		require.NoError(t, err)
		require.LessOrEqual(t, len(p.Items), limit)
		for _, f := range p.Items {
			out = append(out, f.ID)
		}
		if p.NextToken == "" {
			return out
		}
		require.Len(t, p.Items, limit, "a page with a nextToken must be full")
		tok = p.NextToken
	}
	t.Fatal("pagination did not end")
	return nil
}
