package resolvers

import (
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/loaders"
)

// Prefetch are the look-ahead rules of the loader-backed fields (see package loaders):
// each says which id its resolver will load, so the executor's sibling fields and list
// elements share one batch read started before they run, not one read each. A resolver
// that calls a loader gets its rule here; the API tests count the DynamoDB calls of each.
var Prefetch = []loaders.Rule{
	// getFlight: aliased any number of times in one query, one BatchGetItem.
	{Type: "Query", Field: "getFlight", Key: loaders.ArgKey("id"), Loader: loaders.Flights},
	// Booking.outboundFlight: a page of bookings, one BatchGetItem for their flights.
	{Type: "Booking", Field: "outboundFlight", Loader: loaders.Flights,
		Key: loaders.ObjectKey(func(b *booking.Booking) string { return b.FlightID })},
	// getProduct: aliased any number of times, one BatchGetItem.
	{Type: "Query", Field: "getProduct", Key: loaders.ArgKey("id"), Loader: loaders.Products},
	// OrderItem.product: one order's lines, one batch (a page of orders claims all of its
	// products first: orderConnection).
	{Type: "OrderItem", Field: "product", Loader: loaders.Products,
		Key: loaders.ObjectKey(func(l order.Line) string { return l.ProductID })}, // lines are values
	// getOrder: aliased any number of times, one BatchGetItem (ownership is checked per
	// order after the read: order.Service.GetWith).
	{Type: "Query", Field: "getOrder", Key: loaders.ArgKey("id"), Loader: loaders.Orders},
	// Order.customer: a page of orders, one BatchGetItem for their customers.
	{Type: "Order", Field: "customer", Loader: loaders.Users,
		Key: loaders.ObjectKey(func(o *order.Order) string { return o.Customer })},
	// WaitlistEntry.waitlist: a page of a customer's entries (myWaitlistEntries), one
	// BatchGetItem for their waitlists (the caller is checked per entry before the load).
	{Type: "WaitlistEntry", Field: "waitlist", Loader: loaders.Waitlists,
		Key: loaders.ObjectKey(func(e *waitlist.Entry) string { return e.WaitlistID })},
	// Booking.customerProfile: a page of bookings (User.bookings, listBookings), one
	// BatchGetItem for their customers.
	{Type: "Booking", Field: "customerProfile", Loader: loaders.Users,
		Key: loaders.ObjectKey(func(b *booking.Booking) string { return b.Customer })},
}
