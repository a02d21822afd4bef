package resolvers

import (
	"context"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/graph/model"
	"github.com/skygraph/skygraph/internal/opt"
)

// connection renders a page as Amplify's Model*Connection: nextToken is null on the last
// page, and items is never null.
func connection(p flight.Page) *model.ModelFlightConnection {
	c := &model.ModelFlightConnection{Items: p.Items}
	if c.Items == nil {
		c.Items = []*flight.Flight{}
	}
	if p.NextToken != "" {
		c.NextToken = &p.NextToken
	}
	return c
}

// bookingConnection renders a page of bookings as ModelBookingConnection.
func bookingConnection(p booking.Page) *model.ModelBookingConnection {
	c := &model.ModelBookingConnection{Items: p.Items, NextToken: opt.String(p.NextToken)}
	if c.Items == nil {
		c.Items = []*booking.Booking{}
	}
	return c
}

// caller is the signed-in user as the booking service sees it.
func caller(ctx context.Context) booking.Caller {
	p := auth.FromContext(ctx)
	return booking.Caller{ID: p.Sub, Admin: p.InGroup(account.GroupAdmin)}
}
