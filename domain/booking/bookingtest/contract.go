// Package bookingtest is the contract every booking.Repository (with the loyalty.Repository
// that reads the ledger it writes) must pass: one suite, run against each store and each
// DynamoDB backend, so that the saga can rely on the contract and not on a store.
//
// The cases attack the invariants the saga depends on: one seat per booking and never
// more than the flight has, one booking per (customer, paymentToken), points awarded and
// revoked exactly once, every write conditional on the version it read, and pages that
// neither skip nor repeat.
package bookingtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/flight/flighttest"
	"github.com/skygraph/skygraph/domain/loyalty"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Fixture is one empty store under test. The three repositories must share it: a booking
// takes its seat from a flight created with Flights, and Loyalty reads the ledger that
// Bookings writes.
type Fixture struct {
	Bookings booking.Repository
	Loyalty  loyalty.Repository
	Flights  flight.Repository
}

// Race sizes: RaceReservations customers book one flight of RaceSeats seats at once. Five
// per seat attack the seat invariant as hard as more would; the total is sized so DynamoDB
// Local, which runs transactions one at a time, serves them on a machine 4x slower than a
// 2-core laptop under -race (200 at once timed out on its transaction lock, issue 9).
const (
	RaceReservations = 80
	RaceSeats        = 16
)

// T0 is the time the suite's bookings are made; later steps happen minutes after it.
// It has nanoseconds, so a store that truncates times fails.
var T0 = time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)

func at(minutes int) time.Time { return T0.Add(time.Duration(minutes) * time.Minute) }

func ptr[T any](v T) *T { return &v }

// Customer returns a fresh customer id.
func Customer(prefix string) string { return prefix + "-" + rand.Text() }

// NewFlight creates a flight with the given seats left and in total, and returns it.
func NewFlight(t *testing.T, fx Fixture, seats, total int) *flight.Flight {
	t.Helper()
	f := flighttest.Make("fl-"+rand.Text(), "LGW", "MAD", 0)
	f.SeatCapacity, f.TotalSeats = seats, total
	require.NoError(t, fx.Flights.Create(context.Background(), f))
	return f
}

// NewBooking returns a booking as the saga reserves it: UNCONFIRMED, RESERVED, version 1,
// pending since T0, with a fresh UUIDv7 id and paymentToken.
func NewBooking(customer string, f *flight.Flight, points int64) *booking.Booking {
	return &booking.Booking{
		ID: uuid.Must(uuid.NewV7()).String(), Customer: customer, FlightID: f.ID, PaymentToken: "ch_" + rand.Text(),
		Status: booking.Unconfirmed, Stage: booking.StageReserved,
		Amount: points * 100, Currency: f.TicketCurrency, Points: points, PendingSince: T0,
		Departure: f.DepartureDate, CreatedAt: T0, UpdatedAt: T0, Version: 1,
	}
}

// Run runs the contract against fresh stores from newFixture. Each call must return an
// empty store (the cases use fresh customers and flights, but List and Pending see
// everything), and most cases run in parallel, so newFixture is called concurrently and
// the stores are used concurrently.
func Run(t *testing.T, newFixture func(t *testing.T) Fixture) {
	ctx := context.Background()

	// Not parallel, so that its timing is not shared with the other cases.
	t.Run("ReserveRaceSellsExactlyTheSeats", func(t *testing.T) {
		fx := newFixture(t)
		f := NewFlight(t, fx, RaceSeats, RaceSeats)
		bookings := make([]*booking.Booking, RaceReservations)
		for i := range bookings {
			bookings[i] = NewBooking(Customer(fmt.Sprintf("race%03d", i)), f, 100)
		}
		errs := make([]error, len(bookings))
		existing := make([]string, len(bookings))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, b := range bookings {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				existing[i], errs[i] = fx.Bookings.Reserve(ctx, b)
			}()
		}
		began := time.Now()
		close(start)
		wg.Wait()
		elapsed := time.Since(began)

		var won []string
		soldOut := 0
		var other []string
		for i, err := range errs {
			switch {
			case err == nil && existing[i] == "":
				won = append(won, bookings[i].ID)
			case apperr.Is(err, apperr.SoldOut):
				soldOut++
			default:
				other = append(other, fmt.Sprintf("existing=%q err=%v", existing[i], err))
			}
		}
		t.Logf("%d concurrent reservations of %d seats: %d booked, %d sold out, %d other, in %v",
			RaceReservations, RaceSeats, len(won), soldOut, len(other), elapsed)
		require.Empty(t, other, "every reservation either gets a seat or SoldOut, never a Conflict")
		require.Len(t, won, RaceSeats)
		require.Equal(t, RaceReservations-RaceSeats, soldOut)

		got, err := fx.Flights.Get(ctx, f.ID)
		require.NoError(t, err)
		require.Equal(t, 0, got.SeatCapacity)
		require.Equal(t, f.Version, got.Version, "seats do not count as catalog edits")

		listed := collect(t, func(tok string) (booking.Page, error) {
			return fx.Bookings.List(ctx, booking.ListQuery{Limit: 7, NextToken: tok})
		}, 7)
		slices.Sort(won)
		require.Equal(t, won, listed, "exactly the winners are stored")
		require.ElementsMatch(t, won, pendingIDs(t, fx, 1000))
	})

	t.Run("ReserveStoresBookingGuardSeatAndMarker", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 3, 3)
		b := NewBooking(Customer("reserve"), f, 120)
		want := *b
		existing, err := fx.Bookings.Reserve(ctx, b)
		require.NoError(t, err)
		require.Empty(t, existing)

		got, err := fx.Bookings.Get(ctx, b.ID)
		require.NoError(t, err)
		require.Equal(t, &want, got)
		id, err := fx.Bookings.ByPaymentToken(ctx, b.Customer, b.PaymentToken)
		require.NoError(t, err)
		require.Equal(t, b.ID, id)
		requireSeats(t, fx, f, 2)
		pending, err := fx.Bookings.Pending(ctx, 100)
		require.NoError(t, err)
		require.Equal(t, []booking.Pending{{BookingID: b.ID, Since: T0}}, pending)
		require.Equal(t, []string{b.ID}, byCustomer(t, fx, booking.CustomerQuery{Customer: b.Customer}))
		requirePoints(t, fx, b.Customer, 0)

		// The guard is per customer: the same token for someone else is another booking.
		other := NewBooking(Customer("reserve-other"), f, 120)
		other.PaymentToken = b.PaymentToken
		existing, err = fx.Bookings.Reserve(ctx, other)
		require.NoError(t, err)
		require.Empty(t, existing)
		id, err = fx.Bookings.ByPaymentToken(ctx, other.Customer, other.PaymentToken)
		require.NoError(t, err)
		require.Equal(t, other.ID, id)
		requireSeats(t, fx, f, 1)

		_, err = fx.Bookings.ByPaymentToken(ctx, b.Customer, "ch_unknown")
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
		_, err = fx.Bookings.ByPaymentToken(ctx, Customer("nobody"), b.PaymentToken)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
		_, err = fx.Bookings.Get(ctx, uuid.Must(uuid.NewV7()).String())
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
	})

	t.Run("ReserveGuardWinsAndWritesNothing", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 2, 2)
		first := NewBooking(Customer("guard"), f, 100)
		reserve(t, fx, first)

		retry := func(fl *flight.Flight) *booking.Booking {
			b := NewBooking(first.Customer, fl, 100)
			b.PaymentToken = first.PaymentToken
			existing, err := fx.Bookings.Reserve(ctx, b)
			require.NoError(t, err)
			require.Equal(t, first.ID, existing, "the guard's booking")
			_, err = fx.Bookings.Get(ctx, b.ID)
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "a refused reservation stores no booking: %v", err)
			return b
		}
		retry(f)
		requireSeats(t, fx, f, 1)

		// Another flight with seats: still the guard's booking, and no seat taken there.
		f2 := NewFlight(t, fx, 5, 5)
		retry(f2)
		requireSeats(t, fx, f2, 5)

		// Sold out: the guard still wins (a retried processBooking must find its booking).
		reserve(t, fx, NewBooking(Customer("guard-filler"), f, 100))
		requireSeats(t, fx, f, 0)
		retry(f)
		requireSeats(t, fx, f, 0)

		got, err := fx.Bookings.Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "the guard's booking is untouched")
		require.Len(t, pendingIDs(t, fx, 100), 2, "no marker for a refused reservation")
		require.Equal(t, []string{first.ID}, byCustomer(t, fx, booking.CustomerQuery{Customer: first.Customer}))
	})

	t.Run("ReserveSoldOutWritesNothing", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 1, 1)
		a := NewBooking(Customer("soldout-a"), f, 100)
		reserve(t, fx, a)
		for _, fl := range []*flight.Flight{f, NewFlight(t, fx, 0, 3)} {
			b := NewBooking(Customer("soldout-b"), fl, 100)
			existing, err := fx.Bookings.Reserve(ctx, b)
			require.Equal(t, apperr.SoldOut, apperr.CodeOf(err), "%v", err)
			require.Empty(t, existing)
			requireNothingFor(t, fx, b)
			requireSeats(t, fx, fl, 0)
		}
		require.Equal(t, []string{a.ID}, pendingIDs(t, fx, 100))
	})

	t.Run("ReserveUnknownFlightIsNotFound", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		ghost := flighttest.Make("fl-ghost-"+rand.Text(), "LGW", "MAD", 0)
		b := NewBooking(Customer("ghost"), ghost, 100)
		existing, err := fx.Bookings.Reserve(ctx, b)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
		require.Empty(t, existing)
		requireNothingFor(t, fx, b)
		require.Empty(t, pendingIDs(t, fx, 100))
		_, err = fx.Flights.Get(ctx, ghost.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "a failed reservation must not create the flight")
	})

	t.Run("ReserveSameGuardConcurrently", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 10, 10)
		customer, token := Customer("same"), "ch_"+rand.Text()
		const n = 5
		bookings := make([]*booking.Booking, n)
		for i := range bookings {
			bookings[i] = NewBooking(customer, f, 100)
			bookings[i].PaymentToken = token
		}
		existing := make([]string, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, b := range bookings {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				existing[i], errs[i] = fx.Bookings.Reserve(ctx, b)
			}()
		}
		close(start)
		wg.Wait()
		winner := ""
		for i := range bookings {
			require.NoError(t, errs[i])
			if existing[i] == "" {
				require.Empty(t, winner, "only one reservation may win the guard")
				winner = bookings[i].ID
			}
		}
		require.NotEmpty(t, winner)
		for i := range bookings {
			if existing[i] != "" {
				require.Equal(t, winner, existing[i])
			}
		}
		requireSeats(t, fx, f, 9)
		require.Equal(t, []string{winner}, listAll(t, fx))
		require.Equal(t, []string{winner}, pendingIDs(t, fx, 100))
	})

	t.Run("ConfirmAwardsPointsOnce", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 5, 5)
		customer := Customer("confirm")
		b := NewBooking(customer, f, 100)
		reserve(t, fx, b)

		got, err := fx.Bookings.Confirm(ctx, b, "ABC123", at(1))
		require.NoError(t, err)
		want := *b
		want.Status, want.Stage, want.BookingReference = booking.Confirmed, booking.StageDone, "ABC123"
		want.PendingSince, want.UpdatedAt, want.Version = time.Time{}, at(1), 2
		require.Equal(t, &want, got)
		requireStored(t, fx, &want)
		requirePoints(t, fx, customer, 100)
		require.Equal(t, []*loyalty.Entry{{
			Customer: customer, BookingID: b.ID, Points: 100, Status: loyalty.Active, CreatedAt: at(1), UpdatedAt: at(1),
		}}, history(t, fx, customer, 10))
		require.Empty(t, pendingIDs(t, fx, 100), "a confirmed booking is no longer pending")

		// A retry with the stale booking, and a confirmation of a confirmed booking, are
		// Conflicts that write nothing.
		_, err = fx.Bookings.Confirm(ctx, b, "XYZ789", at(2))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		_, err = fx.Bookings.Confirm(ctx, &want, "XYZ789", at(2))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		requireStored(t, fx, &want)
		requirePoints(t, fx, customer, 100)
		require.Len(t, history(t, fx, customer, 10), 1)

		// Points add up over bookings.
		b2 := NewBooking(customer, f, 250)
		reserve(t, fx, b2)
		confirm(t, fx, b2, at(3))
		requirePoints(t, fx, customer, 350)
		requirePoints(t, fx, Customer("confirm-other"), 0)
	})

	t.Run("ConcurrentConfirmsOneWins", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 5, 5)
		b := NewBooking(Customer("confirm-race"), f, 70)
		reserve(t, fx, b)
		const n = 8
		outs := make([]*booking.Booking, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				outs[i], errs[i] = fx.Bookings.Confirm(ctx, b, fmt.Sprintf("REF%03d", i), at(1))
			}()
		}
		close(start)
		wg.Wait()
		var winner *booking.Booking
		for i, err := range errs {
			if err == nil {
				require.Nil(t, winner, "two confirmations of one booking succeeded")
				winner = outs[i]
				continue
			}
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		}
		require.NotNil(t, winner)
		requireStored(t, fx, winner)
		requirePoints(t, fx, b.Customer, 70)
		require.Len(t, history(t, fx, b.Customer, 10), 1)
	})

	t.Run("CompensateUnconfirmedReleasesSeat", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 5, 5)
		b := NewBooking(Customer("compensate"), f, 100)
		reserve(t, fx, b)
		requireSeats(t, fx, f, 4)

		// Cancel needs CANCELLING first.
		_, err := fx.Bookings.Cancel(ctx, b, at(1))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		requireStored(t, fx, b)
		requireSeats(t, fx, f, 4)

		marked, err := fx.Bookings.MarkCancelling(ctx, b, apperr.PaymentDeclined, "card declined", at(2))
		require.NoError(t, err)
		want := *b
		want.Stage, want.FailureCode, want.FailureMessage = booking.StageCancelling, apperr.PaymentDeclined, "card declined"
		want.PendingSince, want.UpdatedAt, want.Version = at(2), at(2), 2
		require.Equal(t, &want, marked)
		requireStored(t, fx, &want)
		pending, err := fx.Bookings.Pending(ctx, 100)
		require.NoError(t, err)
		require.Equal(t, []booking.Pending{{BookingID: b.ID, Since: at(2)}}, pending, "the marker restarts at CANCELLING")

		// CANCELLING is a one-way door: no confirmation, with the stale or the current booking.
		for _, prev := range []*booking.Booking{b, marked} {
			_, err = fx.Bookings.Confirm(ctx, prev, "ABC123", at(3))
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		}
		_, err = fx.Bookings.MarkCancelling(ctx, b, apperr.Unavailable, "again", at(3))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		requireStored(t, fx, &want)
		requirePoints(t, fx, b.Customer, 0)

		cancelled, err := fx.Bookings.Cancel(ctx, marked, at(4))
		require.NoError(t, err)
		want.Status, want.Stage, want.PendingSince, want.UpdatedAt, want.Version =
			booking.Cancelled, booking.StageDone, time.Time{}, at(4), 3
		require.Equal(t, &want, cancelled)
		requireStored(t, fx, &want)
		requireSeats(t, fx, f, 5)
		require.Empty(t, pendingIDs(t, fx, 100))
		requirePoints(t, fx, b.Customer, 0)
		require.Empty(t, history(t, fx, b.Customer, 10), "an unconfirmed booking never had an entry")

		// Nothing moves a cancelled booking, and its seat is released once.
		_, err = fx.Bookings.Cancel(ctx, marked, at(5))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		_, err = fx.Bookings.MarkCancelling(ctx, cancelled, "", "", at(5))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		_, err = fx.Bookings.CheckIn(ctx, cancelled, at(5))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		requireStored(t, fx, &want)
		requireSeats(t, fx, f, 5)
	})

	t.Run("CancelNeverReleasesAboveTotalSeats", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 2, 2)
		b := NewBooking(Customer("full"), f, 100)
		reserve(t, fx, b)
		cur, err := fx.Flights.Get(ctx, f.ID)
		require.NoError(t, err)
		reset := *cur
		reset.SeatCapacity = reset.TotalSeats // an Admin sets the seats back explicitly
		require.NoError(t, fx.Flights.Update(ctx, cur, &reset))
		requireSeats(t, fx, f, 2)

		cancelled := cancel(t, fx, b, at(1), at(2))
		require.Equal(t, booking.Cancelled, cancelled.Status)
		requireStored(t, fx, cancelled)
		requireSeats(t, fx, f, 2)
		require.Empty(t, pendingIDs(t, fx, 100))
	})

	t.Run("CancelWhenFlightIsGone", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 2, 2)
		b := NewBooking(Customer("gone"), f, 100)
		reserve(t, fx, b)
		cur, err := fx.Flights.Get(ctx, f.ID)
		require.NoError(t, err)
		// A flight with seats sold cannot be deleted; an Admin who resets its seats first can.
		require.Equal(t, apperr.Conflict, apperr.CodeOf(fx.Flights.Delete(ctx, cur)))
		reset := *cur
		reset.SeatCapacity = reset.TotalSeats
		require.NoError(t, fx.Flights.Update(ctx, cur, &reset))
		cur, err = fx.Flights.Get(ctx, f.ID)
		require.NoError(t, err)
		require.NoError(t, fx.Flights.Delete(ctx, cur))

		cancelled := cancel(t, fx, b, at(1), at(2))
		require.Equal(t, booking.Cancelled, cancelled.Status)
		requireStored(t, fx, cancelled)
		_, err = fx.Flights.Get(ctx, f.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "releasing a seat must not recreate a deleted flight: %v", err)
		require.Empty(t, pendingIDs(t, fx, 100))
	})

	t.Run("CancelConfirmedRevokesPointsOnce", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 5, 5)
		customer := Customer("revoke")
		b1, b2 := NewBooking(customer, f, 100), NewBooking(customer, f, 250)
		reserve(t, fx, b1)
		reserve(t, fx, b2)
		c1, c2 := confirm(t, fx, b1, at(1)), confirm(t, fx, b2, at(1))
		requirePoints(t, fx, customer, 350)
		requireSeats(t, fx, f, 3)

		m1, err := fx.Bookings.MarkCancelling(ctx, c1, "", "", at(2))
		require.NoError(t, err)
		require.Equal(t, booking.Confirmed, m1.Status, "still confirmed until the refund is done")
		require.Equal(t, booking.StageCancelling, m1.Stage)
		require.Equal(t, at(2), m1.PendingSince)
		require.Equal(t, []string{b1.ID}, pendingIDs(t, fx, 100))
		requirePoints(t, fx, customer, 350)

		out, err := fx.Bookings.Cancel(ctx, m1, at(3))
		require.NoError(t, err)
		require.Equal(t, booking.Cancelled, out.Status)
		require.Equal(t, c1.BookingReference, out.BookingReference, "the reference stays")
		requireStored(t, fx, out)
		requirePoints(t, fx, customer, 250)
		requireSeats(t, fx, f, 4)
		entries := map[string]*loyalty.Entry{}
		for _, e := range history(t, fx, customer, 10) {
			entries[e.BookingID] = e
		}
		require.Equal(t, map[string]*loyalty.Entry{
			b1.ID: {Customer: customer, BookingID: b1.ID, Points: 100, Status: loyalty.Revoked, CreatedAt: at(1), UpdatedAt: at(3)},
			b2.ID: {Customer: customer, BookingID: b2.ID, Points: 250, Status: loyalty.Active, CreatedAt: at(1), UpdatedAt: at(1)},
		}, entries, "a revoked entry stays in the history")

		_, err = fx.Bookings.Cancel(ctx, m1, at(4))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		requirePoints(t, fx, customer, 250)
		requireSeats(t, fx, f, 4)

		// Concurrent cancellations of one booking: one wins, one seat, one revocation.
		m2, err := fx.Bookings.MarkCancelling(ctx, c2, "", "", at(5))
		require.NoError(t, err)
		const n = 6
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = fx.Bookings.Cancel(ctx, m2, at(6))
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		}
		require.Equal(t, 1, wins)
		requirePoints(t, fx, customer, 0)
		requireSeats(t, fx, f, 5)
		got, err := fx.Bookings.Get(ctx, b2.ID)
		require.NoError(t, err)
		require.Equal(t, booking.Cancelled, got.Status)
		require.Equal(t, int64(4), got.Version)
	})

	t.Run("CheckIn", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 5, 5)
		b := NewBooking(Customer("checkin"), f, 100)
		reserve(t, fx, b)
		_, err := fx.Bookings.CheckIn(ctx, b, at(1))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "an unconfirmed booking cannot be checked in: %v", err)
		requireStored(t, fx, b)

		c := confirm(t, fx, b, at(2))
		got, err := fx.Bookings.CheckIn(ctx, c, at(3))
		require.NoError(t, err)
		want := *c
		want.CheckedIn, want.UpdatedAt, want.Version = true, at(3), 3
		require.Equal(t, &want, got)
		requireStored(t, fx, &want)

		_, err = fx.Bookings.CheckIn(ctx, c, at(4))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		requireStored(t, fx, &want)
	})

	t.Run("StaleOrMissingWritesAreConflicts", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 5, 5)
		customer := Customer("stale")
		b := NewBooking(customer, f, 100)
		reserve(t, fx, b)
		c := confirm(t, fx, b, at(1))
		stale := func(src *booking.Booking, mutate func(*booking.Booking)) *booking.Booking {
			s := *src
			mutate(&s)
			return &s
		}
		ahead := func(s *booking.Booking) { s.Version += 5 }
		writes := map[string]func(prev *booking.Booking) error{
			"Confirm": func(prev *booking.Booking) error {
				_, err := fx.Bookings.Confirm(ctx, prev, "ZZZ999", at(9))
				return err
			},
			"MarkCancelling": func(prev *booking.Booking) error {
				_, err := fx.Bookings.MarkCancelling(ctx, prev, apperr.Unavailable, "x", at(9))
				return err
			},
			"Cancel": func(prev *booking.Booking) error {
				_, err := fx.Bookings.Cancel(ctx, prev, at(9))
				return err
			},
			"CheckIn": func(prev *booking.Booking) error {
				_, err := fx.Bookings.CheckIn(ctx, prev, at(9))
				return err
			},
		}
		// Each write, given what it would accept but at the wrong version.
		prevs := map[string]*booking.Booking{
			"Confirm":        stale(b, ahead),
			"MarkCancelling": stale(c, ahead),
			"Cancel": stale(c, func(s *booking.Booking) {
				s.Stage = booking.StageCancelling
				s.Version++
			}),
			"CheckIn": stale(c, ahead),
		}
		for name, write := range writes {
			err := write(prevs[name])
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%s at the wrong version: %v", name, err)
			requireStored(t, fx, c)
			requirePoints(t, fx, customer, 100)
			requireSeats(t, fx, f, 4)
			require.Empty(t, pendingIDs(t, fx, 100), name)

			// A booking that was never reserved: Conflict, and nothing appears.
			ghost := NewBooking(customer, f, 100)
			switch name {
			case "MarkCancelling", "CheckIn":
				ghost.Status, ghost.Stage = booking.Confirmed, booking.StageDone
			case "Cancel":
				ghost.Status, ghost.Stage = booking.Confirmed, booking.StageCancelling
			}
			err = write(ghost)
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%s of a missing booking: %v", name, err)
			_, err = fx.Bookings.Get(ctx, ghost.ID)
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%s created a booking: %v", name, err)
			requirePoints(t, fx, customer, 100)
			requireSeats(t, fx, f, 4)
			require.Len(t, history(t, fx, customer, 10), 1, name)
			require.Empty(t, pendingIDs(t, fx, 100), name)
		}
	})

	t.Run("ByCustomerStatusConditions", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 20, 20)
		customer := Customer("status")
		byStatus := map[booking.Status][]string{}
		for i := range 9 {
			b := NewBooking(customer, f, 10)
			reserve(t, fx, b)
			switch i % 3 {
			case 1:
				confirm(t, fx, b, at(1))
				byStatus[booking.Confirmed] = append(byStatus[booking.Confirmed], b.ID)
			case 2:
				cancel(t, fx, b, at(1), at(2))
				byStatus[booking.Cancelled] = append(byStatus[booking.Cancelled], b.ID)
			default:
				byStatus[booking.Unconfirmed] = append(byStatus[booking.Unconfirmed], b.ID)
			}
		}
		// Another customer's bookings, in every status, must never show up.
		other := Customer("status-other")
		for i := range 3 {
			b := NewBooking(other, f, 10)
			reserve(t, fx, b)
			if i == 1 {
				confirm(t, fx, b, at(1))
			}
			if i == 2 {
				cancel(t, fx, b, at(1), at(2))
			}
		}
		// ids of the statuses given, ordered by status, then id.
		ids := func(statuses ...booking.Status) []string {
			slices.Sort(statuses)
			out := []string{}
			for _, s := range statuses {
				got := append([]string{}, byStatus[s]...)
				slices.Sort(got)
				out = append(out, got...)
			}
			return out
		}
		var (
			all  = []booking.Status{booking.Cancelled, booking.Confirmed, booking.Unconfirmed}
			canc = booking.Cancelled
			conf = booking.Confirmed
			unc  = booking.Unconfirmed
		)
		key := func(set func(k *filter.KeyStringInput)) *filter.KeyStringInput {
			k := &filter.KeyStringInput{}
			set(k)
			return k
		}
		eq := func(s string) *filter.KeyStringInput { return key(func(k *filter.KeyStringInput) { k.Eq = &s }) }
		le := func(s string) *filter.KeyStringInput { return key(func(k *filter.KeyStringInput) { k.Le = &s }) }
		lt := func(s string) *filter.KeyStringInput { return key(func(k *filter.KeyStringInput) { k.Lt = &s }) }
		ge := func(s string) *filter.KeyStringInput { return key(func(k *filter.KeyStringInput) { k.Ge = &s }) }
		gt := func(s string) *filter.KeyStringInput { return key(func(k *filter.KeyStringInput) { k.Gt = &s }) }
		bw := func(s string) *filter.KeyStringInput {
			return key(func(k *filter.KeyStringInput) { k.BeginsWith = &s })
		}
		between := func(a, b string) *filter.KeyStringInput {
			return key(func(k *filter.KeyStringInput) { k.Between = []*string{&a, &b} })
		}
		cases := []struct {
			name   string
			status *filter.KeyStringInput
			want   []booking.Status
		}{
			{"any", nil, all},
			{"eq", eq("CONFIRMED"), []booking.Status{conf}},
			{"eq prefix only", eq("CONF"), nil},
			{"eq with separator", eq("CONFIRMED#"), nil},
			{"le", le("CONFIRMED"), []booking.Status{canc, conf}},
			{"le just below", le("CONFIRMEC"), []booking.Status{canc}},
			{"le with separator", le("CONFIRMED#"), []booking.Status{canc, conf}},
			{"le with space", le("CONFIRMED "), []booking.Status{canc, conf}},
			{"le empty", le(""), nil},
			{"lt", lt("CONFIRMED"), []booking.Status{canc}},
			{"lt longer", lt("CONFIRMED!"), []booking.Status{canc, conf}},
			{"lt with separator", lt("CONFIRMED#0"), []booking.Status{canc, conf}},
			{"lt empty", lt(""), nil},
			{"ge", ge("CONFIRMED"), []booking.Status{conf, unc}},
			{"ge with separator", ge("CONFIRMED#"), []booking.Status{unc}},
			{"ge empty", ge(""), all},
			{"gt", gt("CONFIRMED"), []booking.Status{unc}},
			{"gt prefix", gt("CONF"), []booking.Status{conf, unc}},
			{"gt with separator", gt("CANCELLED#"), []booking.Status{conf, unc}},
			{"gt empty", gt(""), all},
			{"between", between("CANCELLED", "CONFIRMED"), []booking.Status{canc, conf}},
			{"between one", between("CONFIRMED", "CONFIRMED"), []booking.Status{conf}},
			{"between wide", between("A", "Z"), all},
			{"between with separators", between("CANCELLED#", "CONFIRMED#"), []booking.Status{conf}},
			{"between nothing", between("C$x", "C$y"), nil},
			{"beginsWith", bw("C"), []booking.Status{canc, conf}},
			{"beginsWith word", bw("CON"), []booking.Status{conf}},
			{"beginsWith whole", bw("UNCONFIRMED"), []booking.Status{unc}},
			{"beginsWith separator", bw("CONFIRMED#"), nil},
			{"beginsWith longer", bw("UNCONFIRMEDX"), nil},
			{"beginsWith empty", bw(""), all},
		}
		for _, c := range cases {
			want := ids(c.want...)
			for _, desc := range []bool{false, true} {
				exp := want
				if desc {
					exp = append([]string{}, want...)
					slices.Reverse(exp)
				}
				for _, limit := range []int{1, 4, 100} {
					got := collect(t, func(tok string) (booking.Page, error) {
						return fx.Bookings.ByCustomer(ctx, booking.CustomerQuery{
							Customer: customer, Status: c.status, Descending: desc, Limit: limit, NextToken: tok,
						})
					}, limit)
					require.Equal(t, exp, got, "%s, descending %v, limit %d", c.name, desc, limit)
				}
			}
		}
	})

	t.Run("ByCustomerFilterAndTokens", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 20, 20)
		customer, other := Customer("filter"), Customer("filter-other")
		var checked, confirmed []string
		for i := range 10 {
			b := NewBooking(customer, f, 10)
			reserve(t, fx, b)
			if i%2 == 0 {
				c := confirm(t, fx, b, at(1))
				confirmed = append(confirmed, b.ID)
				if i%4 == 0 {
					_, err := fx.Bookings.CheckIn(ctx, c, at(2))
					require.NoError(t, err)
					checked = append(checked, b.ID)
				}
			}
		}
		for range 3 {
			reserve(t, fx, NewBooking(other, f, 10))
		}
		slices.Sort(checked)
		slices.Sort(confirmed)
		checkedIn := &booking.Filter{CheckedIn: &filter.BooleanInput{Eq: ptr(true)}}
		for _, limit := range []int{1, 2, 100} {
			got := collect(t, func(tok string) (booking.Page, error) {
				return fx.Bookings.ByCustomer(ctx, booking.CustomerQuery{Customer: customer, Filter: checkedIn, Limit: limit, NextToken: tok})
			}, limit)
			require.Equal(t, checked, got, "limit %d", limit)
		}
		notUnconfirmed := &booking.Filter{Status: &booking.StatusInput{Ne: ptr(booking.Unconfirmed)}}
		got := collect(t, func(tok string) (booking.Page, error) {
			return fx.Bookings.ByCustomer(ctx, booking.CustomerQuery{
				Customer: customer, Status: &filter.KeyStringInput{Ge: ptr("CONFIRMED")}, Filter: notUnconfirmed, Limit: 2, NextToken: tok,
			})
		}, 2)
		require.Equal(t, confirmed, got)
		none := &booking.Filter{Customer: &filter.StringInput{Eq: ptr(other)}}
		p, err := fx.Bookings.ByCustomer(ctx, booking.CustomerQuery{Customer: customer, Filter: none, Limit: 3})
		require.NoError(t, err)
		require.Empty(t, p.Items, "the filter narrows the customer's bookings, it never widens them")

		// Tokens only resume the query they were made for.
		q := booking.CustomerQuery{Customer: customer, Status: &filter.KeyStringInput{BeginsWith: ptr("")}, Limit: 3}
		p, err = fx.Bookings.ByCustomer(ctx, q)
		require.NoError(t, err)
		require.NotEmpty(t, p.NextToken)
		foreign := []booking.CustomerQuery{
			{Customer: other, Status: q.Status, Limit: 3},
			{Customer: customer, Status: &filter.KeyStringInput{BeginsWith: ptr("U")}, Limit: 3},
			{Customer: customer, Status: &filter.KeyStringInput{Eq: ptr("CONFIRMED")}, Limit: 3},
			{Customer: customer, Status: q.Status, Descending: true, Limit: 3},
			{Customer: customer, Status: q.Status, Filter: checkedIn, Limit: 3},
		}
		for i, fq := range foreign {
			fq.NextToken = p.NextToken
			_, err := fx.Bookings.ByCustomer(ctx, fq)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "query %d: %v", i, err)
		}
		for _, tok := range []string{"garbage", p.NextToken[:len(p.NextToken)-3], p.NextToken + "AA"} {
			fq := q
			fq.NextToken = tok
			_, err := fx.Bookings.ByCustomer(ctx, fq)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "token %.20q: %v", tok, err)
		}
		_, err = fx.Bookings.List(ctx, booking.ListQuery{Limit: 3, NextToken: p.NextToken})
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%v", err)
		_, err = fx.Loyalty.History(ctx, customer, 3, p.NextToken)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%v", err)
		// The limit may change between pages.
		q.NextToken, q.Limit = p.NextToken, 100
		p2, err := fx.Bookings.ByCustomer(ctx, q)
		require.NoError(t, err)
		require.Len(t, p2.Items, 7)
		require.Empty(t, p2.NextToken)

		_, err = fx.Bookings.ByCustomer(ctx, booking.CustomerQuery{
			Customer: customer, Status: &filter.KeyStringInput{Between: []*string{ptr("Z"), ptr("A")}}, Limit: 3,
		})
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "between with its bounds reversed: %v", err)
	})

	t.Run("ListAcrossCustomers", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 30, 30)
		var all []string
		byCust := map[string][]string{}
		var customers []string
		for c := range 5 {
			cust := Customer(fmt.Sprintf("list%d", c))
			customers = append(customers, cust)
			for range 5 {
				b := NewBooking(cust, f, 10)
				reserve(t, fx, b)
				all = append(all, b.ID)
				byCust[cust] = append(byCust[cust], b.ID)
			}
		}
		slices.Sort(all)
		for _, limit := range []int{1, 4, 25, 100} {
			got := collect(t, func(tok string) (booking.Page, error) {
				return fx.Bookings.List(ctx, booking.ListQuery{Limit: limit, NextToken: tok})
			}, limit)
			require.Equal(t, all, got, "limit %d", limit)
		}
		one := customers[2]
		want := append([]string{}, byCust[one]...)
		slices.Sort(want)
		only := &booking.Filter{Customer: &filter.StringInput{Eq: ptr(one)}}
		got := collect(t, func(tok string) (booking.Page, error) {
			return fx.Bookings.List(ctx, booking.ListQuery{Filter: only, Limit: 2, NextToken: tok})
		}, 2)
		require.Equal(t, want, got)

		p, err := fx.Bookings.List(ctx, booking.ListQuery{Limit: 2})
		require.NoError(t, err)
		require.NotEmpty(t, p.NextToken)
		_, err = fx.Bookings.List(ctx, booking.ListQuery{Filter: only, Limit: 2, NextToken: p.NextToken})
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%v", err)
		_, err = fx.Bookings.ByCustomer(ctx, booking.CustomerQuery{Customer: one, Limit: 2, NextToken: p.NextToken})
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%v", err)
	})

	t.Run("PendingMarkers", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 40, 40)
		want := map[string]time.Time{}
		var bookings []*booking.Booking
		for i := range 40 {
			b := NewBooking(Customer("pending"), f, 10)
			b.PendingSince = at(i)
			reserve(t, fx, b)
			want[b.ID] = at(i)
			bookings = append(bookings, b)
		}
		requirePending := func() {
			t.Helper()
			got, err := fx.Bookings.Pending(ctx, 1000)
			require.NoError(t, err)
			m := map[string]time.Time{}
			for _, p := range got {
				_, dup := m[p.BookingID]
				require.False(t, dup, "marker %s twice", p.BookingID)
				m[p.BookingID] = p.Since
			}
			require.Equal(t, want, m)
		}
		requirePending()
		some, err := fx.Bookings.Pending(ctx, 7)
		require.NoError(t, err)
		require.Len(t, some, 7)
		seen := map[string]bool{}
		for _, p := range some {
			require.Equal(t, want[p.BookingID], p.Since)
			require.False(t, seen[p.BookingID])
			seen[p.BookingID] = true
		}

		for _, b := range bookings[:5] {
			confirm(t, fx, b, at(50))
			delete(want, b.ID)
		}
		requirePending()
		for _, b := range bookings[5:8] {
			require.NoError(t, fx.Bookings.DeletePending(ctx, b.ID))
			require.NoError(t, fx.Bookings.DeletePending(ctx, b.ID), "deleting a deleted marker is no error")
			delete(want, b.ID)
		}
		require.NoError(t, fx.Bookings.DeletePending(ctx, uuid.Must(uuid.NewV7()).String()))
		requirePending()

		// A confirmed booking being cancelled is pending again, since the cancellation.
		c, err := fx.Bookings.Get(ctx, bookings[0].ID)
		require.NoError(t, err)
		_, err = fx.Bookings.MarkCancelling(ctx, c, "", "", at(60))
		require.NoError(t, err)
		want[c.ID] = at(60)
		requirePending()
	})

	t.Run("HistoryNewestFirst", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		f := NewFlight(t, fx, 10, 10)
		customer, other := Customer("history"), Customer("history-other")
		var ids []string
		total := int64(0)
		for i := range 7 {
			b := NewBooking(customer, f, int64(10*(i+1)))
			reserve(t, fx, b)
			confirm(t, fx, b, at(i))
			ids = append(ids, b.ID)
			total += b.Points
		}
		ob := NewBooking(other, f, 5)
		reserve(t, fx, ob)
		confirm(t, fx, ob, at(0))
		sort.Sort(sort.Reverse(sort.StringSlice(ids)))
		for _, limit := range []int{1, 3, 7, 100} {
			var got []string
			tok := ""
			for range 100 {
				p, err := fx.Loyalty.History(ctx, customer, limit, tok)
				require.NoError(t, err)
				require.LessOrEqual(t, len(p.Items), limit)
				for _, e := range p.Items {
					require.Equal(t, customer, e.Customer)
					got = append(got, e.BookingID)
				}
				if p.NextToken == "" {
					break
				}
				require.Len(t, p.Items, limit, "a page with a nextToken must be full")
				tok = p.NextToken
			}
			require.Equal(t, ids, got, "limit %d", limit)
		}
		requirePoints(t, fx, customer, total)
		requirePoints(t, fx, other, 5)

		p, err := fx.Loyalty.History(ctx, customer, 2, "")
		require.NoError(t, err)
		require.NotEmpty(t, p.NextToken)
		_, err = fx.Loyalty.History(ctx, other, 2, p.NextToken)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "another customer's token: %v", err)
		_, err = fx.Loyalty.History(ctx, customer, 2, "garbage")
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), "%v", err)

		unknown := Customer("history-unknown")
		requirePoints(t, fx, unknown, 0)
		p, err = fx.Loyalty.History(ctx, unknown, 5, "")
		require.NoError(t, err)
		require.Empty(t, p.Items)
		require.Empty(t, p.NextToken)
	})
}

// reserve reserves b, which must get a seat.
func reserve(t *testing.T, fx Fixture, b *booking.Booking) {
	t.Helper()
	existing, err := fx.Bookings.Reserve(context.Background(), b)
	require.NoError(t, err)
	require.Empty(t, existing)
}

// confirm confirms b at when and returns the stored booking.
func confirm(t *testing.T, fx Fixture, b *booking.Booking, when time.Time) *booking.Booking {
	t.Helper()
	out, err := fx.Bookings.Confirm(context.Background(), b, "R"+rand.Text()[:5], when)
	require.NoError(t, err)
	return out
}

// cancel marks b cancelling at marked and cancels it at done.
func cancel(t *testing.T, fx Fixture, b *booking.Booking, marked, done time.Time) *booking.Booking {
	t.Helper()
	m, err := fx.Bookings.MarkCancelling(context.Background(), b, "", "", marked)
	require.NoError(t, err)
	out, err := fx.Bookings.Cancel(context.Background(), m, done)
	require.NoError(t, err)
	return out
}

// requireStored checks that the stored booking is want.
func requireStored(t *testing.T, fx Fixture, want *booking.Booking) {
	t.Helper()
	got, err := fx.Bookings.Get(context.Background(), want.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func requireSeats(t *testing.T, fx Fixture, f *flight.Flight, seats int) {
	t.Helper()
	got, err := fx.Flights.Get(context.Background(), f.ID)
	require.NoError(t, err)
	require.Equal(t, seats, got.SeatCapacity, "seats left on %s", f.ID)
}

func requirePoints(t *testing.T, fx Fixture, customer string, points int64) {
	t.Helper()
	got, err := fx.Loyalty.Total(context.Background(), customer)
	require.NoError(t, err)
	require.Equal(t, points, got, "loyalty total of %s", customer)
}

// requireNothingFor checks that a refused reservation of b left no trace of it.
func requireNothingFor(t *testing.T, fx Fixture, b *booking.Booking) {
	t.Helper()
	ctx := context.Background()
	_, err := fx.Bookings.Get(ctx, b.ID)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "booking stored: %v", err)
	_, err = fx.Bookings.ByPaymentToken(ctx, b.Customer, b.PaymentToken)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "guard stored: %v", err)
	require.NotContains(t, pendingIDs(t, fx, 1000), b.ID, "pending marker stored")
	require.Empty(t, byCustomer(t, fx, booking.CustomerQuery{Customer: b.Customer}))
}

func pendingIDs(t *testing.T, fx Fixture, limit int) []string {
	t.Helper()
	ps, err := fx.Bookings.Pending(context.Background(), limit)
	require.NoError(t, err)
	ids := []string{}
	for _, p := range ps {
		ids = append(ids, p.BookingID)
	}
	slices.Sort(ids)
	return ids
}

func byCustomer(t *testing.T, fx Fixture, q booking.CustomerQuery) []string {
	t.Helper()
	return collect(t, func(tok string) (booking.Page, error) {
		q.Limit, q.NextToken = 10, tok
		return fx.Bookings.ByCustomer(context.Background(), q)
	}, 10)
}

func listAll(t *testing.T, fx Fixture) []string {
	t.Helper()
	return collect(t, func(tok string) (booking.Page, error) {
		return fx.Bookings.List(context.Background(), booking.ListQuery{Limit: 100, NextToken: tok})
	}, 100)
}

func history(t *testing.T, fx Fixture, customer string, limit int) []*loyalty.Entry {
	t.Helper()
	p, err := fx.Loyalty.History(context.Background(), customer, limit, "")
	require.NoError(t, err)
	return p.Items
}

// collect follows nextTokens to the end and returns the ids, checking that every page but
// the last is full and that no booking comes twice.
func collect(t *testing.T, next func(tok string) (booking.Page, error), limit int) []string {
	t.Helper()
	out := []string{}
	seen := map[string]bool{}
	tok := ""
	for range 1000 {
		p, err := next(tok)
		require.NoError(t, err)
		require.LessOrEqual(t, len(p.Items), limit)
		for _, b := range p.Items {
			require.False(t, seen[b.ID], "booking %s on two pages", b.ID)
			seen[b.ID] = true
			out = append(out, b.ID)
		}
		if p.NextToken == "" {
			return out
		}
		require.Len(t, p.Items, limit, "a page with a nextToken must be full")
		tok = p.NextToken
	}
	t.Fatal("pagination did not end")
	return nil
}
