//go:build !skygraph_lambda

package app

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/skygraph/skygraph/internal/playground"
)

// playgroundHandler serves GraphiQL at / (SKYGRAPH_PLAYGROUND): its welcome tab's dates
// start today.
func playgroundHandler() http.Handler { return playground.Handler(playgroundOptions(time.Now())) }

// playgroundQuery is the first tab a newcomer sees in the playground: a query that works
// without signing in (flights are public), and how to do what needs a user.
const playgroundQuery = `# Welcome to skygraph. Press the run button (or Ctrl-Enter)
# to search flights with seats left from London Gatwick to
# Madrid; airports and day are in the Variables pane below
# (the demo catalog covers 30 days from the server's start).
#
# Flights are public. Bookings and loyalty need a user: in a
# new tab (+ above) run
#
#   mutation {
#     signIn(email: "demo@example.com", password: "Demo1234!") {
#       idToken
#     }
#   }
#
# then open the Headers pane below and enter
#
#   {"Authorization": "<the idToken>"}
#
# The book icon on the left opens the docs: every query,
# mutation and type.

query FlightSearch($from: String!, $to: String!, $day: String) {
  getFlightBySchedule(
    departureAirportCode: $from
    arrivalAirportCodeDepartureDate: {beginsWith: {arrivalAirportCode: $to, departureDate: $day}}
    filter: {seatCapacity: {gt: 0}}
    limit: 5
  ) {
    items {
      id
      flightNumber
      departureDate
      arrivalDate
      ticketPrice
      ticketCurrency
      seatCapacity
    }
    nextToken
  }
}
`

// playgroundOptions configures GraphiQL at /. The default tab searches the day after
// started (UTC): the page is rendered once, and the demo catalog is seeded for 30 days from
// the start, so that day always has flights on the embedded store.
func playgroundOptions(started time.Time) playground.Options {
	vars, _ := json.MarshalIndent(struct {
		From string `json:"from"`
		To   string `json:"to"`
		Day  string `json:"day"`
	}{"LGW", "MAD", started.UTC().AddDate(0, 0, 1).Format(time.DateOnly)}, "", "  ")
	return playground.Options{
		Title: "skygraph", Endpoint: "/graphql", SubscriptionEndpoint: "/graphql",
		DefaultQuery: playgroundQuery, DefaultVariables: string(vars),
	}
}
