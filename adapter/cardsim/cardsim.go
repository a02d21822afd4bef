// Package cardsim is a simulated card processor: a payment.Provider that behaves like
// Stripe's charges API in test mode (authorise with capture:false, capture, refund) and
// keeps its charges in the single table through a ChargeStore, so that skygraph runs and
// is tested end to end without a processor account. It is an adapter like a Stripe one
// would be; the booking saga sees only payment.Provider.
//
// Charge ids look like Stripe's: "ch_" and 24 random base62 characters. Receipts are URLs
// under Config.ReceiptBaseURL.
//
// # Test card tokens
//
// The card token decides what happens, at authorisation and for the charge's whole life.
// Stripe's test tokens keep Stripe's meaning; the others are skygraph's, to make captures
// and refunds fail on demand. Any other token is a BadRequest ("unknown card token"), as
// Stripe rejects an unknown token.
//
//	token                                  card               behaviour
//	tok_visa                               visa •4242         succeeds
//	tok_mastercard                         mastercard •4444   succeeds
//	tok_amex                               amex •0005         succeeds
//	tok_chargeDeclined                     visa •0002         Authorize: PaymentDeclined, generic_decline
//	tok_chargeDeclinedInsufficientFunds    visa •9995         Authorize: PaymentDeclined, insufficient_funds
//	tok_chargeDeclinedExpiredCard          visa •0069         Authorize: PaymentDeclined, expired_card
//	tok_chargeDeclinedProcessingError      visa •0119         Authorize: Unavailable, nothing recorded
//	tok_captureFails                       visa •4242         Capture: PaymentDeclined; the charge stays AUTHORIZED
//	tok_captureUnavailable                 visa •4242         Capture: Unavailable; nothing captured
//	tok_captureUnavailableAfterCapture     visa •4242         Capture: captures, then returns Unavailable
//	                                                          (a repeat with the same key succeeds)
//	tok_refundFails                        visa •4242         Refund (and void): PaymentDeclined; unchanged
//	tok_refundUnavailable                  visa •4242         Refund (and void): Unavailable; unchanged
//	tok_refundUnavailableAfterRefund       visa •4242         Refund (and void): applies, then returns Unavailable
//
// Declined authorisations are recorded as DECLINED charges, as Stripe records failed
// charges; the decline is replayed for the same idempotency key. Config.Fault injects
// further failures (any operation, before or after its write) in tests.
package cardsim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

// The test card tokens (see the package documentation).
const (
	TokenVisa                            = "tok_visa"
	TokenMastercard                      = "tok_mastercard"
	TokenAmex                            = "tok_amex"
	TokenChargeDeclined                  = "tok_chargeDeclined"
	TokenChargeDeclinedInsufficientFunds = "tok_chargeDeclinedInsufficientFunds"
	TokenChargeDeclinedExpiredCard       = "tok_chargeDeclinedExpiredCard"
	TokenChargeDeclinedProcessingError   = "tok_chargeDeclinedProcessingError"
	TokenCaptureFails                    = "tok_captureFails"
	TokenCaptureUnavailable              = "tok_captureUnavailable"
	TokenCaptureUnavailableAfterCapture  = "tok_captureUnavailableAfterCapture"
	TokenRefundFails                     = "tok_refundFails"
	TokenRefundUnavailable               = "tok_refundUnavailable"
	TokenRefundUnavailableAfterRefund    = "tok_refundUnavailableAfterRefund"
)

// DefaultReceiptBaseURL prefixes receipt URLs when Config.ReceiptBaseURL is empty. The
// .invalid domain never resolves, so nobody mistakes a simulated receipt for a real one.
const DefaultReceiptBaseURL = "https://cardsim.invalid/receipts/"

// fault is how a card misbehaves in one operation.
type fault int

const (
	ok          fault = iota
	refuse            // definitive refusal: PaymentDeclined, nothing changes
	unavailable       // Unavailable, nothing changes
	lostReply         // the change is made, then the call returns Unavailable
)

// card is what a test token stands for.
type card struct {
	brand, last4         string
	declineCode, message string // set: Authorize is declined
	authorize            fault
	capture, refund      fault
}

// Stripe's decline messages, shown to the customer.
const (
	msgDeclined          = "Your card was declined."
	msgInsufficientFunds = "Your card has insufficient funds."
	msgExpiredCard       = "Your card has expired."
)

var cards = map[string]card{
	TokenVisa:       {brand: "visa", last4: "4242"},
	TokenMastercard: {brand: "mastercard", last4: "4444"},
	TokenAmex:       {brand: "amex", last4: "0005"},
	TokenChargeDeclined: {brand: "visa", last4: "0002",
		declineCode: payment.DeclineGeneric, message: msgDeclined},
	TokenChargeDeclinedInsufficientFunds: {brand: "visa", last4: "9995",
		declineCode: payment.DeclineInsufficientFunds, message: msgInsufficientFunds},
	TokenChargeDeclinedExpiredCard: {brand: "visa", last4: "0069",
		declineCode: payment.DeclineExpiredCard, message: msgExpiredCard},
	TokenChargeDeclinedProcessingError:  {brand: "visa", last4: "0119", authorize: unavailable},
	TokenCaptureFails:                   {brand: "visa", last4: "4242", capture: refuse},
	TokenCaptureUnavailable:             {brand: "visa", last4: "4242", capture: unavailable},
	TokenCaptureUnavailableAfterCapture: {brand: "visa", last4: "4242", capture: lostReply},
	TokenRefundFails:                    {brand: "visa", last4: "4242", refund: refuse},
	TokenRefundUnavailable:              {brand: "visa", last4: "4242", refund: unavailable},
	TokenRefundUnavailableAfterRefund:   {brand: "visa", last4: "4242", refund: lostReply},
}

// Tokens returns every test card token the simulator knows, for documentation and tests.
func Tokens() []string {
	out := make([]string, 0, len(cards))
	for t := range cards {
		out = append(out, t)
	}
	return out
}

// Op names an operation for Config.Fault.
type Op string

// The operations.
const (
	OpAuthorize Op = "authorize"
	OpCapture   Op = "capture"
	OpRefund    Op = "refund"
	OpGet       Op = "get"
)

// Stage says when Config.Fault is called.
type Stage int

// The stages.
const (
	// Before: the charge has been read (for Authorize: built, not yet stored); nothing
	// has been written. An error then means the operation did not happen.
	Before Stage = iota
	// After: the operation's write has succeeded (Get: its read). An error then is a lost
	// reply: the change stays, and the caller gets the error.
	After
)

// Config configures a Processor. The zero value is usable.
type Config struct {
	// ReceiptBaseURL prefixes the charge id to make a receipt URL; empty means
	// DefaultReceiptBaseURL.
	ReceiptBaseURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Fault, when set, is called before and after each operation (Stage) with the charge
	// it concerns; a non-nil error is returned to the caller instead of going on. It lets
	// tests fail or "kill" any step, beyond what the test tokens do. It is not called on
	// the error paths (validation, decline, a test token's own failure).
	Fault func(op Op, stage Stage, ch payment.Charge) error
}

// Processor is the simulated card processor. It is safe for concurrent use: all state is
// in the ChargeStore, and every state change is a conditional write there.
type Processor struct {
	store   ChargeStore
	receipt string
	now     func() time.Time
	fault   func(op Op, stage Stage, ch payment.Charge) error
	// faulty: Config.Fault is set, so Capture reads the charge first (the hook sees it
	// before anything is written).
	faulty bool
}

var _ payment.Provider = (*Processor)(nil)

// New returns a Processor over store.
func New(store ChargeStore, cfg Config) (*Processor, error) {
	if store == nil {
		return nil, errors.New("cardsim: a ChargeStore is required")
	}
	p := &Processor{store: store, receipt: cfg.ReceiptBaseURL, now: cfg.Now, fault: cfg.Fault, faulty: cfg.Fault != nil}
	if p.receipt == "" {
		p.receipt = DefaultReceiptBaseURL
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.fault == nil {
		p.fault = func(Op, Stage, payment.Charge) error { return nil }
	}
	return p, nil
}

// errUnavailable is the processor "not answering". cause says, for logs, whether the
// operation happened.
func errUnavailable(cause string) error {
	return apperr.Wrap(errors.New(cause), apperr.Unavailable, "the card processor is unavailable, retry later")
}

// base62 is the alphabet of charge ids.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newChargeID returns "ch_" and 24 uniformly random base62 characters (about 143 bits).
func newChargeID() string {
	const n = 24
	out := make([]byte, 0, 3+n)
	out = append(out, "ch_"...)
	buf := make([]byte, 2*n)
	for len(out) < cap(out) {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			// 248 = 4 × 62: rejecting larger bytes keeps every character equally likely.
			if b < 248 && len(out) < cap(out) {
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out)
}

// hashKey is the stored form of an idempotency key.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// fingerprint identifies an Authorize request, to tell a retry from a reused key.
func fingerprint(r payment.AuthorizeRequest) string {
	h := sha256.New()
	for _, part := range []string{r.Customer, strconv.FormatInt(r.Amount, 10), r.Currency, r.CardToken} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cardOf returns a stored charge's card; a token the simulator no longer knows behaves
// like a good card.
func cardOf(rec Record) card { return cards[rec.CardToken] }

// charge reads a charge. Ids of the wrong shape are NotFound without a read, and every
// NotFound reads the same.
func (p *Processor) charge(ctx context.Context, id string) (Record, error) {
	notFound := apperr.New(apperr.NotFound, "payment %s not found", id)
	if !payment.ValidChargeID(id) {
		return Record{}, notFound
	}
	rec, err := p.store.Charge(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return Record{}, notFound
	}
	return rec, err
}
