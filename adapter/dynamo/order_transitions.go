package dynamo

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
)

// The order's state changes after the reservation. Each is one transaction whose first
// item is the order itself, conditional on the version read (so two processes can never
// both move an order on), plus whatever must change with it: the pending marker, and the
// lines' stock and held units.

// MarkPaid moves prev (PLACED, RESERVED) to PAID/DONE and deletes its marker.
func (r *OrderRepository) MarkPaid(ctx context.Context, prev *order.Order, at time.Time) (*order.Order, error) {
	if prev.Status != order.Placed || prev.Stage != saga.Reserved {
		return nil, orderConflict(prev.ID)
	}
	next := advanced(prev, at)
	next.Status, next.Stage, next.PendingSince = order.Paid, saga.Done, time.Time{}
	return next, r.write(ctx, prev, next, orderMarkers.delete(r.s.table, prev.ID))
}

// MarkCancelling stores CANCELLING (the one-way door of the compensation), the failure
// and a pending marker.
func (r *OrderRepository) MarkCancelling(ctx context.Context, prev *order.Order, code apperr.Code, message string, at time.Time) (*order.Order, error) {
	if prev.Stage == saga.Cancelling || prev.Status.Terminal() {
		return nil, orderConflict(prev.ID)
	}
	next := advanced(prev, at)
	next.Stage, next.PendingSince, next.FailureCode, next.FailureMessage = saga.Cancelling, at, code, message
	marker, err := orderMarkers.put(r.s.table, prev.ID, formatTime(at))
	if err != nil {
		return nil, err
	}
	return next, r.write(ctx, prev, next, marker)
}

// Cancel moves prev (CANCELLING) to CANCELLED/DONE, gives every line's units back (stock
// + q, held − q) and deletes the marker, in one transaction.
func (r *OrderRepository) Cancel(ctx context.Context, prev *order.Order, at time.Time) (*order.Order, error) {
	if prev.Stage != saga.Cancelling {
		return nil, orderConflict(prev.ID)
	}
	next := advanced(prev, at)
	next.Status, next.Stage, next.PendingSince = order.Cancelled, saga.Done, time.Time{}
	extra := []types.TransactWriteItem{orderMarkers.delete(r.s.table, prev.ID)}
	for _, l := range prev.Lines {
		extra = append(extra, r.stockChange(l.ProductID, l.Quantity, -l.Quantity))
	}
	return next, r.write(ctx, prev, next, extra...)
}

// SetStatus moves prev (DONE) on to SHIPPED, or to DELIVERED, which releases the held
// units in the same transaction (the stock stays sold).
func (r *OrderRepository) SetStatus(ctx context.Context, prev *order.Order, status order.Status, at time.Time) (*order.Order, error) {
	if prev.Stage != saga.Done || prev.Status.Terminal() {
		return nil, orderConflict(prev.ID)
	}
	next := advanced(prev, at)
	next.Status = status
	var extra []types.TransactWriteItem
	if status == order.Delivered {
		for _, l := range prev.Lines {
			extra = append(extra, r.stockChange(l.ProductID, 0, -l.Quantity))
		}
	}
	return next, r.write(ctx, prev, next, extra...)
}

// advanced is prev's next version.
func advanced(prev *order.Order, at time.Time) *order.Order {
	next := *prev
	next.Lines = slices.Clone(prev.Lines)
	next.Version, next.UpdatedAt = prev.Version+1, at
	return &next
}

// write runs [order put conditional on prev.Version] + extra as one transaction. A failed
// order condition is a Conflict; a failed product condition cannot happen while the order
// holds units (a product with held units is never deleted) and is reported as Internal.
func (r *OrderRepository) write(ctx context.Context, prev, next *order.Order, extra ...types.TransactWriteItem) error {
	put, err := r.orderPut(next, prev.Version)
	if err != nil {
		return err
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems order", append([]types.TransactWriteItem{put}, extra...), bookingRetry)
	switch {
	case err != nil:
		return err
	case len(failed) == 0:
		return nil
	case slices.Contains(failed, 0):
		return orderConflict(prev.ID)
	}
	return apperr.Errorf("order %s: a product it holds units of is gone (failed items %v)", prev.ID, failed)
}
