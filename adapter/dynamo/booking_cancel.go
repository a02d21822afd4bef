package dynamo

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/loyalty"
)

// Cancel finishes compensation in one TransactWriteItems:
//
//	[0] booking  Update CANCELLED/DONE, GSI1SK; version = prev AND stage = CANCELLING
//	[1] flight   Update seatCapacity + 1; attribute_exists AND seatCapacity < totalSeats
//	[2] entry    Update REVOKED; status = ACTIVE            (only when prev is CONFIRMED)
//	[3] total    Update points − prev.Points                (with the entry)
//	[.] pending  Delete
//
// The seat and the points are optional parts: when only the flight's condition failed
// (the flight is gone, or already full because an Admin reset it), or only the entry's
// (already revoked, or never written), the transaction runs again without them, so the
// booking is cancelled anyway, a seat is never released above totalSeats and points are
// never revoked twice. A failed condition on the booking is a Conflict.
func (r *BookingRepository) Cancel(ctx context.Context, prev *booking.Booking, at time.Time) (*booking.Booking, error) {
	next := *prev
	next.Status, next.Stage = booking.Cancelled, booking.StageDone
	next.PendingSince, next.UpdatedAt, next.Version = time.Time{}, at, prev.Version+1

	releaseSeat, revoke := true, prev.Status == booking.Confirmed
	for {
		items := []types.TransactWriteItem{r.bookingUpdate(prev,
			"#status = :cancelled, #stage = :done, #gsi1sk = :gsi1sk, #pending = :empty, #u = :at",
			"#stage = :cancelling",
			map[string]string{
				"#status": attrBookingStatus, "#stage": attrBookingStage, "#gsi1sk": AttrGSI1SK,
				"#pending": attrBookingPendingSince,
			},
			map[string]types.AttributeValue{
				":cancelled":  stringValue(string(booking.Cancelled)),
				":done":       stringValue(string(booking.StageDone)),
				":cancelling": stringValue(string(booking.StageCancelling)),
				":gsi1sk":     stringValue(bookingKeys.GSI1SK(string(booking.Cancelled), prev.ID)),
				":empty":      stringValue(""),
				":at":         stringValue(formatTime(at)),
			})}
		seatAt, entryAt := -1, -1
		if releaseSeat {
			seatAt = len(items)
			items = append(items, r.releaseSeat(prev.FlightID))
		}
		if revoke {
			entryAt = len(items)
			items = append(items, r.revokeEntry(prev, at), r.totalAdd(prev.Customer, -prev.Points))
		}
		items = append(items, r.pendingDelete(prev.ID))

		failed, err := r.s.transactRetrying(ctx, "TransactWriteItems booking cancel", items, hotRetry)
		switch {
		case err != nil:
			return nil, err
		case len(failed) == 0:
			return &next, nil
		case slices.Contains(failed, 0):
			return nil, bookingConflict(prev.ID)
		}
		// Only optional parts failed: drop them and cancel without them.
		if slices.Contains(failed, seatAt) {
			releaseSeat = false
		}
		if slices.Contains(failed, entryAt) {
			revoke = false
		}
		if !slices.ContainsFunc(failed, func(i int) bool { return i == seatAt || i == entryAt }) {
			// The total or the pending marker have no condition: this is not reachable.
			return nil, bookingConflict(prev.ID)
		}
	}
}

// releaseSeat gives a seat back to the flight, never above its totalSeats, and never
// recreating a deleted flight.
func (r *BookingRepository) releaseSeat(flightID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:           aws.String(r.s.table),
		Key:                 flightKey(flightID),
		UpdateExpression:    aws.String("SET #seats = #seats + :one"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #seats < #total"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#seats": attrSeatCapacity, "#total": attrTotalSeats,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": intValue(1)},
	}}
}

// revokeEntry marks the booking's loyalty entry REVOKED if it is ACTIVE.
func (r *BookingRepository) revokeEntry(prev *booking.Booking, at time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(r.s.table),
		Key:                      loyaltyEntryKey(prev.Customer, prev.ID),
		UpdateExpression:         aws.String("SET #status = :revoked, #u = :at"),
		ConditionExpression:      aws.String("#status = :active"),
		ExpressionAttributeNames: map[string]string{"#status": attrLoyaltyStatus, "#u": attrUpdatedAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":revoked": stringValue(string(loyalty.Revoked)),
			":active":  stringValue(string(loyalty.Active)),
			":at":      stringValue(formatTime(at)),
		},
	}}
}
