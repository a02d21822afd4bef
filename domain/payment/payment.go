// Package payment is card payments for bookings: a charge is authorised when the customer
// pays (authorizePayment), captured by the booking saga once a seat is reserved, and
// refunded (or, when never captured, voided) when the booking fails or is cancelled.
//
// The package is the port: Charge, the Provider interface a card processor adapter
// implements (package cardsim simulates one; a Stripe adapter would be another), and the
// Service that validates input and enforces ownership before a provider sees a request.
// It knows nothing of GraphQL, DynamoDB or any processor's API, so an adapter can be
// swapped without touching the booking saga.
//
// Amounts are integers in the currency's minor units (cents), as Stripe takes them: a
// flight's ticketPrice (whole units) is charged as ticketPrice × 100.
package payment

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Status is where a charge is in its life. The values are stored and shown to clients,
// so they never change once published.
//
//	AUTHORIZED ──Capture──▶ CAPTURED ──Refund──▶ REFUNDED
//	     │
//	     └──────Refund─────▶ VOIDED
//	DECLINED (the processor refused the authorisation; terminal)
type Status string

// The statuses.
const (
	// StatusAuthorized: the amount is held on the card; nothing has been taken yet. Only
	// an authorised charge can be captured.
	StatusAuthorized Status = "AUTHORIZED"
	// StatusCaptured: CapturedAmount (≤ Amount) was taken. It can only be refunded.
	StatusCaptured Status = "CAPTURED"
	// StatusRefunded: a captured charge was refunded in full (RefundedAmount =
	// CapturedAmount). Terminal.
	StatusRefunded Status = "REFUNDED"
	// StatusVoided: an authorisation was released without capture (a Refund of an
	// uncaptured charge, as Stripe does it); nothing was ever taken. Terminal.
	StatusVoided Status = "VOIDED"
	// StatusDeclined: the processor refused the authorisation; FailureCode says why.
	// Nothing is held and nothing can be captured. Terminal.
	StatusDeclined Status = "DECLINED"
)

// Decline reasons (Charge.FailureCode): Stripe's decline codes, so that a Stripe adapter
// reports the same values.
const (
	DeclineGeneric           = "generic_decline"
	DeclineInsufficientFunds = "insufficient_funds"
	DeclineExpiredCard       = "expired_card"
)

// Charge is one card payment, as the processor keeps it (Stripe's Charge, reduced to
// what skygraph uses).
type Charge struct {
	// ID is the processor's charge id, e.g. "ch_3MqL…" (ValidChargeID). The booking
	// flow calls it the paymentToken: the client obtains it from authorizePayment and
	// hands it to processBooking.
	ID string
	// Customer is the user (Cognito sub) who authorised the charge; only they may
	// capture, refund or read it through the Service.
	Customer string
	// Amount is the authorised amount in minor units of Currency.
	Amount int64
	// Currency is an ISO 4217 code in upper case ("EUR").
	Currency string
	Status   Status
	// CapturedAmount is what was taken (0 until captured); at most Amount.
	CapturedAmount int64
	// RefundedAmount is what was given back (CapturedAmount once REFUNDED, else 0).
	RefundedAmount int64
	// Receipt is the customer's receipt (a URL, as Stripe's receipt_url), set on capture.
	Receipt string
	// CardBrand ("visa") and CardLast4 ("4242") describe the card, for receipts and UIs.
	CardBrand string
	CardLast4 string
	// FailureCode (one of the Decline constants) and FailureMessage (client-safe, the
	// processor's wording) are set on a DECLINED charge.
	FailureCode    string
	FailureMessage string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Version counts the charge's state changes (1 when created), so callers can tell
	// whether a call changed anything.
	Version int64
}

// Limits on requests. Providers and the Service apply the same ones, so a request that
// passes validation is never refused by a provider for its shape.
const (
	// MinAmount and MaxAmount bound an amount in minor units (100 000.00 in a two-decimal
	// currency). Stripe's own ceiling is 99 999 999.
	MinAmount = 1
	MaxAmount = 10_000_000
	// MaxIdempotencyKeyLength is Stripe's limit on an idempotency key.
	MaxIdempotencyKeyLength = 255
	// MaxCustomerLength bounds a customer id (a Cognito sub is 36 characters).
	MaxCustomerLength = 128
	// IdempotencyWindow is how long a provider must remember an Authorize idempotency
	// key (Stripe keeps keys for at least 24 hours). A key reused after it is a new request.
	IdempotencyWindow = 24 * time.Hour
)

// Compiled on first use, not at package init: counted repetitions and Unicode classes make
// these costly to compile, and init runs on every start (a Lambda cold start included).
var (
	currencyRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]{3}$`) })
	chargeIDRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^ch_[A-Za-z0-9]{8,100}$`) })
	cardTokenRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(tok|pm)_[A-Za-z0-9_]{1,100}$`) })
)

// AuthorizeRequest asks a provider to hold Amount on the card behind CardToken.
type AuthorizeRequest struct {
	// Customer is the user the charge belongs to.
	Customer string
	Amount   int64
	Currency string
	// CardToken is a processor token for the card (Stripe.js's "tok_…" or a "pm_…"
	// payment method), never a card number.
	CardToken string
	// IdempotencyKey makes a retried request (after a timeout, a crash) return the
	// first request's charge instead of holding the amount twice. Required.
	IdempotencyKey string
}

// Provider is a card processor. Every implementation must honour this contract, which
// the suite in package paymenttest checks:
//
//   - Input: amounts are MinAmount..MaxAmount, currencies three upper-case letters,
//     idempotency keys 1..MaxIdempotencyKeyLength bytes, customers non-empty; anything
//     else, and a card token the processor does not know, is a BadRequest and changes
//     nothing. A malformed or unknown charge id is a NotFound.
//   - Authorize holds the amount and returns an AUTHORIZED charge with a new id. A
//     declined card is a PaymentDeclined error whose message is the processor's
//     (client-safe) reason; nothing is held or capturable. The returned Charge then
//     describes the declined attempt (Status DECLINED, FailureCode) when the provider
//     records declined attempts, which Get then returns; otherwise it is the zero Charge.
//   - Authorize is idempotent on IdempotencyKey for IdempotencyWindow: a request with a
//     key already used for the same request (customer, amount, currency, card token)
//     returns the first request's result (the same charge, or the same decline) and holds
//     nothing more, also when the requests are concurrent; a key used for a different
//     request is a Conflict.
//   - Capture takes amount (≤ the authorised Amount) from an AUTHORIZED charge once:
//     Status CAPTURED, CapturedAmount = amount, a Receipt. More than authorised, or less
//     than MinAmount, is a BadRequest and changes nothing. A DECLINED charge is
//     PaymentDeclined. A charge that is already CAPTURED with the same amount by a
//     Capture with the same idempotency key returns the charge unchanged (a saga's retry
//     after a crash is safe); any other Capture of a charge that is not AUTHORIZED
//     (captured with another key or amount, REFUNDED, VOIDED) is a Conflict. Of
//     concurrent Captures of one charge exactly one takes effect. The processor may
//     refuse a capture (PaymentDeclined); the charge then stays AUTHORIZED.
//   - Refund gives back a CAPTURED charge in full (REFUNDED, RefundedAmount =
//     CapturedAmount) and releases an AUTHORIZED one (VOIDED). Refunding a REFUNDED or
//     VOIDED charge returns it unchanged, whatever the key, so compensation can be
//     repeated; of concurrent Refunds exactly one takes effect. A DECLINED charge has
//     nothing to refund: Conflict. The processor may refuse a refund (PaymentDeclined);
//     the charge is then unchanged.
//   - Capture and Refund idempotency keys need only be unique per charge; an adapter
//     whose processor scopes keys more widely (Stripe: per account) qualifies them with
//     the charge id.
//   - Get returns the charge as the processor has it now, strongly consistent: a
//     charge is readable as soon as the call that created or changed it returned.
//   - Outcomes: Unavailable (the processor is down, throttling or did not answer) and
//     Internal mean the outcome is UNKNOWN: the operation may or may not have taken
//     effect. The caller decides by re-reading the charge with Get (for Authorize, by
//     repeating the request with the same idempotency key), or by repeating the call with
//     the same idempotency key, which is safe by the rules above. Every other error is
//     definitive: the operation did not take effect and the charge is unchanged.
//
// Ownership is not the provider's concern (a processor knows only its merchant): the
// Service checks it.
type Provider interface {
	Authorize(ctx context.Context, req AuthorizeRequest) (Charge, error)
	Capture(ctx context.Context, chargeID string, amount int64, idempotencyKey string) (Charge, error)
	Refund(ctx context.Context, chargeID, idempotencyKey string) (Charge, error)
	Get(ctx context.Context, chargeID string) (Charge, error)
}

// ValidChargeID reports whether id has the shape of a charge id ("ch_" and 8 to 100
// letters or digits). Providers answer NotFound for anything else without asking their
// store, so a junk paymentToken costs nothing.
func ValidChargeID(id string) bool { return chargeIDRE().MatchString(id) }

// ValidateAmount checks that amount (minor units) is within MinAmount..MaxAmount.
func ValidateAmount(field string, amount int64) error {
	if amount < MinAmount || amount > MaxAmount {
		return apperr.New(apperr.BadRequest, "%s: must be between %d and %d (minor units, e.g. cents)", field, MinAmount, MaxAmount)
	}
	return nil
}

// ValidateCurrency checks an ISO 4217 code in upper case. Providers require upper case;
// the Service upper-cases what clients send first.
func ValidateCurrency(currency string) error {
	if !currencyRE().MatchString(currency) {
		return apperr.New(apperr.BadRequest, "currency: %q is not an ISO 4217 code such as EUR", currency)
	}
	return nil
}

// ValidateCardToken checks the shape of a card token ("tok_…" from Stripe.js, or a "pm_…"
// payment method). Whether the processor knows the token is the provider's to say.
func ValidateCardToken(token string) error {
	if !cardTokenRE().MatchString(token) {
		return apperr.New(apperr.BadRequest, "cardToken: must be a card token such as tok_visa")
	}
	return nil
}

// ValidateIdempotencyKey checks an idempotency key: 1..MaxIdempotencyKeyLength bytes.
func ValidateIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLength {
		return apperr.New(apperr.BadRequest, "idempotencyKey: must be 1 to %d bytes", MaxIdempotencyKeyLength)
	}
	return nil
}

// ValidateCustomer checks that a customer id is present and bounded.
func ValidateCustomer(customer string) error {
	if customer == "" || len(customer) > MaxCustomerLength {
		return apperr.New(apperr.BadRequest, "customer: must be 1 to %d characters", MaxCustomerLength)
	}
	return nil
}

// Validate checks an AuthorizeRequest as every provider must (see Provider): a provider
// calls it first, so all of them refuse the same requests with the same messages.
func (r AuthorizeRequest) Validate() error {
	if err := ValidateCustomer(r.Customer); err != nil {
		return err
	}
	if err := ValidateAmount("amount", r.Amount); err != nil {
		return err
	}
	if err := ValidateCurrency(r.Currency); err != nil {
		return err
	}
	if err := ValidateCardToken(r.CardToken); err != nil {
		return err
	}
	return ValidateIdempotencyKey(r.IdempotencyKey)
}

// CheckCapturable tells whether Capture of amount in currency would take effect on c as
// it is now, with the error Capture would return otherwise: the booking saga calls it on
// the charge it read, to reject a mismatched or used paymentToken before it takes a seat.
// It does not cover an idempotent replay (a CAPTURED charge is reported as Conflict).
func (c Charge) CheckCapturable(amount int64, currency string) error {
	switch c.Status {
	case StatusAuthorized:
	case StatusDeclined:
		return apperr.New(apperr.PaymentDeclined, "the payment was declined: %s", c.declineReason())
	case StatusCaptured:
		return apperr.New(apperr.Conflict, "the payment has already been captured")
	default:
		return apperr.New(apperr.Conflict, "the payment was %s and can no longer be captured", strings.ToLower(string(c.Status)))
	}
	if currency != c.Currency {
		return apperr.New(apperr.BadRequest, "currency: the payment was authorised in %s, not %s", c.Currency, currency)
	}
	if err := ValidateAmount("amount", amount); err != nil {
		return err
	}
	if amount > c.Amount {
		return apperr.New(apperr.BadRequest, "amount: %d is more than the %d authorised", amount, c.Amount)
	}
	return nil
}

func (c Charge) declineReason() string {
	if c.FailureMessage != "" {
		return c.FailureMessage
	}
	return "Your card was declined."
}
