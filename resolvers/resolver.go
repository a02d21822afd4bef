// Package resolvers is the GraphQL edge: thin resolvers that read arguments, call a domain
// service or a loader, and return domain objects. Business rules live in the domain
// packages; storage is reached only through them (a test checks this package never imports
// dynamo or the AWS SDK).
//
// The *.resolvers.go files are gqlgen's follow-schema stubs, filled in by hand and kept by
// regeneration; helpers live in the other files.
package resolvers

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/loyalty"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/graph"
	"github.com/skygraph/skygraph/internal/filter"
)

// Deps are the services the resolvers call.
type Deps struct {
	Flights  *flight.Service
	Accounts *account.Service
	Payments *payment.Service
	Bookings *booking.Service
	Loyalty  *loyalty.Service
	// Waitlists is the restaurant waitlist service.
	Waitlists *waitlist.Service
	// Products is the catalog (issue 11).
	Products *product.Service
	// Orders is the order saga and its reads (issue 11).
	Orders *order.Service
	// Users is customer profiles (issue 11).
	Users *user.Service
	// Events is the process's event hub the subscriptions listen to (nil: a hub nobody
	// publishes to, so subscriptions stay silent).
	Events *event.Hub
}

// Resolver is the root resolver: dependency injection for the generated executor.
type Resolver struct {
	flights  *flight.Service
	accounts *account.Service
	payments *payment.Service
	bookings *booking.Service
	loyalty  *loyalty.Service

	waitlists *waitlist.Service
	products  *product.Service
	orders    *order.Service
	users     *user.Service
	events    *event.Hub
}

// NewSchema builds the executable schema with its resolvers and directives. The server
// and the tests both use it, so tests exercise exactly what runs in production.
func NewSchema(d Deps) graphql.ExecutableSchema {
	c := graph.Config{Resolvers: &Resolver{
		flights: d.Flights, accounts: d.Accounts, payments: d.Payments, bookings: d.Bookings, loyalty: d.Loyalty,
		waitlists: d.Waitlists,
		products:  d.Products, orders: d.Orders, users: d.Users, events: d.Events,
	}}
	if d.Events == nil {
		c.Resolvers.(*Resolver).events = event.NewHub(slog.Default(), event.HubConfig{})
	}
	c.Complexity.Query.ListFlights = func(child int, f *flight.Filter, limit *int, _ *string) int {
		return pageCost(child, limit, f != nil)
	}
	c.Complexity.Query.GetFlightBySchedule = func(child int, _ *string, _ *flight.ScheduleCondition,
		_ *filter.SortDirection, f *flight.Filter, limit *int, _ *string,
	) int {
		return pageCost(child, limit, f != nil)
	}
	c.Complexity.Query.ListBookings = func(child int, f *booking.Filter, limit *int, _ *string) int {
		return pageCost(child, limit, f != nil)
	}
	c.Complexity.Query.GetBookingByStatus = func(child int, _ *string, _ *filter.KeyStringInput,
		_ *filter.SortDirection, f *booking.Filter, limit *int, _ *string,
	) int {
		return pageCost(child, limit, f != nil)
	}
	c.Complexity.Query.ListProducts = func(child int, f *product.Filter, limit *int, _ *string) int {
		return pageCost(child, limit, f != nil)
	}
	// A status is a key condition (GSI2 begins_with), not a filter.
	c.Complexity.Query.ListOrders = func(child int, _ *order.Status, limit *int, _ *string) int {
		return pageCost(child, limit, false)
	}
	c.Complexity.Query.ListUsers = func(child int, limit *int, _ *string) int { return pageCost(child, limit, false) }
	c.Complexity.User.Orders = func(child int, limit *int, _ *string) int { return pageCost(child, limit, false) }
	c.Complexity.Order.Payment = func(child int) int { return paymentCost + child }
	// Booking.payment asks the card processor once per booking (it has no batch read):
	// weigh it so that a large page of bookings with their payments is refused up front.
	c.Complexity.Booking.Payment = func(child int) int { return paymentCost + child }
	waitlistComplexity(&c)
	return graph.NewExecutableSchema(c)
}

// paymentCost is the complexity of one call to the card processor.
const paymentCost = 10

// storeCallCost is the complexity of one store round trip. With the default limit
// (100000), one request may buy about 200 of them: a few filtered pages, never thousands.
const storeCallCost = 500

// Read budget of one page (adapter/dynamo/paginate.go): an unfiltered page is one Query
// and its BatchGetItem; a filtered one may read up to ten Query pages, each resolved by a
// BatchGetItem, before it comes back short. Resolving more than batchItems items costs a
// BatchGetItem more per batchItems.
const (
	unfilteredPageCalls = 2
	filteredPageCalls   = 20
	batchItems          = 100
)

// pageCost is a connection's complexity: the store calls its page may really make (the
// read budget, filters included) plus its selection once per item it may return, so the
// limit multiplies what a client can make the server read (OWASP amount limiting) and a
// selective filter is priced for the pages it may scan, not for its limit.
func pageCost(child int, limit *int, filtered bool) int {
	n := flight.DefaultLimit
	if limit != nil && *limit > 0 {
		n = min(*limit, flight.MaxLimit)
	}
	calls := unfilteredPageCalls
	if filtered {
		calls = filteredPageCalls
	}
	calls += (n - 1) / batchItems
	return 1 + calls*storeCallCost + child*n
}
