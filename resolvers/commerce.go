package resolvers

import (
	"context"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/graph/model"
)

// orderCaller is the signed-in user as the order service sees it.
func orderCaller(ctx context.Context) order.Caller {
	p := auth.FromContext(ctx)
	return order.Caller{ID: p.Sub, Admin: p.InGroup(account.GroupAdmin)}
}

// userCaller is the signed-in user as the user service sees it.
func userCaller(ctx context.Context) user.Caller {
	p := auth.FromContext(ctx)
	return user.Caller{ID: p.Sub, Email: p.Email, Admin: p.InGroup(account.GroupAdmin)}
}

// orderConnection renders a page of orders as ModelOrderConnection.
func orderConnection(p order.Page) *model.ModelOrderConnection {
	c := &model.ModelOrderConnection{Items: p.Items, NextToken: nonEmpty(p.NextToken)}
	if c.Items == nil {
		c.Items = []*order.Order{}
	}
	return c
}
