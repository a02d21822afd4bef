package dynamo

import (
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/loyalty"
)

// BookingRepository is booking.Repository on the single table: bookings, their
// idempotency guards, the saga's pending markers, and the loyalty ledger the saga writes in
// the same transactions (key formats in keys.go, bookingKeys and loyaltyKeys). Every change
// of a booking is one transaction or conditional write on its version, so two processes
// can never both move a booking on, and seats and points change only together with it.
// Its methods live in one file per access pattern (booking_reserve.go, booking_confirm.go, …).
type BookingRepository struct{ s *Store }

var _ booking.Repository = (*BookingRepository)(nil)

// Bookings returns the booking repository.
func (s *Store) Bookings() *BookingRepository { return &BookingRepository{s: s} }

// LoyaltyRepository is loyalty.Repository on the single table: the reads of the ledger
// that BookingRepository writes (loyalty_total.go, loyalty_history.go).
type LoyaltyRepository struct{ s *Store }

var _ loyalty.Repository = (*LoyaltyRepository)(nil)

// Loyalty returns the loyalty repository.
func (s *Store) Loyalty() *LoyaltyRepository { return &LoyaltyRepository{s: s} }
