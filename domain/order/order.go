// Package order is paid orders of catalog products and the saga that makes them: price
// the lines from the catalog, reserve the stock of every line and the idempotency guard in
// one transaction, capture exactly the total, mark the order PAID — or compensate
// (refund or void, then release the stock and cancel in one transaction) when a step
// fails.
//
// The saga is the booking saga's shape on the shared machinery of package saga (stage,
// retries of unknown outcomes, refund step, pending markers, recovery sweep); what is the
// order's own is its transactions, which the Repository implements. The package knows
// nothing of GraphQL or DynamoDB.
package order

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/opt"
)

// Status is the order status clients see.
type Status string

// The statuses.
//
//	PLACED ──paid──▶ PAID ──Admin──▶ SHIPPED ──Admin──▶ DELIVERED
//	PLACED, PAID (owner or Admin), SHIPPED (Admin) ──cancel──▶ CANCELLED
//
// DELIVERED and CANCELLED are terminal: nothing changes them any more.
const (
	// Placed: the stock is reserved and the payment is being captured.
	Placed Status = "PLACED"
	// Paid: the total is captured.
	Paid Status = "PAID"
	// Shipped: handed to the carrier (Admin).
	Shipped Status = "SHIPPED"
	// Delivered: terminal; the units leave the stock for good.
	Delivered Status = "DELIVERED"
	// Cancelled: terminal; refunded (or the hold released) and the stock put back.
	Cancelled Status = "CANCELLED"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case Placed, Paid, Shipped, Delivered, Cancelled:
		return true
	}
	return false
}

// Terminal reports whether s can no longer change.
func (s Status) Terminal() bool { return s == Delivered || s == Cancelled }

// next lists the transitions updateOrderStatus may make (cancellation runs the
// compensation instead, see Service.UpdateStatus).
var next = map[Status]Status{Paid: Shipped, Shipped: Delivered}

// UnmarshalGQL lets gqlgen bind the OrderStatus enum to this type.
func (s *Status) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok || !Status(str).Valid() {
		return apperr.New(apperr.BadRequest, "invalid OrderStatus value %v", v)
	}
	*s = Status(str)
	return nil
}

// MarshalGQL writes the enum value.
func (s Status) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// Stage is where the saga is (saga.Stage): RESERVED while placing, CANCELLING while
// compensating, DONE otherwise.
type Stage = saga.Stage

// Line is one order line, priced from the catalog when the order was placed.
type Line struct {
	ProductID string
	Quantity  int
	// UnitPrice is the product's price (minor units) when the order was placed.
	UnitPrice int
	// LineTotal is UnitPrice × Quantity.
	LineTotal int
}

// Order is one paid order of one customer.
type Order struct {
	ID string
	// Customer is the owner's user id (Cognito sub), always from the token.
	Customer string
	Status   Status
	Stage    Stage
	Lines    []Line
	Currency string
	// Subtotal is the sum of the line totals; Total is what is captured (the same: no
	// tax or shipping yet). Minor units.
	Subtotal int
	Total    int
	// PaymentToken is the charge (ch_…) that pays. (Customer, PaymentToken) is unique:
	// placeOrder's idempotency key.
	PaymentToken string
	// PendingSince is when the current saga (placing or cancelling) started; zero once
	// DONE. The recovery sweep takes orders pending for too long.
	PendingSince time.Time
	// FailureCode and FailureMessage (client-safe) say why the saga cancelled the order;
	// a cancellation asked for by the customer or an Admin has FailureCode "".
	FailureCode    apperr.Code
	FailureMessage string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Version counts the order's writes (1 when placed); every write is conditional on it.
	Version int64
}

// Holds reports whether the order's units count against the products' held units (an
// open order: not yet delivered or cancelled, or cancelled but not yet released).
func (o *Order) Holds() bool { return o.Status != Delivered && o.Status != Cancelled }

// Limits.
const (
	// MaxLines bounds an order's lines: the reservation is one transaction with a write
	// per line plus the order, its guard and its marker (DynamoDB allows 100).
	MaxLines = 25
	// MaxQuantity bounds one line's units.
	MaxQuantity = 1000
	// DefaultLimit and MaxLimit bound a page of orders.
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Page is one page of orders. NextToken is empty on the last page.
type Page struct {
	Items     []*Order
	NextToken string
}

// CustomerQuery is one customer's orders, newest first.
type CustomerQuery struct {
	Customer  string
	Limit     int
	NextToken string
}

// ListQuery is an Admin's listing: every order grouped by status, or one status; newest
// first within a status.
type ListQuery struct {
	Status    *Status
	Limit     int
	NextToken string
}

// Pending is an order whose saga has not finished, as the recovery sweep sees it.
type Pending = saga.Pending

// Repository stores orders, their guards, the saga's pending markers and the stock the
// orders hold. Implementations must honour these contracts, which the suite in package
// ordertest checks against every implementation:
//
//   - Reserve, in one atomic write: for every line, takes Quantity units of the product
//     (stock − q, only if stock ≥ q; held + q), stores o (PLACED, RESERVED, Version 1),
//     the guard (o.Customer, o.PaymentToken) → o.ID and a pending marker. If the guard
//     exists it writes nothing and returns the id of the order holding it (nil error),
//     whatever the stock. Otherwise, when a line's stock is short it writes nothing and
//     returns OutOfStock naming the product(s); a missing product is NotFound.
//   - Get returns the order, strongly consistent; NotFound when there is none. GetMany
//     returns the orders of ids that exist (strongly consistent), by id; missing ids are
//     absent from the map, not an error.
//     ByPaymentToken returns the id of the order holding the guard; NotFound otherwise.
//   - MarkPaid moves prev (PLACED, RESERVED) to PAID/DONE and deletes the marker.
//   - MarkCancelling moves prev (RESERVED, or DONE and not terminal) to CANCELLING with
//     the failure code and message, PendingSince = at, and stores a marker.
//   - Cancel moves prev (CANCELLING) to CANCELLED/DONE and, in the same atomic write,
//     gives every line's units back (stock + q, held − q) and deletes the marker.
//   - SetStatus moves prev (DONE) to status: SHIPPED, or DELIVERED, which in the same
//     atomic write releases the held units (held − q; the stock stays sold).
//   - Every write of an existing order is conditional on the stored Version being
//     prev.Version and stores Version + 1; when it is not, it writes nothing and returns
//     Conflict.
//   - ByCustomer returns the customer's orders newest first; List returns every order
//     grouped by status (or one status), newest first within a status. Pages hold at most
//     Limit orders, full unless the data is exhausted, with a NextToken that resumes
//     exactly after the last one; a NextToken made for another query is a BadRequest.
//   - Pending returns pending markers, at most limit, in any order; DeletePending removes
//     one (no error when it is gone).
//   - Unavailable and Internal errors leave the outcome of a write unknown; every other
//     error means nothing was written.
type Repository interface {
	Reserve(ctx context.Context, o *Order) (existingID string, err error)
	Get(ctx context.Context, id string) (*Order, error)
	GetMany(ctx context.Context, ids []string) (map[string]*Order, error)
	ByPaymentToken(ctx context.Context, customer, paymentToken string) (string, error)
	MarkPaid(ctx context.Context, prev *Order, at time.Time) (*Order, error)
	MarkCancelling(ctx context.Context, prev *Order, code apperr.Code, message string, at time.Time) (*Order, error)
	Cancel(ctx context.Context, prev *Order, at time.Time) (*Order, error)
	SetStatus(ctx context.Context, prev *Order, status Status, at time.Time) (*Order, error)
	ByCustomer(ctx context.Context, q CustomerQuery) (Page, error)
	List(ctx context.Context, q ListQuery) (Page, error)
	Pending(ctx context.Context, limit int) ([]Pending, error)
	DeletePending(ctx context.Context, id string) error
}

// FailureReason is failureReason as the API shows it: null unless the saga cancelled the
// order. A plain method, so the executor reads it inline for every order of a page.
func (o *Order) FailureReason() *string { return opt.String(o.FailureMessage) }
