package booking

import (
	"context"
	"errors"
	"sync"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
)

// CreateInput is what processBooking reads of the sample's CreateBookingInput. The
// customer is never part of it: it comes from the caller's token.
type CreateInput struct {
	PaymentToken string
	FlightID     string
	// Eligible, when set, confirms that the caller may still book (e.g. their profile
	// exists and an Admin has not deleted them). It runs alongside the saga's first reads,
	// so it costs no round trip of its own, and its error stops the saga before any write.
	Eligible func(context.Context) error
}

// Process is processBooking: it books a seat on in.FlightID paid by the caller's charge
// in.PaymentToken, and returns the booking as stored (CONFIRMED), or an error.
//
// The saga, each step persisted before the next:
//
//  1. Checks, before any seat is taken: the flight exists and has not departed, the charge
//     is the caller's, AUTHORIZED, in the flight's currency and for at least its price.
//  2. One transaction: a seat (seatCapacity − 1 if > 0), the booking UNCONFIRMED, the
//     idempotency guard (customer, paymentToken) and a pending marker.
//  3. Capture of exactly the price (ticketPrice × 100), idempotent on the booking id.
//  4. One transaction: CONFIRMED + bookingReference, the loyalty entry (unique per
//     booking), the loyalty total, the pending marker deleted.
//
// When the capture is refused or the confirmation cannot be written, it compensates:
// CANCELLING is stored (so nothing can confirm any more), the payment refunded or its
// hold released, then one transaction cancels the booking and releases the seat (never
// above totalSeats). The error then says why, and the cancelled booking keeps it.
//
// A retry with the same paymentToken (also concurrent, also after a crash) returns the
// same booking, carrying on whatever step the first call did not finish; it never takes a
// second seat, captures twice or awards points twice. If an outcome stays unknown (the
// processor or the store not answering), the error is Unavailable and the booking stays
// UNCONFIRMED until a retry or the recovery sweep finishes it.
func (s *Service) Process(ctx context.Context, c Caller, in CreateInput) (*Booking, error) {
	ctx, cancel := s.detach(ctx)
	defer cancel()
	if c.ID == "" {
		return nil, apperr.New(apperr.Unauthorized, "sign in to book a flight")
	}
	if err := ValidateID("bookingOutboundFlightId", in.FlightID); err != nil {
		return nil, err
	}
	if !payment.ValidChargeID(in.PaymentToken) {
		return nil, apperr.New(apperr.BadRequest, "paymentToken: must be a paymentToken (ch_…) from authorizePayment")
	}

	// The flight, the charge and the caller's eligibility are independent reads: one round
	// trip.
	var (
		wg    sync.WaitGroup
		fl    *flight.Flight
		ch    payment.Charge
		flErr error
		chErr error
		elErr error
	)
	wg.Add(2)
	go func() { defer wg.Done(); ch, chErr = s.payments.Get(ctx, c.ID, in.PaymentToken) }()
	go func() { defer wg.Done(); fl, flErr = s.flights.Get(ctx, in.FlightID) }()
	if in.Eligible != nil {
		wg.Go(func() { elErr = in.Eligible(ctx) })
	}
	wg.Wait()
	if elErr != nil {
		return nil, elErr
	}
	if chErr != nil {
		return nil, chErr
	}
	if flErr != nil {
		return nil, flErr
	}

	price := int64(fl.TicketPrice)
	amount := price * 100
	b := &Booking{
		Customer: c.ID, FlightID: in.FlightID, PaymentToken: in.PaymentToken,
		Status: Unconfirmed, Stage: StageReserved,
		Amount: amount, Currency: fl.TicketCurrency, Points: price, Departure: fl.DepartureDate,
	}
	var refusal error
	switch {
	case price == 0:
		refusal = apperr.New(apperr.BadRequest, "flight %s has no ticket price and cannot be paid for", in.FlightID)
	case s.departed(b):
		refusal = apperr.New(apperr.BadRequest, "flight %s has departed", in.FlightID)
	default:
		refusal = ch.CheckCapturable(amount, fl.TicketCurrency)
	}
	if refusal == nil && fl.SeatCapacity <= 0 {
		refusal = apperr.New(apperr.SoldOut, "flight %s is sold out", in.FlightID)
	}
	if refusal != nil {
		// A used token, or a full flight, may be this very booking retried.
		id, err := s.repo.ByPaymentToken(ctx, c.ID, in.PaymentToken)
		switch {
		case err == nil:
			return s.resume(ctx, id, in, &ch)
		case !apperr.Is(err, apperr.NotFound):
			return nil, err
		}
		return nil, refusal
	}

	now := s.cfg.Now()
	b.ID, b.CreatedAt, b.UpdatedAt, b.PendingSince, b.Version = s.cfg.NewID(), now, now, now, 1
	if err := s.hook(ctx, b, StepReserve, Before); err != nil {
		return nil, err
	}
	existing, err := s.repo.Reserve(ctx, b)
	if unknown(err) {
		// The transaction may have committed: if it did, this booking holds the guard.
		if id, ferr := s.repo.ByPaymentToken(ctx, c.ID, in.PaymentToken); ferr == nil {
			return s.resume(ctx, id, in, &ch)
		}
	}
	if err != nil {
		return nil, err
	}
	if existing != "" {
		return s.resume(ctx, existing, in, &ch)
	}
	if err := s.hook(ctx, b, StepReserve, After); err != nil {
		return nil, err
	}
	return s.finish(ctx, b, &ch)
}

// SagaTimeout is the default bound of one request's run of the saga (Config.Timeout), under
// AppSync's 30 s request limit.
const SagaTimeout = saga.Timeout

// detach runs a saga on its own deadline (saga.Runs.Detach): a client that disconnects (or
// a request deadline that is too short) must not abandon a booking halfway. The run is
// counted until cancel is called, so Wait can tell when none is left.
func (s *Service) detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return s.runs.Detach(ctx, s.cfg.Timeout)
}

// Wait returns once no saga (processBooking or cancelBooking) is running, or when ctx ends.
// A saga outlives its client's request on purpose (detach), so whoever closes the store
// under the service (App.Close, a test's clean-up) waits here first: no saga then writes
// to a store that is gone.
func (s *Service) Wait(ctx context.Context) error {
	return s.runs.Wait(ctx)
}

// resume answers a retried processBooking from the booking that holds its guard; charge
// is the paymentToken's charge as this request read it.
func (s *Service) resume(ctx context.Context, id string, in CreateInput, charge *payment.Charge) (*Booking, error) {
	b, err := s.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.FlightID != in.FlightID {
		return nil, apperr.New(apperr.Conflict, "paymentToken %s was already used for booking %s on another flight", in.PaymentToken, b.ID)
	}
	return s.finish(ctx, b, charge)
}

// finish advances b and reports a booking the saga cancelled as the error that cancelled it.
// charge is b's charge as this request read it, when it did (see advance).
func (s *Service) finish(ctx context.Context, b *Booking, charge *payment.Charge) (*Booking, error) {
	b, err := s.advance(ctx, b, charge)
	if err != nil {
		return nil, err
	}
	if b.Status == Cancelled && b.FailureCode != "" {
		return nil, apperr.New(b.FailureCode, "%s (booking %s was cancelled and its seat released)", b.FailureMessage, b.ID)
	}
	return b, nil
}

// advance carries b's saga on from its stored stage until it is DONE, or until an
// outcome is unknown (then the error is Unavailable or Internal and b stays pending).
// charge, when not nil, is b's charge as read for b's customer by this request: the
// capture then skips re-reading it (payment.Service.CaptureOwned).
func (s *Service) advance(ctx context.Context, b *Booking, charge *payment.Charge) (*Booking, error) {
	for attempt := 0; ; attempt++ {
		if attempt > s.cfg.Retries+2 {
			return nil, apperr.New(apperr.Conflict, "booking %s keeps changing concurrently; retry", b.ID)
		}
		switch b.Stage {
		case StageDone:
			return b, nil
		case StageCancelling:
			return s.compensate(ctx, b)
		}
		if err := s.capture(ctx, b, charge); err != nil {
			if killed(err) {
				return nil, err
			}
			if unknown(err) {
				if s.cfg.Now().Sub(b.CreatedAt) < s.cfg.GiveUpAfter {
					return nil, apperr.Wrap(err, apperr.Unavailable,
						"the payment for booking %s could not be confirmed yet; it will be completed or cancelled shortly", b.ID)
				}
				err = apperr.Wrap(err, apperr.Unavailable, "the payment could not be captured in time")
			}
			out, err := s.startCompensation(ctx, b, err)
			if apperr.Is(err, apperr.Conflict) {
				if b, err = s.repo.Get(ctx, b.ID); err != nil {
					return nil, err
				}
				continue
			}
			return out, err
		}
		out, err := s.confirm(ctx, b)
		switch {
		case err == nil:
			return out, nil
		case killed(err):
			return nil, err
		case apperr.Is(err, apperr.Conflict):
			// Another process (a retry, the sweep, a cancel) moved the booking on: carry
			// on from what is stored.
			if b, err = s.repo.Get(ctx, b.ID); err != nil {
				return nil, err
			}
			continue
		}
		// The payment is captured but the booking cannot be confirmed: give the money back.
		cause := apperr.Wrap(err, apperr.Unavailable, "the booking could not be confirmed and the payment was refunded; retry with a new paymentToken")
		out, cerr := s.startCompensation(ctx, b, cause)
		if apperr.Is(cerr, apperr.Conflict) {
			if b, err = s.repo.Get(ctx, b.ID); err != nil {
				return nil, err
			}
			continue
		}
		if cerr != nil {
			// Neither confirmed nor compensating: the sweep will complete it (the money is
			// captured, so it confirms).
			return nil, apperr.Wrap(errors.Join(err, cerr), apperr.Unavailable,
				"booking %s could not be confirmed yet; it will be completed or cancelled shortly", b.ID)
		}
		return out, nil
	}
}

// capture takes the booking's price from its charge, idempotently on the booking id, and
// retries an unknown outcome a few times.
func (s *Service) capture(ctx context.Context, b *Booking, charge *payment.Charge) error {
	if err := s.hook(ctx, b, StepCapture, Before); err != nil {
		return err
	}
	in := payment.CaptureInput{ChargeID: b.PaymentToken, Amount: b.Amount, Currency: b.Currency, IdempotencyKey: captureKey(b.ID)}
	err := s.retry(ctx, func() error {
		var err error
		if charge != nil && charge.ID == b.PaymentToken && charge.Customer == b.Customer {
			_, err = s.payments.CaptureOwned(ctx, *charge, in)
		} else {
			_, err = s.payments.Capture(ctx, b.Customer, in)
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.hook(ctx, b, StepCapture, After)
}

// confirm writes the confirmation transaction. An unknown outcome is resolved by reading
// the booking back before trying again.
func (s *Service) confirm(ctx context.Context, b *Booking) (*Booking, error) {
	if err := s.hook(ctx, b, StepConfirm, Before); err != nil {
		return nil, err
	}
	ref := s.cfg.NewReference()
	var out *Booking
	err := s.retry(ctx, func() error {
		var err error
		out, err = s.repo.Confirm(ctx, b, ref, s.cfg.Now())
		if unknown(err) {
			if cur, gerr := s.repo.Get(ctx, b.ID); gerr == nil && cur.Version != b.Version {
				return apperr.New(apperr.Conflict, "booking %s changed", b.ID) // committed, or moved by another process
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.hook(ctx, out, StepConfirm, After); err != nil {
		return nil, err
	}
	return out, nil
}

// startCompensation stores CANCELLING with the cause, then compensates.
func (s *Service) startCompensation(ctx context.Context, b *Booking, cause error) (*Booking, error) {
	code, msg := saga.Failure(cause, "the booking failed")
	if err := s.hook(ctx, b, StepMarkCancelling, Before); err != nil {
		return nil, err
	}
	marked, err := s.repo.MarkCancelling(ctx, b, code, msg, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := s.hook(ctx, marked, StepMarkCancelling, After); err != nil {
		return nil, err
	}
	return s.compensate(ctx, marked)
}

// compensate finishes a CANCELLING booking: refund (or release the hold), then cancel,
// release the seat and revoke points in one transaction.
func (s *Service) compensate(ctx context.Context, b *Booking) (*Booking, error) {
	err := saga.Refund(ctx, s.retrier(), s.payments, b.Customer, b.PaymentToken, refundKey(b.ID), func() error {
		return s.hook(ctx, b, StepRefund, Before) // a fault injected here is the refund's own failure
	})
	if err != nil {
		if killed(err) {
			return nil, err
		}
		return nil, apperr.Wrap(err, apperr.Unavailable, "the refund for booking %s is pending and will be retried automatically", b.ID)
	}
	if err := s.hook(ctx, b, StepRefund, After); err != nil {
		return nil, err
	}
	if err := s.hook(ctx, b, StepCancel, Before); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		var out *Booking
		err := s.retry(ctx, func() error {
			var err error
			out, err = s.repo.Cancel(ctx, b, s.cfg.Now())
			return err
		})
		if apperr.Is(err, apperr.Conflict) && attempt < s.cfg.Retries {
			cur, gerr := s.repo.Get(ctx, b.ID)
			if gerr != nil {
				return nil, gerr
			}
			if cur.Stage != StageCancelling {
				return cur, nil // another process finished it
			}
			b = cur
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := s.hook(ctx, out, StepCancel, After); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// retry runs op again while its outcome is unknown (saga.Retrier).
func (s *Service) retry(ctx context.Context, op func() error) error { return s.retrier().Do(ctx, op) }

// unknown reports an error whose outcome is unknown (saga.Unknown).
func unknown(err error) bool { return saga.Unknown(err) }

func captureKey(bookingID string) string { return "booking-capture-" + bookingID }
func refundKey(bookingID string) string  { return "booking-refund-" + bookingID }

// RecoveryReport is what one recovery sweep did.
type RecoveryReport struct {
	// Pending is the number of pending sagas seen; Taken those old enough to take over.
	Pending, Taken int
	// Confirmed and Cancelled count the sagas the sweep finished; Failed those it could not
	// (they stay pending for the next sweep).
	Confirmed, Cancelled, Failed int
}

// Recover is the recovery sweep: it finishes every saga pending for longer than
// Config.RecoverAfter (its process died, or an outcome stayed unknown), completing it
// when the payment can be captured and compensating otherwise (saga.Sweep). It is
// idempotent and safe to run concurrently with live requests and with other sweeps.
// Errors of single bookings are joined; the others are still processed.
func (s *Service) Recover(ctx context.Context) (RecoveryReport, error) {
	markers, err := s.repo.Pending(ctx, saga.SweepBatch)
	if err != nil {
		return RecoveryReport{}, err
	}
	pending := make([]saga.Pending, len(markers))
	for i, m := range markers {
		pending[i] = saga.Pending{ID: m.BookingID, Since: m.Since}
	}
	rep, err := saga.Sweep(ctx, pending, s.cfg.Now().Add(-s.cfg.RecoverAfter), func(ctx context.Context, id string) (saga.Outcome, error) {
		out, err := s.recoverOne(ctx, id)
		switch {
		case err != nil || out == nil:
			return saga.Nothing, err
		case out.Status == Cancelled:
			return saga.Compensated, nil
		case out.Status == Confirmed:
			return saga.Completed, nil
		}
		return saga.Nothing, nil
	})
	return RecoveryReport{
		Pending: rep.Pending, Taken: rep.Taken, Confirmed: rep.Completed, Cancelled: rep.Compensated, Failed: rep.Failed,
	}, err
}

func (s *Service) recoverOne(ctx context.Context, id string) (*Booking, error) {
	b, err := s.repo.Get(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, s.repo.DeletePending(ctx, id) // a marker without a booking: nothing to do
	}
	if err != nil {
		return nil, err
	}
	if b.Stage == StageDone {
		return nil, s.repo.DeletePending(ctx, id)
	}
	out, err := s.advance(ctx, b, nil)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.CodeOf(err), "booking %s", id)
	}
	return out, nil
}
