package dynamo

import (
	"context"

	"github.com/skygraph/skygraph/domain/booking"
)

// Pending reads the booking saga's pending markers for the recovery sweep (the shared
// marker machinery in saga_pending.go).
func (r *BookingRepository) Pending(ctx context.Context, limit int) ([]booking.Pending, error) {
	ps, err := r.s.pending(ctx, bookingMarkers, limit)
	if err != nil {
		return nil, err
	}
	out := make([]booking.Pending, len(ps))
	for i, p := range ps {
		out[i] = booking.Pending{BookingID: p.ID, Since: p.Since}
	}
	return out, nil
}

// DeletePending removes the pending marker of bookingID; a missing one is no error.
func (r *BookingRepository) DeletePending(ctx context.Context, bookingID string) error {
	return r.s.deletePending(ctx, bookingMarkers, bookingID)
}
