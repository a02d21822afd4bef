package flight

import (
	"github.com/skygraph/skygraph/internal/filter"
)

// Filter is Amplify's ModelFlightFilterInput (and ModelFlightConditionInput, which lacks
// only id): conditions on fields, AND-ed, plus and/or/not groups.
type Filter struct {
	ID                   *filter.StringInput
	DepartureDate        *filter.StringInput
	DepartureAirportCode *filter.StringInput
	DepartureAirportName *filter.StringInput
	DepartureCity        *filter.StringInput
	DepartureLocale      *filter.StringInput
	ArrivalDate          *filter.StringInput
	ArrivalAirportCode   *filter.StringInput
	ArrivalAirportName   *filter.StringInput
	ArrivalCity          *filter.StringInput
	ArrivalLocale        *filter.StringInput
	TicketPrice          *filter.IntInput
	TicketCurrency       *filter.StringInput
	FlightNumber         *filter.IntInput
	SeatAllocation       *filter.IntInput
	SeatCapacity         *filter.IntInput
	TotalSeats           *filter.IntInput
	And                  []*Filter
	Or                   []*Filter
	Not                  *Filter
}

func (f *Filter) strings(fl *Flight) []struct {
	name string
	c    *filter.StringInput
	v    string
} {
	return []struct {
		name string
		c    *filter.StringInput
		v    string
	}{
		{"id", f.ID, fl.ID},
		{"departureDate", f.DepartureDate, fl.DepartureDate},
		{"departureAirportCode", f.DepartureAirportCode, fl.DepartureAirportCode},
		{"departureAirportName", f.DepartureAirportName, fl.DepartureAirportName},
		{"departureCity", f.DepartureCity, fl.DepartureCity},
		{"departureLocale", f.DepartureLocale, fl.DepartureLocale},
		{"arrivalDate", f.ArrivalDate, fl.ArrivalDate},
		{"arrivalAirportCode", f.ArrivalAirportCode, fl.ArrivalAirportCode},
		{"arrivalAirportName", f.ArrivalAirportName, fl.ArrivalAirportName},
		{"arrivalCity", f.ArrivalCity, fl.ArrivalCity},
		{"arrivalLocale", f.ArrivalLocale, fl.ArrivalLocale},
		{"ticketCurrency", f.TicketCurrency, fl.TicketCurrency},
	}
}

func (f *Filter) ints(fl *Flight) []struct {
	name string
	c    *filter.IntInput
	v    *int
} {
	return []struct {
		name string
		c    *filter.IntInput
		v    *int
	}{
		{"ticketPrice", f.TicketPrice, &fl.TicketPrice},
		{"flightNumber", f.FlightNumber, &fl.FlightNumber},
		{"seatAllocation", f.SeatAllocation, fl.SeatAllocation},
		{"seatCapacity", f.SeatCapacity, &fl.SeatCapacity},
		{"totalSeats", f.TotalSeats, &fl.TotalSeats},
	}
}

var tree = filter.Tree[*Filter, *Flight]{
	Groups: func(f *Filter) ([]*Filter, []*Filter, *Filter) { return f.And, f.Or, f.Not },
	Fields: func(f *Filter, path string) error {
		var empty Flight
		for _, s := range f.strings(&empty) {
			if s.c == nil {
				continue // no condition: no path string to build
			}
			if err := s.c.Validate(filter.Field(path, s.name)); err != nil {
				return err
			}
		}
		for _, i := range f.ints(&empty) {
			if i.c == nil {
				continue // no condition: no path string to build
			}
			if err := i.c.Validate(filter.Field(path, i.name)); err != nil {
				return err
			}
		}
		return nil
	},
	Match: func(f *Filter, fl *Flight) bool {
		for _, s := range f.strings(fl) {
			if !s.c.Match(&s.v) {
				return false
			}
		}
		for _, i := range f.ints(fl) {
			if !i.c.Match(i.v) {
				return false
			}
		}
		return true
	},
}

// Validate checks every operator's arguments and bounds the tree's size. path names the
// argument in error messages ("filter", "condition").
func (f *Filter) Validate(path string) error { return tree.Validate(f, path) }

// Match reports whether fl satisfies f. A nil filter matches everything; nil entries in
// and/or lists are ignored, as are empty lists. f must have passed Validate.
func (f *Filter) Match(fl *Flight) bool { return tree.Matches(f, fl) }
