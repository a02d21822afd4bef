package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/graph/model"
	"github.com/skygraph/skygraph/internal/opt"
	"github.com/skygraph/skygraph/loaders"
)

// orderCaller is the signed-in user as the order service sees it.
func orderCaller(ctx context.Context) order.Caller {
	p := auth.FromContext(ctx)
	return order.Caller{ID: p.Sub, Admin: p.InGroup(account.GroupAdmin)}
}

// OrderSource is the order loader's batch read (loaders.CommerceSources.Orders): the
// orders of the operation's caller, read as that caller (order.Service.GetMany), so an
// anonymous look-ahead reads nothing and a batch never holds another customer's order.
func OrderSource(s *order.Service) loaders.OrderSource { return orderSource{s} }

type orderSource struct{ s *order.Service }

func (o orderSource) GetMany(ctx context.Context, ids []string) (map[string]*order.Order, error) {
	return o.s.GetMany(ctx, orderCaller(ctx), ids)
}

// userCaller is the signed-in user as the user service sees it.
func userCaller(ctx context.Context) user.Caller {
	p := auth.FromContext(ctx)
	return user.Caller{ID: p.Sub, Email: p.Email, Admin: p.InGroup(account.GroupAdmin)}
}

// activeCustomer runs before placeOrder and processBooking create something the caller
// owns: it refuses the still-valid token of a user an Admin deleted (user.Service.Me is
// Unauthorized for a tombstone), so deleteUser leaves no new order or booking without a
// customer, and it creates the profile of a first-time user lazily (one GetItem when the
// profile exists; it then primes the UserByID loader).
func (r *Resolver) activeCustomer(ctx context.Context) error {
	c := userCaller(ctx)
	if r.users == nil || c.ID == "" {
		return nil // no profiles wired (schema tests), or no caller: the directive decides
	}
	u, err := r.users.Me(ctx, c)
	if err != nil {
		return err
	}
	loaders.PrimeUser(ctx, u)
	return nil
}

// orderConnection renders a page of orders as ModelOrderConnection. When the selection
// reaches items.items.product, the page's products are read in one batch first
// (loaders.PrefetchProducts), so a page costs one read for them, deterministically.
func orderConnection(ctx context.Context, p order.Page) *model.ModelOrderConnection {
	if len(p.Items) > 1 && selects(ctx, "items", "items", "product") {
		var ids []string
		for _, o := range p.Items {
			for _, l := range o.Lines {
				ids = append(ids, l.ProductID)
			}
		}
		loaders.PrefetchProducts(ctx, ids)
	}
	c := &model.ModelOrderConnection{Items: p.Items, NextToken: opt.String(p.NextToken)}
	if c.Items == nil {
		c.Items = []*order.Order{}
	}
	return c
}

// selects reports whether the current field's selection reaches the path (fragments
// included).
func selects(ctx context.Context, path ...string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	sel := graphql.GetFieldContext(ctx).Field.Selections
	for _, name := range path {
		found := false
		for _, f := range graphql.CollectFields(op, sel, nil) {
			if f.Name == name {
				sel, found = f.Selections, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
