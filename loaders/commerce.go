package loaders

import (
	"context"

	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/internal/apperr"
)

// ProductSource is the batch read behind Product (product.Service implements it).
type ProductSource interface {
	GetMany(ctx context.Context, ids []string) (map[string]*product.Product, error)
}

// UserSource is the batch read behind User (user.Service implements it).
type UserSource interface {
	GetMany(ctx context.Context, ids []string) (map[string]*user.User, error)
}

// OrderSource is the batch read behind Order: the orders of ids that the operation's
// caller (on ctx) may read (resolvers.OrderSource over order.Service.GetMany).
type OrderSource interface {
	GetMany(ctx context.Context, ids []string) (map[string]*order.Order, error)
}

// CommerceSources are the batch reads of the commerce loaders, kept apart from New's
// arguments so that the flight loaders' wiring does not change.
type CommerceSources struct {
	Products ProductSource
	Users    UserSource
	Orders   OrderSource
}

// WithCommerce adds the commerce loaders to l (fresh, like every loader of the operation)
// and returns l.
func (l *Loaders) WithCommerce(src CommerceSources) *Loaders {
	if src.Products != nil {
		l.products = newLoader(src.Products.GetMany, "product")
	}
	if src.Users != nil {
		l.users = newLoader(src.Users.GetMany, "user")
	}
	if src.Orders != nil {
		l.orders = newLoader(src.Orders.GetMany, "order")
	}
	return l
}

// Orders selects the order loader (for Rule.Loader: aliased getOrder); nil without
// WithCommerce.
func Orders(l *Loaders) Prefetcher {
	if l.orders == nil {
		return nil
	}
	return l.orders
}

// Order loads one order by id through the operation's loader (NotFound if missing or not
// the caller's).
func Order(ctx context.Context, id string) (*order.Order, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	if l.orders == nil {
		return nil, apperr.Errorf("loaders: no order loader (missing WithCommerce)")
	}
	return l.orders.load(ctx, id)
}

// Products selects the product loader (for Rule.Loader); nil without WithCommerce.
func Products(l *Loaders) Prefetcher {
	if l.products == nil {
		return nil
	}
	return l.products
}

// Users selects the user loader (for Rule.Loader); nil without WithCommerce.
func Users(l *Loaders) Prefetcher {
	if l.users == nil {
		return nil
	}
	return l.users
}

// User loads one profile by id through the operation's loader (NotFound if missing). The
// loader lives for one operation, which has one principal, so it never hands one caller's
// read to another; authorization still runs on every returned object.
func User(ctx context.Context, id string) (*user.User, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	if l.users == nil {
		return nil, apperr.Errorf("loaders: no user loader (missing WithCommerce)")
	}
	return l.users.load(ctx, id)
}

// PrimeUser caches a profile the operation already has (me, updateUser).
func PrimeUser(ctx context.Context, u *user.User) {
	if l, err := For(ctx); err == nil && l.users != nil {
		l.users.prime(u.ID, u)
	}
}

// Product loads one product by id through the operation's loader (NotFound if missing).
func Product(ctx context.Context, id string) (*product.Product, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	if l.products == nil {
		return nil, apperr.Errorf("loaders: no product loader (missing WithCommerce)")
	}
	return l.products.load(ctx, id)
}

// PrefetchProducts starts, in one batch read now, the products a whole page of orders
// will ask for. The look-ahead (Rule) alone would start one batch per order, when each
// order's lines resolve; claimed here first, the page's OrderItem.product fields all wait
// for this one read. Ids already cached or in flight are not read again.
func PrefetchProducts(ctx context.Context, ids []string) {
	l, err := For(ctx)
	if err != nil || l.products == nil || len(ids) == 0 {
		return
	}
	l.products.prefetch(ctx, ids)
}

// PrimeProduct caches a product the operation already has (just written).
func PrimeProduct(ctx context.Context, p *product.Product) {
	if l, err := For(ctx); err == nil && l.products != nil {
		l.products.prime(p.ID, p)
	}
}
