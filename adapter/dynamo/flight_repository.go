package dynamo

import "github.com/skygraph/skygraph/domain/flight"

// FlightRepository is flight.Repository on the single table. Its methods live in one file
// per access pattern (flight_get.go, flight_search.go, …).
type FlightRepository struct{ s *Store }

var _ flight.Repository = (*FlightRepository)(nil)

// Flights returns the flight repository.
func (s *Store) Flights() *FlightRepository { return &FlightRepository{s: s} }
