package cardsim

import (
	"context"
	"time"

	"github.com/skygraph/skygraph/domain/payment"
)

// Record is a charge as the simulator keeps it: the Charge clients see, plus what the
// simulator needs to replay and to misbehave on demand.
type Record struct {
	payment.Charge
	// CardToken is the test token the charge was authorised with. It decides how later
	// captures and refunds of the charge behave (see the package documentation).
	CardToken string
	// CaptureKey is the idempotency key of the capture that took effect ("" before), so
	// that a replay of that capture is recognised.
	CaptureKey string
	// RefundKey is the idempotency key of the refund or void that took effect.
	RefundKey string
}

// Idempotency remembers which charge an Authorize idempotency key created.
type Idempotency struct {
	// KeyHash is the hex SHA-256 of the key: keys are arbitrary client text, and the hash
	// keeps them bounded and out of storage keys.
	KeyHash string
	// ChargeID is the charge the key's first request created.
	ChargeID string
	// Fingerprint identifies that request (customer, amount, currency, card token), so a
	// key reused for a different request is told apart from a retry.
	Fingerprint string
	// ExpiresAt ends the key's life (payment.IdempotencyWindow after first use). Stores
	// may delete the record afterwards (TTL) and must treat it as absent from then on.
	ExpiresAt time.Time
}

// Capture is a capture to apply to an AUTHORIZED charge.
type Capture struct {
	Amount  int64
	Key     string
	Receipt string
	At      time.Time
	// ExceptCards, when not empty, adds a condition: the charge's CardToken is none of
	// these (Processor.Capture writes first and decides the odd test cards on the answer).
	ExceptCards []string
}

// Refund is a refund (From CAPTURED, To REFUNDED, Amount = the captured amount) or a
// void (From AUTHORIZED, To VOIDED, Amount 0) to apply to a charge.
type Refund struct {
	From   payment.Status
	To     payment.Status
	Amount int64
	Key    string
	At     time.Time
}

// ChargeStore persists the simulator's charges. Implementations (dynamo.ChargeStore)
// must honour these contracts; the processor relies on them for "at most once", and the
// payment contract suite exercises them through it:
//
//   - CreateCharge stores rec (a new charge) and idem in one atomic step. If a live
//     record for idem.KeyHash exists (one whose ExpiresAt is after now), it writes
//     nothing and returns created=false; an expired one is replaced. A charge id that
//     is already taken is an error (Internal: ids are random, so it means a bug).
//   - Idempotency returns the record of a key hash, or NotFound. It may return an
//     expired record; callers check ExpiresAt.
//   - Charge returns a charge, or NotFound. Reads are strongly consistent.
//   - CaptureCharge applies c to the charge if, at the moment of the write, its status is
//     AUTHORIZED, its Amount ≥ c.Amount and its CardToken is not in c.ExceptCards: status CAPTURED, CapturedAmount, CaptureKey,
//     Receipt, UpdatedAt = c.At, Version+1; it returns the new record and applied=true.
//     Otherwise it changes nothing and returns the current record and applied=false.
//     NotFound if there is no such charge.
//   - RefundCharge applies r if, at the moment of the write, the charge's status is
//     r.From: status r.To, RefundedAmount = r.Amount, RefundKey, UpdatedAt = r.At,
//     Version+1; applied and current record as for CaptureCharge.
//   - Failures of the store itself are Unavailable (throttling, timeouts) or Internal,
//     and then the write may or may not have happened.
type ChargeStore interface {
	CreateCharge(ctx context.Context, rec Record, idem Idempotency, now time.Time) (created bool, err error)
	Idempotency(ctx context.Context, keyHash string) (Idempotency, error)
	Charge(ctx context.Context, id string) (Record, error)
	CaptureCharge(ctx context.Context, id string, c Capture) (rec Record, applied bool, err error)
	RefundCharge(ctx context.Context, id string, r Refund) (rec Record, applied bool, err error)
}
