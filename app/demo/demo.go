// Package demo is the seeded demo catalog: real airports and a month of flights on a
// dozen-odd routes, so `go run .` answers a flight search out of the box.
//
// Flight ids are derived from route, day and slot, so seeding twice creates nothing new
// and never resets the seats of a flight that bookings have already changed.
package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Airport is one airport of the demo catalog.
type Airport struct {
	Code, Name, City, Locale string
}

// Airports are the demo catalog's airports, keyed by IATA code.
var Airports = map[string]Airport{}

func init() {
	for _, a := range []Airport{
		{"LGW", "London Gatwick", "London", "Europe/London"},
		{"LHR", "London Heathrow", "London", "Europe/London"},
		{"MAD", "Madrid Barajas", "Madrid", "Europe/Madrid"},
		{"BCN", "Barcelona El Prat", "Barcelona", "Europe/Madrid"},
		{"CDG", "Paris Charles de Gaulle", "Paris", "Europe/Paris"},
		{"AMS", "Amsterdam Schiphol", "Amsterdam", "Europe/Amsterdam"},
		{"FRA", "Frankfurt am Main", "Frankfurt", "Europe/Berlin"},
		{"MUC", "Munich", "Munich", "Europe/Berlin"},
		{"FCO", "Rome Fiumicino", "Rome", "Europe/Rome"},
		{"LIS", "Lisbon Humberto Delgado", "Lisbon", "Europe/Lisbon"},
		{"DUB", "Dublin", "Dublin", "Europe/Dublin"},
		{"ZRH", "Zurich", "Zurich", "Europe/Zurich"},
		{"VIE", "Vienna", "Vienna", "Europe/Vienna"},
		{"CPH", "Copenhagen Kastrup", "Copenhagen", "Europe/Copenhagen"},
		{"ARN", "Stockholm Arlanda", "Stockholm", "Europe/Stockholm"},
		{"ATH", "Athens Eleftherios Venizelos", "Athens", "Europe/Athens"},
		{"IST", "Istanbul", "Istanbul", "Europe/Istanbul"},
		{"JFK", "New York John F. Kennedy", "New York", "America/New_York"},
		{"SFO", "San Francisco", "San Francisco", "America/Los_Angeles"},
		{"DXB", "Dubai", "Dubai", "Asia/Dubai"},
		{"SIN", "Singapore Changi", "Singapore", "Asia/Singapore"},
		{"NRT", "Tokyo Narita", "Tokyo", "Asia/Tokyo"},
	} {
		Airports[a.Code] = a
	}
}

// Route is a scheduled route: departures at the given UTC times every day.
type Route struct {
	From, To   string
	Departures []string // "15:04" UTC
	Minutes    int
	BasePrice  int
	Currency   string
	Seats      int
	FlightBase int
}

// Routes are the demo catalog's routes. LGW→MAD, the sample's showcase, flies four times
// a day.
var Routes = []Route{
	{"LGW", "MAD", []string{"06:30", "10:15", "14:40", "19:05"}, 140, 100, "EUR", 180, 1830},
	{"MAD", "LGW", []string{"08:20", "12:10", "17:45"}, 145, 110, "EUR", 180, 1840},
	{"LGW", "BCN", []string{"07:10", "16:30"}, 130, 90, "EUR", 180, 1850},
	{"BCN", "LGW", []string{"10:05", "19:25"}, 135, 95, "EUR", 180, 1860},
	{"LHR", "JFK", []string{"09:00", "13:30", "18:15"}, 480, 450, "USD", 300, 100},
	{"JFK", "LHR", []string{"21:30", "23:45"}, 420, 430, "USD", 300, 110},
	{"CDG", "AMS", []string{"07:45", "15:20"}, 80, 85, "EUR", 150, 1220},
	{"AMS", "CDG", []string{"11:00", "18:40"}, 80, 85, "EUR", 150, 1230},
	{"FRA", "MUC", []string{"06:00", "12:00", "18:00"}, 55, 70, "EUR", 150, 300},
	{"LIS", "MAD", []string{"08:35", "17:10"}, 75, 65, "EUR", 150, 1020},
	{"DUB", "LGW", []string{"07:20", "15:50"}, 75, 60, "EUR", 180, 1410},
	{"FCO", "ATH", []string{"10:40"}, 130, 120, "EUR", 180, 1540},
	{"ZRH", "VIE", []string{"09:25", "16:15"}, 80, 110, "CHF", 150, 1610},
	{"CPH", "ARN", []string{"07:55", "13:05", "19:35"}, 70, 90, "EUR", 150, 1700},
	{"IST", "DXB", []string{"02:10", "14:20"}, 250, 280, "EUR", 260, 760},
	{"DXB", "SIN", []string{"03:00"}, 450, 520, "USD", 300, 400},
	{"SIN", "NRT", []string{"07:30", "22:50"}, 410, 480, "USD", 300, 600},
	{"SFO", "NRT", []string{"11:20"}, 660, 900, "USD", 300, 800},
}

// Flights returns the demo flights for days days starting on the UTC day of from.
func Flights(from time.Time, days int) ([]*flight.Flight, error) {
	day0 := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	var out []*flight.Flight
	for d := range days {
		day := day0.AddDate(0, 0, d)
		for _, r := range Routes {
			dep, arr := Airports[r.From], Airports[r.To]
			for slot, hhmm := range r.Departures {
				t, err := time.Parse("15:04", hhmm)
				if err != nil {
					return nil, fmt.Errorf("route %s-%s: departure %q: %w", r.From, r.To, hhmm, err)
				}
				departs := day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
				h := hash(r.From, r.To, day.Format(time.DateOnly), slot)
				sold := int(h % uint32(r.Seats))
				if h%9 == 0 {
					sold = r.Seats // some flights are sold out, so seat filters matter
				}
				out = append(out, &flight.Flight{
					ID:                   uuid.NewSHA1(namespace, fmt.Appendf(nil, "%s-%s-%s-%d", r.From, r.To, day.Format(time.DateOnly), slot)).String(),
					DepartureDate:        departs.Format(flight.DateLayout),
					DepartureAirportCode: dep.Code,
					DepartureAirportName: dep.Name,
					DepartureCity:        dep.City,
					DepartureLocale:      dep.Locale,
					ArrivalDate:          departs.Add(time.Duration(r.Minutes) * time.Minute).Format(flight.DateLayout),
					ArrivalAirportCode:   arr.Code,
					ArrivalAirportName:   arr.Name,
					ArrivalCity:          arr.City,
					ArrivalLocale:        arr.Locale,
					TicketPrice:          r.BasePrice + int(h%7)*10,
					TicketCurrency:       r.Currency,
					FlightNumber:         r.FlightBase + slot,
					SeatCapacity:         r.Seats - sold,
					TotalSeats:           r.Seats,
				})
			}
		}
	}
	return out, nil
}

// namespace is the UUIDv5 namespace of demo flight ids.
var namespace = uuid.MustParse("6f1c1b1e-8a7e-4c55-9d51-7f3a2b9e0c11")

func hash(parts ...any) uint32 {
	h := fnv.New32a()
	_, _ = fmt.Fprint(h, parts...)
	return h.Sum32()
}

// Seed creates the demo flights for days days from the UTC day of from, skipping those
// that exist. It returns how many it created.
func Seed(ctx context.Context, svc *flight.Service, from time.Time, days int) (int, error) {
	flights, err := Flights(from, days)
	if err != nil {
		return 0, err
	}
	created := make([]bool, len(flights))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, f := range flights {
		g.Go(func() error {
			total := f.TotalSeats
			_, err := svc.Create(gctx, flight.CreateInput{
				ID: &f.ID, DepartureDate: f.DepartureDate, DepartureAirportCode: f.DepartureAirportCode,
				DepartureAirportName: f.DepartureAirportName, DepartureCity: f.DepartureCity,
				DepartureLocale: f.DepartureLocale, ArrivalDate: f.ArrivalDate,
				ArrivalAirportCode: f.ArrivalAirportCode, ArrivalAirportName: f.ArrivalAirportName,
				ArrivalCity: f.ArrivalCity, ArrivalLocale: f.ArrivalLocale, TicketPrice: f.TicketPrice,
				TicketCurrency: f.TicketCurrency, FlightNumber: f.FlightNumber,
				SeatCapacity: f.SeatCapacity, TotalSeats: &total,
			}, nil)
			switch {
			case err == nil:
				created[i] = true
			case apperr.Is(err, apperr.Conflict):
			default:
				return fmt.Errorf("seed flight %s: %w", f.ID, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	n := 0
	for _, c := range created {
		if c {
			n++
		}
	}
	return n, nil
}
