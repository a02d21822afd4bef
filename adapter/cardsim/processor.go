package cardsim

import (
	"context"
	"slices"

	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

// idempotencyAttempts bounds the rounds of Authorize when its key's record disappears
// between a refused create and the read (it expired and TTL deleted it): then the next
// create wins.
const idempotencyAttempts = 3

// refundAttempts bounds the rounds of Refund when the charge changes under it (a capture
// lands between the read and the void): each round re-reads the status it refunds from.
const refundAttempts = 3

// Authorize records a charge for req: AUTHORIZED, or DECLINED for a declining test token
// (returned with a PaymentDeclined error). The charge and its idempotency record are one
// atomic write, so concurrent requests with one key create one charge between them.
func (p *Processor) Authorize(ctx context.Context, req payment.AuthorizeRequest) (payment.Charge, error) {
	if err := req.Validate(); err != nil {
		return payment.Charge{}, err
	}
	c, known := cards[req.CardToken]
	if !known {
		return payment.Charge{}, apperr.New(apperr.BadRequest, "cardToken: unknown card token %q", req.CardToken)
	}
	now := p.now().UTC()
	rec := Record{
		Charge: payment.Charge{
			ID: newChargeID(), Customer: req.Customer, Amount: req.Amount, Currency: req.Currency,
			Status: payment.StatusAuthorized, CardBrand: c.brand, CardLast4: c.last4,
			CreatedAt: now, UpdatedAt: now, Version: 1,
		},
		CardToken: req.CardToken,
	}
	if c.declineCode != "" {
		rec.Status, rec.FailureCode, rec.FailureMessage = payment.StatusDeclined, c.declineCode, c.message
	}
	if err := p.fault(OpAuthorize, Before, rec.Charge); err != nil {
		return payment.Charge{}, err
	}
	if c.authorize == unavailable {
		return payment.Charge{}, errUnavailable("simulated processing error: nothing authorised")
	}
	idem := Idempotency{
		KeyHash: hashKey(req.IdempotencyKey), ChargeID: rec.ID,
		Fingerprint: fingerprint(req), ExpiresAt: now.Add(payment.IdempotencyWindow),
	}
	for range idempotencyAttempts {
		created, err := p.store.CreateCharge(ctx, rec, idem, now)
		if err != nil {
			return payment.Charge{}, err
		}
		if created {
			if err := p.fault(OpAuthorize, After, rec.Charge); err != nil {
				return payment.Charge{}, err
			}
			return authorizeResult(rec)
		}
		prev, err := p.store.Idempotency(ctx, idem.KeyHash)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return payment.Charge{}, err
		}
		if prev.Fingerprint != idem.Fingerprint {
			return payment.Charge{}, apperr.New(apperr.Conflict,
				"idempotencyKey: already used for a different payment request")
		}
		first, err := p.store.Charge(ctx, prev.ChargeID)
		if err != nil {
			return payment.Charge{}, err
		}
		return authorizeResult(first)
	}
	return payment.Charge{}, apperr.New(apperr.Conflict, "a concurrent request got in the way, retry")
}

// authorizeResult is what Authorize returns for a stored charge: a DECLINED one comes
// with its PaymentDeclined error, on the first call and on replays alike.
func authorizeResult(rec Record) (payment.Charge, error) {
	if rec.Status == payment.StatusDeclined {
		return rec.Charge, apperr.New(apperr.PaymentDeclined, "%s", rec.FailureMessage)
	}
	return rec.Charge, nil
}

// Capture takes amount from an AUTHORIZED charge, in one write conditional on the charge
// still being AUTHORIZED with at least amount held, so of concurrent captures exactly one
// takes effect; the others are replays (same key and amount) or Conflicts.
func (p *Processor) Capture(ctx context.Context, chargeID string, amount int64, idempotencyKey string) (payment.Charge, error) {
	if err := payment.ValidateAmount("amount", amount); err != nil {
		return payment.Charge{}, err
	}
	if err := payment.ValidateIdempotencyKey(idempotencyKey); err != nil {
		return payment.Charge{}, err
	}
	if !payment.ValidChargeID(chargeID) {
		return payment.Charge{}, apperr.New(apperr.NotFound, "payment %s not found", chargeID)
	}
	capture := Capture{Amount: amount, Key: idempotencyKey, Receipt: p.receipt + chargeID, At: p.now().UTC()}
	if !p.faulty {
		// The common case in one round trip: a write conditional on the charge being
		// capturable by a card that captures normally. When it is not, the store answers
		// the charge as it is, and the checks below decide on that, as if it had been read
		// first (issue 13: the read-then-write was one of processBooking's round trips).
		capture.ExceptCards = oddCaptureCards
		next, applied, err := p.store.CaptureCharge(ctx, chargeID, capture)
		if apperr.Is(err, apperr.NotFound) {
			return payment.Charge{}, apperr.New(apperr.NotFound, "payment %s not found", chargeID)
		}
		if err != nil {
			return payment.Charge{}, err
		}
		if applied {
			return next.Charge, nil
		}
		capture.ExceptCards = nil
		return p.captureRead(ctx, chargeID, next, capture)
	}
	rec, err := p.charge(ctx, chargeID)
	if err != nil {
		return payment.Charge{}, err
	}
	return p.captureRead(ctx, chargeID, rec, capture)
}

// oddCaptureCards are the test tokens whose capture does not simply succeed: the one-write
// capture leaves them to captureRead.
var oddCaptureCards = func() []string {
	var out []string
	for t, c := range cards {
		if c.capture != ok {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}()

// captureRead is Capture decided on rec, the charge as read (or as a refused conditional
// write found it).
func (p *Processor) captureRead(ctx context.Context, chargeID string, rec Record, capture Capture) (payment.Charge, error) {
	amount, idempotencyKey := capture.Amount, capture.Key
	if err := p.fault(OpCapture, Before, rec.Charge); err != nil {
		return payment.Charge{}, err
	}
	if replay, err := captureOutcome(rec, amount, idempotencyKey); replay || err != nil {
		return replayed(rec, replay, err)
	}
	c := cardOf(rec)
	switch c.capture {
	case refuse:
		return payment.Charge{}, apperr.New(apperr.PaymentDeclined, "the card processor declined the capture")
	case unavailable:
		return payment.Charge{}, errUnavailable("simulated capture outage: nothing captured")
	}
	next, applied, err := p.store.CaptureCharge(ctx, chargeID, capture)
	if err != nil {
		return payment.Charge{}, err
	}
	if !applied {
		// Another call changed the charge between the read and the write.
		replay, err := captureOutcome(next, amount, idempotencyKey)
		if !replay && err == nil {
			err = apperr.New(apperr.Conflict, "the payment changed concurrently, retry")
		}
		return replayed(next, replay, err)
	}
	if c.capture == lostReply {
		return payment.Charge{}, errUnavailable("simulated lost reply: the capture WAS applied")
	}
	if err := p.fault(OpCapture, After, next.Charge); err != nil {
		return payment.Charge{}, err
	}
	return next.Charge, nil
}

// captureOutcome decides a capture of amount with key on the charge as rec has it:
// replay=true when that very capture already took effect, an error when it cannot, and
// neither when the charge is capturable.
func captureOutcome(rec Record, amount int64, key string) (replay bool, err error) {
	switch rec.Status {
	case payment.StatusAuthorized:
		if amount > rec.Amount {
			return false, apperr.New(apperr.BadRequest, "amount: %d is more than the %d authorised", amount, rec.Amount)
		}
		return false, nil
	case payment.StatusCaptured:
		if rec.CaptureKey == key && rec.CapturedAmount == amount {
			return true, nil
		}
		return false, apperr.New(apperr.Conflict, "the payment has already been captured")
	case payment.StatusDeclined:
		return false, apperr.New(apperr.PaymentDeclined, "the payment was declined: %s", rec.FailureMessage)
	default:
		return false, apperr.New(apperr.Conflict, "the payment is %s and can no longer be captured", rec.Status)
	}
}

func replayed(rec Record, replay bool, err error) (payment.Charge, error) {
	if replay {
		return rec.Charge, nil
	}
	return payment.Charge{}, err
}

// Refund refunds a CAPTURED charge in full or voids an AUTHORIZED one, in one write
// conditional on the status it read, so of concurrent refunds exactly one takes effect
// and the rest find the charge REFUNDED (or VOIDED) and return it.
func (p *Processor) Refund(ctx context.Context, chargeID, idempotencyKey string) (payment.Charge, error) {
	if err := payment.ValidateIdempotencyKey(idempotencyKey); err != nil {
		return payment.Charge{}, err
	}
	rec, err := p.charge(ctx, chargeID)
	if err != nil {
		return payment.Charge{}, err
	}
	if err := p.fault(OpRefund, Before, rec.Charge); err != nil {
		return payment.Charge{}, err
	}
	if done, err := refundOutcome(rec); done || err != nil {
		return replayed(rec, done, err)
	}
	c := cardOf(rec)
	switch c.refund {
	case refuse:
		return payment.Charge{}, apperr.New(apperr.PaymentDeclined, "the card processor refused the refund")
	case unavailable:
		return payment.Charge{}, errUnavailable("simulated refund outage: nothing refunded")
	}
	for range refundAttempts {
		r := Refund{From: rec.Status, To: payment.StatusVoided, Key: idempotencyKey, At: p.now().UTC()}
		if rec.Status == payment.StatusCaptured {
			r.To, r.Amount = payment.StatusRefunded, rec.CapturedAmount
		}
		next, applied, err := p.store.RefundCharge(ctx, chargeID, r)
		if err != nil {
			return payment.Charge{}, err
		}
		if applied {
			if c.refund == lostReply {
				return payment.Charge{}, errUnavailable("simulated lost reply: the refund WAS applied")
			}
			if err := p.fault(OpRefund, After, next.Charge); err != nil {
				return payment.Charge{}, err
			}
			return next.Charge, nil
		}
		rec = next
		if done, err := refundOutcome(rec); done || err != nil {
			return replayed(rec, done, err)
		}
	}
	return payment.Charge{}, apperr.New(apperr.Conflict, "the payment changed concurrently, retry")
}

// refundOutcome decides a refund of the charge as rec has it: done when there is nothing
// left to do (already REFUNDED or VOIDED), an error when it cannot be refunded.
func refundOutcome(rec Record) (done bool, err error) {
	switch rec.Status {
	case payment.StatusRefunded, payment.StatusVoided:
		return true, nil
	case payment.StatusDeclined:
		return false, apperr.New(apperr.Conflict, "the payment was declined; there is nothing to refund")
	}
	return false, nil
}

// Get returns a charge as stored (strongly consistent).
func (p *Processor) Get(ctx context.Context, chargeID string) (payment.Charge, error) {
	if err := p.fault(OpGet, Before, payment.Charge{ID: chargeID}); err != nil {
		return payment.Charge{}, err
	}
	rec, err := p.charge(ctx, chargeID)
	if err != nil {
		return payment.Charge{}, err
	}
	if err := p.fault(OpGet, After, rec.Charge); err != nil {
		return payment.Charge{}, err
	}
	return rec.Charge, nil
}
