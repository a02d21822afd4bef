package payment

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Service is the payment use cases: authorizePayment for clients, and capture, refund and
// read for the booking flow. It validates and normalises input before the provider sees
// it, and it enforces ownership, which a processor cannot: a customer may read, capture
// or refund only a charge they authorised.
type Service struct {
	p      Provider
	newKey func() string
}

// NewService returns a Service over the card processor p.
func NewService(p Provider) *Service { return &Service{p: p, newKey: rand.Text} }

// AuthorizeInput is an authorizePayment request.
type AuthorizeInput struct {
	// Amount is in minor units of Currency (cents): a flight's ticketPrice × 100.
	Amount int64
	// Currency is an ISO 4217 code; letter case and surrounding spaces are ignored.
	Currency  string
	CardToken string
	// IdempotencyKey is the client's optional retry key: the same key with the same
	// request returns the first call's charge. Empty means a new authorisation on every
	// call, as the sample's payment API behaved. Keys are per customer: two customers
	// using the same key never meet.
	IdempotencyKey string
}

// CaptureInput is the booking saga's capture of a charge.
type CaptureInput struct {
	ChargeID string
	// Amount (minor units) and Currency must match what the booking costs; Amount may be
	// less than authorised, never more, and Currency must be the charge's.
	Amount   int64
	Currency string
	// IdempotencyKey identifies this capture (e.g. the booking id): repeating the capture
	// with it after a crash or an Unavailable is safe.
	IdempotencyKey string
}

// Authorize holds in.Amount on the customer's card and returns the AUTHORIZED charge,
// whose ID is the paymentToken the client passes to processBooking. A declined card is
// PaymentDeclined (with the declined attempt's charge when the provider records one).
func (s *Service) Authorize(ctx context.Context, customer string, in AuthorizeInput) (Charge, error) {
	req := AuthorizeRequest{
		Customer:  customer,
		Amount:    in.Amount,
		Currency:  strings.ToUpper(strings.TrimSpace(in.Currency)),
		CardToken: strings.TrimSpace(in.CardToken),
	}
	if in.IdempotencyKey != "" {
		if err := ValidateIdempotencyKey(in.IdempotencyKey); err != nil {
			return Charge{}, err
		}
	}
	req.IdempotencyKey = authorizeKey(customer, in.IdempotencyKey, s.newKey)
	if err := req.Validate(); err != nil {
		return Charge{}, err
	}
	return s.p.Authorize(ctx, req)
}

// authorizeKey scopes a client's key to the customer (hashed, so that any customer id
// and key fit the provider's key length), or makes a fresh one when the client sent none.
func authorizeKey(customer, clientKey string, newKey func() string) string {
	if clientKey == "" {
		return "authorize:" + newKey()
	}
	h := sha256.Sum256([]byte(customer + "\x00" + clientKey))
	return "authorize:" + hex.EncodeToString(h[:])
}

// Get returns the customer's charge. A charge of another customer is NotFound, exactly as
// an unknown one, so charge ids cannot be probed.
func (s *Service) Get(ctx context.Context, customer, chargeID string) (Charge, error) {
	if err := ValidateCustomer(customer); err != nil {
		return Charge{}, err
	}
	return s.owned(ctx, customer, chargeID)
}

// Capture takes in.Amount from the customer's AUTHORIZED charge (see Provider for replays,
// Conflict and the unknown outcome of Unavailable). A currency other than the charge's is
// a BadRequest and captures nothing.
func (s *Service) Capture(ctx context.Context, customer string, in CaptureInput) (Charge, error) {
	if err := ValidateCustomer(customer); err != nil {
		return Charge{}, err
	}
	if err := in.validate(); err != nil {
		return Charge{}, err
	}
	ch, err := s.owned(ctx, customer, in.ChargeID)
	if err != nil {
		return Charge{}, err
	}
	return s.CaptureOwned(ctx, ch, in)
}

// CaptureOwned is Capture of a charge the caller read with Get, for its customer, moments
// ago (owned): ownership and currency never change, so they are checked on owned instead
// of asking the processor again, which saves the booking saga a round trip (with Stripe, an
// HTTPS call). The processor still decides on the charge's current status.
func (s *Service) CaptureOwned(ctx context.Context, owned Charge, in CaptureInput) (Charge, error) {
	if err := in.validate(); err != nil {
		return Charge{}, err
	}
	if owned.ID != in.ChargeID || owned.Customer == "" {
		return Charge{}, apperr.Errorf("payment: CaptureOwned of %s with charge %q read for %q", in.ChargeID, owned.ID, owned.Customer)
	}
	if currency := strings.ToUpper(strings.TrimSpace(in.Currency)); owned.Currency != currency {
		return Charge{}, apperr.New(apperr.BadRequest, "currency: the payment was authorised in %s, not %s", owned.Currency, currency)
	}
	ch, err := s.p.Capture(ctx, in.ChargeID, in.Amount, in.IdempotencyKey)
	return ch, mapNotFound(in.ChargeID, err)
}

// validate checks a capture's amount, currency and key.
func (in CaptureInput) validate() error {
	if err := ValidateAmount("amount", in.Amount); err != nil {
		return err
	}
	if err := ValidateCurrency(strings.ToUpper(strings.TrimSpace(in.Currency))); err != nil {
		return err
	}
	return ValidateIdempotencyKey(in.IdempotencyKey)
}

// Refund gives back the customer's captured charge, or releases it if it was never
// captured. Repeating it is harmless (see Provider).
func (s *Service) Refund(ctx context.Context, customer, chargeID, idempotencyKey string) (Charge, error) {
	if err := ValidateCustomer(customer); err != nil {
		return Charge{}, err
	}
	if err := ValidateIdempotencyKey(idempotencyKey); err != nil {
		return Charge{}, err
	}
	if _, err := s.owned(ctx, customer, chargeID); err != nil {
		return Charge{}, err
	}
	ch, err := s.p.Refund(ctx, chargeID, idempotencyKey)
	return ch, mapNotFound(chargeID, err)
}

// owned reads a charge and checks that it belongs to customer. Ownership never changes,
// so checking it on a read before a conditional write is safe.
func (s *Service) owned(ctx context.Context, customer, chargeID string) (Charge, error) {
	if !ValidChargeID(chargeID) {
		return Charge{}, errNotFound(chargeID)
	}
	ch, err := s.p.Get(ctx, chargeID)
	if err != nil {
		return Charge{}, mapNotFound(chargeID, err)
	}
	if ch.Customer != customer {
		return Charge{}, errNotFound(chargeID)
	}
	return ch, nil
}

// mapNotFound replaces a provider's NotFound with the Service's own, so that "unknown"
// and "someone else's" cannot differ even in wording.
func mapNotFound(chargeID string, err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return errNotFound(chargeID)
	}
	return err
}

func errNotFound(chargeID string) error {
	return apperr.New(apperr.NotFound, "payment %s not found", chargeID)
}
