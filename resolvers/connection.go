package resolvers

import (
	"github.com/skygraph/skygraph/flight"
	"github.com/skygraph/skygraph/graph/model"
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
