package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/internal/apperr"
)

// MarkCancelling starts compensation in one TransactWriteItems:
//
//	booking  Update stage CANCELLING, failure, pendingSince = at;
//	         version = prev AND stage IN (RESERVED, DONE) AND status <> CANCELLED
//	pending  Put since = at
//
// Once it has committed, Confirm (conditional on RESERVED) can never succeed, so a refund
// cannot race a confirmation. A failed condition is a Conflict and writes nothing.
func (r *BookingRepository) MarkCancelling(ctx context.Context, prev *booking.Booking, code apperr.Code, message string, at time.Time) (*booking.Booking, error) {
	next := *prev
	next.Stage, next.FailureCode, next.FailureMessage = booking.StageCancelling, code, message
	next.PendingSince, next.UpdatedAt, next.Version = at, at, prev.Version+1

	pending, err := r.pendingPut(prev.ID, at)
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{
		r.bookingUpdate(prev,
			"#stage = :cancelling, #fcode = :fcode, #fmsg = :fmsg, #pending = :at, #u = :at",
			"#stage IN (:reserved, :done) AND #status <> :cancelled",
			map[string]string{
				"#stage": attrBookingStage, "#status": attrBookingStatus, "#fcode": attrBookingFailureCode,
				"#fmsg": attrBookingFailureMessage, "#pending": attrBookingPendingSince,
			},
			map[string]types.AttributeValue{
				":cancelling": stringValue(string(booking.StageCancelling)),
				":reserved":   stringValue(string(booking.StageReserved)),
				":done":       stringValue(string(booking.StageDone)),
				":cancelled":  stringValue(string(booking.Cancelled)),
				":fcode":      stringValue(string(code)),
				":fmsg":       stringValue(message),
				":at":         stringValue(formatTime(at)),
			}),
		pending,
	}
	failed, err := r.s.transactRetrying(ctx, "TransactWriteItems booking mark cancelling", items, bookingRetry)
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, bookingConflict(prev.ID)
	}
	return &next, nil
}
