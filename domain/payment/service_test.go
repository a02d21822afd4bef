package payment_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

// fakeProvider records the calls the Service lets through and answers from a map.
type fakeProvider struct {
	mu      sync.Mutex
	charges map[string]payment.Charge
	calls   []string
	reqs    []payment.AuthorizeRequest
}

func newFake(charges ...payment.Charge) *fakeProvider {
	f := &fakeProvider{charges: map[string]payment.Charge{}}
	for _, c := range charges {
		f.charges[c.ID] = c
	}
	return f
}

func (f *fakeProvider) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeProvider) Authorize(_ context.Context, req payment.AuthorizeRequest) (payment.Charge, error) {
	f.record("authorize")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	return payment.Charge{ID: "ch_new00000000", Customer: req.Customer, Amount: req.Amount, Currency: req.Currency,
		Status: payment.StatusAuthorized}, nil
}

func (f *fakeProvider) Capture(_ context.Context, id string, amount int64, _ string) (payment.Charge, error) {
	f.record("capture")
	ch, ok := f.charges[id]
	if !ok {
		return payment.Charge{}, apperr.New(apperr.NotFound, "provider wording for %s", id)
	}
	ch.Status, ch.CapturedAmount = payment.StatusCaptured, amount
	return ch, nil
}

func (f *fakeProvider) Refund(_ context.Context, id, _ string) (payment.Charge, error) {
	f.record("refund")
	ch := f.charges[id]
	ch.Status = payment.StatusVoided
	return ch, nil
}

func (f *fakeProvider) Get(_ context.Context, id string) (payment.Charge, error) {
	f.record("get")
	ch, ok := f.charges[id]
	if !ok {
		return payment.Charge{}, apperr.New(apperr.NotFound, "provider wording for %s", id)
	}
	return ch, nil
}

var ctx = context.Background()

const (
	alice = "alice-sub"
	bob   = "bob-sub"
	chID  = "ch_alice000000000000000000"
)

func aliceCharge() payment.Charge {
	return payment.Charge{ID: chID, Customer: alice, Amount: 10_000, Currency: "EUR", Status: payment.StatusAuthorized}
}

func requireCode(t *testing.T, want apperr.Code, err error, what string) {
	t.Helper()
	require.Error(t, err, what)
	require.Equal(t, want, apperr.CodeOf(err), "%s: %v", what, err)
}

func TestAuthorizeNormalisesAndScopesKeys(t *testing.T) {
	f := newFake()
	s := payment.NewService(f)
	ch, err := s.Authorize(ctx, alice, payment.AuthorizeInput{Amount: 12_300, Currency: " eur ", CardToken: " tok_visa "})
	require.NoError(t, err)
	require.Equal(t, "EUR", ch.Currency)
	_, err = s.Authorize(ctx, alice, payment.AuthorizeInput{Amount: 12_300, Currency: "EUR", CardToken: "tok_visa"})
	require.NoError(t, err)
	_, err = s.Authorize(ctx, alice, payment.AuthorizeInput{Amount: 1, Currency: "EUR", CardToken: "tok_visa", IdempotencyKey: "k"})
	require.NoError(t, err)
	_, err = s.Authorize(ctx, alice, payment.AuthorizeInput{Amount: 1, Currency: "EUR", CardToken: "tok_visa", IdempotencyKey: "k"})
	require.NoError(t, err)
	_, err = s.Authorize(ctx, bob, payment.AuthorizeInput{Amount: 1, Currency: "EUR", CardToken: "tok_visa", IdempotencyKey: "k"})
	require.NoError(t, err)

	require.Len(t, f.reqs, 5)
	require.Equal(t, payment.AuthorizeRequest{Customer: alice, Amount: 12_300, Currency: "EUR", CardToken: "tok_visa",
		IdempotencyKey: f.reqs[0].IdempotencyKey}, f.reqs[0])
	for _, r := range f.reqs {
		require.NoError(t, payment.ValidateIdempotencyKey(r.IdempotencyKey))
	}
	require.NotEqual(t, f.reqs[0].IdempotencyKey, f.reqs[1].IdempotencyKey, "no client key: every call is a new authorisation")
	require.Equal(t, f.reqs[2].IdempotencyKey, f.reqs[3].IdempotencyKey, "a client key makes retries idempotent")
	require.NotEqual(t, f.reqs[2].IdempotencyKey, f.reqs[4].IdempotencyKey, "keys are per customer")
	require.NotContains(t, f.reqs[2].IdempotencyKey, alice, "the provider sees a hash, not the customer")
}

func TestAuthorizeValidatesBeforeTheProvider(t *testing.T) {
	f := newFake()
	s := payment.NewService(f)
	good := payment.AuthorizeInput{Amount: 100, Currency: "EUR", CardToken: "tok_visa"}
	for name, c := range map[string]struct {
		customer string
		mutate   func(*payment.AuthorizeInput)
	}{
		"no customer":     {"", func(*payment.AuthorizeInput) {}},
		"long customer":   {strings.Repeat("c", payment.MaxCustomerLength+1), func(*payment.AuthorizeInput) {}},
		"zero amount":     {alice, func(in *payment.AuthorizeInput) { in.Amount = 0 }},
		"too much":        {alice, func(in *payment.AuthorizeInput) { in.Amount = payment.MaxAmount + 1 }},
		"bad currency":    {alice, func(in *payment.AuthorizeInput) { in.Currency = "E1R" }},
		"card number":     {alice, func(in *payment.AuthorizeInput) { in.CardToken = "4242424242424242" }},
		"no card":         {alice, func(in *payment.AuthorizeInput) { in.CardToken = "" }},
		"spaces in token": {alice, func(in *payment.AuthorizeInput) { in.CardToken = "tok_vi sa" }},
		"long key":        {alice, func(in *payment.AuthorizeInput) { in.IdempotencyKey = strings.Repeat("k", 256) }},
	} {
		in := good
		c.mutate(&in)
		_, err := s.Authorize(ctx, c.customer, in)
		requireCode(t, apperr.BadRequest, err, name)
	}
	require.Empty(t, f.calls, "invalid requests never reach the provider")
	for _, amount := range []int64{payment.MinAmount, payment.MaxAmount} {
		in := good
		in.Amount = amount
		_, err := s.Authorize(ctx, alice, in)
		require.NoError(t, err)
	}
}

// TestOwnership: another customer's charge is NotFound, word for word as an unknown one,
// and nothing is captured or refunded.
func TestOwnership(t *testing.T) {
	f := newFake(aliceCharge())
	s := payment.NewService(f)
	got, err := s.Get(ctx, alice, chID)
	require.NoError(t, err)
	require.Equal(t, aliceCharge(), got)

	unknown := "ch_unknown0000000000000000"
	_, errUnknown := s.Get(ctx, bob, unknown)
	requireCode(t, apperr.NotFound, errUnknown, "an unknown charge")
	require.NotContains(t, errUnknown.Error(), "provider wording", "the Service words its own NotFound")

	_, err = s.Get(ctx, bob, chID)
	requireCode(t, apperr.NotFound, err, "bob reading alice's charge")
	require.Equal(t, strings.ReplaceAll(errUnknown.Error(), unknown, chID), err.Error(), "indistinguishable from unknown")

	f.calls = nil
	_, err = s.Capture(ctx, bob, payment.CaptureInput{ChargeID: chID, Amount: 10_000, Currency: "EUR", IdempotencyKey: "b1"})
	requireCode(t, apperr.NotFound, err, "bob capturing alice's charge")
	_, err = s.Refund(ctx, bob, chID, "r1")
	requireCode(t, apperr.NotFound, err, "bob refunding alice's charge")
	require.Equal(t, []string{"get", "get"}, f.calls, "only reads reached the provider")

	for _, bad := range []string{"", "nope", "CHARGE#ch_x", strings.Repeat("x", 200)} {
		_, err = s.Get(ctx, alice, bad)
		requireCode(t, apperr.NotFound, err, "malformed id "+bad)
	}
	require.Equal(t, []string{"get", "get"}, f.calls, "malformed ids never reach the provider")
	_, err = s.Get(ctx, "", chID)
	requireCode(t, apperr.BadRequest, err, "no customer")
}

func TestCaptureAndRefund(t *testing.T) {
	f := newFake(aliceCharge())
	s := payment.NewService(f)
	valid := payment.CaptureInput{ChargeID: chID, Amount: 10_000, Currency: "eur", IdempotencyKey: "booking-1"}
	for name, mutate := range map[string]func(*payment.CaptureInput){
		"zero amount":    func(in *payment.CaptureInput) { in.Amount = 0 },
		"over max":       func(in *payment.CaptureInput) { in.Amount = payment.MaxAmount + 1 },
		"bad currency":   func(in *payment.CaptureInput) { in.Currency = "EURO" },
		"other currency": func(in *payment.CaptureInput) { in.Currency = "USD" },
		"no key":         func(in *payment.CaptureInput) { in.IdempotencyKey = "" },
	} {
		in := valid
		mutate(&in)
		_, err := s.Capture(ctx, alice, in)
		requireCode(t, apperr.BadRequest, err, name)
	}
	for _, c := range f.calls {
		require.NotEqual(t, "capture", c, "invalid captures never reach the provider")
	}
	got, err := s.Capture(ctx, alice, valid)
	require.NoError(t, err)
	require.Equal(t, payment.StatusCaptured, got.Status)

	_, err = s.Refund(ctx, alice, chID, "")
	requireCode(t, apperr.BadRequest, err, "refund without key")
	got, err = s.Refund(ctx, alice, chID, "refund-1")
	require.NoError(t, err)
	require.Equal(t, payment.StatusVoided, got.Status)
}

func TestCheckCapturable(t *testing.T) {
	base := aliceCharge()
	with := func(s payment.Status) payment.Charge { c := base; c.Status = s; return c }
	declined := with(payment.StatusDeclined)
	declined.FailureMessage = "Your card has expired."
	for _, c := range []struct {
		name     string
		ch       payment.Charge
		amount   int64
		currency string
		want     apperr.Code
	}{
		{"exact", base, 10_000, "EUR", ""},
		{"less", base, 9_999, "EUR", ""},
		{"more", base, 10_001, "EUR", apperr.BadRequest},
		{"zero", base, 0, "EUR", apperr.BadRequest},
		{"currency", base, 10_000, "USD", apperr.BadRequest},
		{"captured", with(payment.StatusCaptured), 10_000, "EUR", apperr.Conflict},
		{"refunded", with(payment.StatusRefunded), 10_000, "EUR", apperr.Conflict},
		{"voided", with(payment.StatusVoided), 10_000, "EUR", apperr.Conflict},
		{"declined", declined, 10_000, "EUR", apperr.PaymentDeclined},
	} {
		err := c.ch.CheckCapturable(c.amount, c.currency)
		require.Equal(t, c.want, apperr.CodeOf(err), "%s: %v", c.name, err)
	}
	err := declined.CheckCapturable(10_000, "EUR")
	require.Contains(t, apperr.MessageOf(err), "expired")
}

func TestValidChargeID(t *testing.T) {
	for id, want := range map[string]bool{
		"ch_3MqLiJLkdIwHu7ix0snN0B15": true,
		"ch_12345678":                 true,
		"ch_1234567":                  false,
		"py_3MqLiJLkdIwHu7ix0snN0B15": false,
		"ch_abc-def00":                false,
		"":                            false,
	} {
		require.Equal(t, want, payment.ValidChargeID(id), id)
	}
}

// TestCaptureOwned: the saga's capture of a charge it has just read skips the re-read,
// but still refuses a mismatched charge or currency without reaching the provider.
func TestCaptureOwned(t *testing.T) {
	f := newFake(aliceCharge())
	s := payment.NewService(f)
	in := payment.CaptureInput{ChargeID: chID, Amount: 10_000, Currency: "EUR", IdempotencyKey: "booking-1"}

	other := aliceCharge()
	other.ID = "ch_other00000000000"
	_, err := s.CaptureOwned(ctx, other, in)
	requireCode(t, apperr.Internal, err, "a charge read for another id")
	unread := payment.Charge{ID: chID}
	_, err = s.CaptureOwned(ctx, unread, in)
	requireCode(t, apperr.Internal, err, "a charge never read")
	usd := in
	usd.Currency = "usd"
	_, err = s.CaptureOwned(ctx, aliceCharge(), usd)
	requireCode(t, apperr.BadRequest, err, "other currency")
	require.Empty(t, f.calls, "refused before the provider")

	got, err := s.CaptureOwned(ctx, aliceCharge(), in)
	require.NoError(t, err)
	require.Equal(t, payment.StatusCaptured, got.Status)
	require.Equal(t, []string{"capture"}, f.calls, "no second read of the charge")
}
