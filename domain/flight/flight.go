// Package flight is the flight catalog: flights, their validation, search conditions and
// the Service that the GraphQL resolvers and the booking saga use.
//
// The package knows nothing of GraphQL or DynamoDB. It defines the Repository it needs;
// package dynamo implements it.
package flight

import (
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // Locale validation must not depend on the host's zoneinfo (Lambda, scratch images).

	"github.com/skygraph/skygraph/internal/apperr"
)

// DateLayout is how flight dates are stored and returned: UTC, minute precision, "+0000",
// as the AppSync sample stores them. Being fixed-width UTC, the strings sort in time order,
// which the schedule index relies on, and a "YYYY-MM-DD" prefix selects one UTC day.
const DateLayout = "2006-01-02T15:04-0700"

// Flight is one scheduled flight. Dates are in DateLayout.
type Flight struct {
	ID                   string
	DepartureDate        string
	DepartureAirportCode string
	DepartureAirportName string
	DepartureCity        string
	DepartureLocale      string
	ArrivalDate          string
	ArrivalAirportCode   string
	ArrivalAirportName   string
	ArrivalCity          string
	ArrivalLocale        string
	// TicketPrice is in whole units of TicketCurrency, as the sample displays it.
	TicketPrice    int
	TicketCurrency string
	FlightNumber   int
	// SeatAllocation is the sample's deprecated field, kept so old documents still work.
	SeatAllocation *int
	// SeatCapacity is the number of seats left to sell; bookings decrement it.
	SeatCapacity int
	// TotalSeats is the aircraft's capacity; SeatCapacity never exceeds it, so a released
	// seat can never create a seat that does not exist.
	TotalSeats int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Version counts catalog edits (not seat changes); writes are conditional on it so
	// that two concurrent edits cannot silently overwrite each other.
	Version int64
}

// Limits on field values. They keep junk out of the catalog and bound item sizes.
const (
	// MaxTicketPrice (whole currency units) is what a booking can charge: the saga captures
	// ticketPrice × 100 minor units, and payment.MaxAmount is 10 000 000 (a test in package
	// booking keeps the two in step).
	MaxTicketPrice  = 100_000
	MaxTotalSeats   = 1_000
	MaxFlightNumber = 9_999
	maxTextLen      = 100
	maxIDLen        = 64
)

var (
	airportCodeRE = regexp.MustCompile(`^[A-Z]{3}$`)
	currencyRE    = regexp.MustCompile(`^[A-Z]{3}$`)
	idRE          = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// ParseDate accepts a date in DateLayout, RFC 3339 (with or without seconds) or with a
// "Z"/"±hh:mm" offset, and returns it normalised to DateLayout in UTC. Seconds must be
// zero: the catalog has minute precision and silently dropping seconds would change a
// flight's time.
func ParseDate(field, s string) (string, error) {
	layouts := []string{DateLayout, "2006-01-02T15:04Z07:00", time.RFC3339Nano}
	for _, l := range layouts {
		t, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		if t.Second() != 0 || t.Nanosecond() != 0 {
			return "", apperr.New(apperr.BadRequest, "%s: %q has seconds; flight dates have minute precision", field, s)
		}
		return t.UTC().Format(DateLayout), nil
	}
	return "", apperr.New(apperr.BadRequest,
		"%s: %q is not a date-time such as 2026-05-01T08:00+0000 or 2026-05-01T08:00:00Z", field, s)
}

// ValidateID checks a client-chosen id. Ids end up inside storage keys, so they are kept to
// a safe alphabet.
func ValidateID(id string) error {
	if len(id) == 0 || len(id) > maxIDLen || !idRE.MatchString(id) {
		return apperr.New(apperr.BadRequest, "id: must be 1-%d characters of A-Z, a-z, 0-9, _ and -", maxIDLen)
	}
	return nil
}

// Normalize validates f and rewrites its dates into DateLayout. It returns a BadRequest
// naming the first invalid field.
func (f *Flight) Normalize() error {
	if err := ValidateID(f.ID); err != nil {
		return err
	}
	var err error
	if f.DepartureDate, err = ParseDate("departureDate", f.DepartureDate); err != nil {
		return err
	}
	if f.ArrivalDate, err = ParseDate("arrivalDate", f.ArrivalDate); err != nil {
		return err
	}
	if f.ArrivalDate <= f.DepartureDate {
		return apperr.New(apperr.BadRequest, "arrivalDate: must be after departureDate")
	}
	for _, c := range []struct{ name, v string }{
		{"departureAirportCode", f.DepartureAirportCode}, {"arrivalAirportCode", f.ArrivalAirportCode},
	} {
		if !airportCodeRE.MatchString(c.v) {
			return apperr.New(apperr.BadRequest, "%s: %q is not a three-letter upper-case IATA code", c.name, c.v)
		}
	}
	if f.DepartureAirportCode == f.ArrivalAirportCode {
		return apperr.New(apperr.BadRequest, "arrivalAirportCode: must differ from departureAirportCode")
	}
	for _, t := range []struct {
		name string
		v    *string
	}{
		{"departureAirportName", &f.DepartureAirportName}, {"departureCity", &f.DepartureCity},
		{"arrivalAirportName", &f.ArrivalAirportName}, {"arrivalCity", &f.ArrivalCity},
	} {
		*t.v = strings.TrimSpace(*t.v)
		if *t.v == "" || len(*t.v) > maxTextLen {
			return apperr.New(apperr.BadRequest, "%s: must be 1-%d characters", t.name, maxTextLen)
		}
	}
	for _, l := range []struct{ name, v string }{
		{"departureLocale", f.DepartureLocale}, {"arrivalLocale", f.ArrivalLocale},
	} {
		if l.v == "" || l.v == "Local" || strings.Contains(l.v, "..") {
			return apperr.New(apperr.BadRequest, "%s: %q is not an IANA time zone such as Europe/London", l.name, l.v)
		}
		if _, err := time.LoadLocation(l.v); err != nil {
			return apperr.New(apperr.BadRequest, "%s: %q is not an IANA time zone such as Europe/London", l.name, l.v)
		}
	}
	if f.TicketPrice < 0 || f.TicketPrice > MaxTicketPrice {
		return apperr.New(apperr.BadRequest, "ticketPrice: must be between 0 and %d", MaxTicketPrice)
	}
	if !currencyRE.MatchString(f.TicketCurrency) {
		return apperr.New(apperr.BadRequest, "ticketCurrency: %q is not an ISO 4217 code such as EUR", f.TicketCurrency)
	}
	if f.FlightNumber < 1 || f.FlightNumber > MaxFlightNumber {
		return apperr.New(apperr.BadRequest, "flightNumber: must be between 1 and %d", MaxFlightNumber)
	}
	if f.TotalSeats < 1 || f.TotalSeats > MaxTotalSeats {
		return apperr.New(apperr.BadRequest, "totalSeats: must be between 1 and %d", MaxTotalSeats)
	}
	if f.SeatCapacity < 0 || f.SeatCapacity > f.TotalSeats {
		return apperr.New(apperr.BadRequest, "seatCapacity: must be between 0 and totalSeats (%d)", f.TotalSeats)
	}
	if f.SeatAllocation != nil && (*f.SeatAllocation < 0 || *f.SeatAllocation > MaxTotalSeats) {
		return apperr.New(apperr.BadRequest, "seatAllocation: must be between 0 and %d", MaxTotalSeats)
	}
	return nil
}
