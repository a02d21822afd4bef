// Package paymenttest is the contract every payment.Provider must pass: one suite, run
// against each card processor adapter (the simulator on every DynamoDB backend; a Stripe
// adapter in test mode would run it too), so that the booking saga can rely on the
// contract and not on an adapter.
//
// The suite uses only Stripe's own test card tokens (CardOK, CardDeclined), which a
// Stripe-compatible processor knows. Adapter-specific failures (outages, lost replies)
// are the adapter's own tests.
package paymenttest

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Stripe's test card tokens the suite uses.
const (
	// CardOK authorises, captures and refunds.
	CardOK = "tok_visa"
	// CardDeclined is declined at authorisation (generic_decline).
	CardDeclined = "tok_chargeDeclined"
)

// Concurrency is how many concurrent calls the race cases make.
const Concurrency = 10

// Customer returns a fresh customer id, so cases can share one provider.
func Customer(prefix string) string { return prefix + "-" + rand.Text() }

// Key returns a fresh idempotency key.
func Key(prefix string) string { return prefix + "-" + rand.Text() }

// Authorize authorises amount EUR with CardOK for a fresh customer and a fresh key, and
// returns the AUTHORIZED charge.
func Authorize(t *testing.T, p payment.Provider, amount int64) payment.Charge {
	t.Helper()
	ch, err := p.Authorize(context.Background(), payment.AuthorizeRequest{
		Customer: Customer("cust"), Amount: amount, Currency: "EUR", CardToken: CardOK, IdempotencyKey: Key("auth"),
	})
	require.NoError(t, err)
	require.Equal(t, payment.StatusAuthorized, ch.Status)
	return ch
}

// RunProviderContract runs the contract. newProvider may return the same provider for
// every case (the cases use fresh customers, keys and charges) or a fresh one.
func RunProviderContract(t *testing.T, newProvider func(t *testing.T) payment.Provider) {
	ctx := context.Background()

	t.Run("AuthorizeThenGet", func(t *testing.T) {
		p := newProvider(t)
		cust := Customer("get")
		start := time.Now().Add(-time.Minute)
		ch, err := p.Authorize(ctx, payment.AuthorizeRequest{
			Customer: cust, Amount: 12_345, Currency: "EUR", CardToken: CardOK, IdempotencyKey: Key("auth"),
		})
		require.NoError(t, err)
		require.True(t, payment.ValidChargeID(ch.ID), "charge id %q", ch.ID)
		require.True(t, strings.HasPrefix(ch.ID, "ch_"), "Stripe-style charge ids")
		require.Equal(t, cust, ch.Customer)
		require.Equal(t, int64(12_345), ch.Amount)
		require.Equal(t, "EUR", ch.Currency)
		require.Equal(t, payment.StatusAuthorized, ch.Status)
		require.Zero(t, ch.CapturedAmount)
		require.Zero(t, ch.RefundedAmount)
		require.Empty(t, ch.Receipt, "nothing is paid yet")
		require.Empty(t, ch.FailureCode)
		require.NotEmpty(t, ch.CardBrand)
		require.Len(t, ch.CardLast4, 4)
		require.True(t, ch.CreatedAt.After(start), "createdAt %v", ch.CreatedAt)
		require.Equal(t, ch.CreatedAt, ch.UpdatedAt)
		require.Equal(t, time.UTC, ch.CreatedAt.Location())
		require.Positive(t, ch.Version)

		got, err := p.Get(ctx, ch.ID)
		require.NoError(t, err)
		require.Equal(t, ch, got, "Get returns what Authorize returned")

		other := Authorize(t, p, 12_345)
		require.NotEqual(t, ch.ID, other.ID, "every authorisation is a new charge")
	})

	t.Run("InvalidAuthorizeIsBadRequest", func(t *testing.T) {
		p := newProvider(t)
		good := payment.AuthorizeRequest{
			Customer: Customer("bad"), Amount: 100, Currency: "EUR", CardToken: CardOK, IdempotencyKey: Key("auth"),
		}
		for name, mutate := range map[string]func(r *payment.AuthorizeRequest){
			"zero amount":        func(r *payment.AuthorizeRequest) { r.Amount = 0 },
			"negative amount":    func(r *payment.AuthorizeRequest) { r.Amount = -100 },
			"amount over max":    func(r *payment.AuthorizeRequest) { r.Amount = payment.MaxAmount + 1 },
			"lower-case":         func(r *payment.AuthorizeRequest) { r.Currency = "eur" },
			"not a currency":     func(r *payment.AuthorizeRequest) { r.Currency = "EURO" },
			"no currency":        func(r *payment.AuthorizeRequest) { r.Currency = "" },
			"no card token":      func(r *payment.AuthorizeRequest) { r.CardToken = "" },
			"card number":        func(r *payment.AuthorizeRequest) { r.CardToken = "4242424242424242" },
			"unknown card token": func(r *payment.AuthorizeRequest) { r.CardToken = "tok_" + rand.Text() },
			"no key":             func(r *payment.AuthorizeRequest) { r.IdempotencyKey = "" },
			"key too long": func(r *payment.AuthorizeRequest) {
				r.IdempotencyKey = strings.Repeat("k", payment.MaxIdempotencyKeyLength+1)
			},
			"no customer": func(r *payment.AuthorizeRequest) { r.Customer = "" },
		} {
			req := good
			mutate(&req)
			ch, err := p.Authorize(ctx, req)
			requireCode(t, apperr.BadRequest, err, name)
			require.Empty(t, ch.ID, name)
		}
		// The bounds themselves are valid.
		for _, amount := range []int64{payment.MinAmount, payment.MaxAmount} {
			req := good
			req.Amount, req.IdempotencyKey = amount, Key("bounds")
			_, err := p.Authorize(ctx, req)
			require.NoError(t, err, "amount %d", amount)
		}
	})

	t.Run("DeclineIsPaymentDeclined", func(t *testing.T) {
		p := newProvider(t)
		ch, err := p.Authorize(ctx, payment.AuthorizeRequest{
			Customer: Customer("declined"), Amount: 5_000, Currency: "EUR", CardToken: CardDeclined, IdempotencyKey: Key("auth"),
		})
		requireCode(t, apperr.PaymentDeclined, err, "a declined card")
		require.NotEqual(t, "internal error", apperr.MessageOf(err), "the decline reason is for the customer")
		if ch.ID == "" {
			return // this provider does not record declined attempts
		}
		require.Equal(t, payment.StatusDeclined, ch.Status)
		require.Equal(t, payment.DeclineGeneric, ch.FailureCode)
		require.NotEmpty(t, ch.FailureMessage)
		got, err := p.Get(ctx, ch.ID)
		require.NoError(t, err)
		require.Equal(t, ch, got)
		_, err = p.Capture(ctx, ch.ID, 5_000, Key("cap"))
		requireCode(t, apperr.PaymentDeclined, err, "capturing a declined charge")
		_, err = p.Refund(ctx, ch.ID, Key("ref"))
		requireCode(t, apperr.Conflict, err, "refunding a declined charge")
		requireUnchanged(t, p, ch)
	})

	t.Run("AuthorizeIsIdempotent", func(t *testing.T) {
		p := newProvider(t)
		req := payment.AuthorizeRequest{
			Customer: Customer("idem"), Amount: 7_700, Currency: "EUR", CardToken: CardOK, IdempotencyKey: Key("auth"),
		}
		first, err := p.Authorize(ctx, req)
		require.NoError(t, err)
		again, err := p.Authorize(ctx, req)
		require.NoError(t, err)
		require.Equal(t, first, again, "a retry returns the first charge")

		for name, mutate := range map[string]func(r *payment.AuthorizeRequest){
			"another customer": func(r *payment.AuthorizeRequest) { r.Customer = Customer("thief") },
			"another amount":   func(r *payment.AuthorizeRequest) { r.Amount++ },
			"another currency": func(r *payment.AuthorizeRequest) { r.Currency = "USD" },
			"another card":     func(r *payment.AuthorizeRequest) { r.CardToken = CardDeclined },
		} {
			other := req
			mutate(&other)
			_, err := p.Authorize(ctx, other)
			requireCode(t, apperr.Conflict, err, "the key reused for "+name)
		}
		requireUnchanged(t, p, first)

		// Concurrent first requests with one key make one charge between them.
		req.IdempotencyKey = Key("race")
		ids := make([]string, Concurrency)
		errs := make([]error, Concurrency)
		var wg sync.WaitGroup
		for i := range Concurrency {
			wg.Go(func() {
				ch, err := p.Authorize(ctx, req)
				ids[i], errs[i] = ch.ID, err
			})
		}
		wg.Wait()
		for i := range Concurrency {
			require.NoError(t, errs[i])
			require.Equal(t, ids[0], ids[i], "concurrent retries share one charge")
		}

		// A declined attempt is replayed as a decline.
		declined := payment.AuthorizeRequest{
			Customer: Customer("idem-declined"), Amount: 100, Currency: "EUR", CardToken: CardDeclined, IdempotencyKey: Key("auth"),
		}
		d1, err := p.Authorize(ctx, declined)
		requireCode(t, apperr.PaymentDeclined, err, "a decline")
		d2, err := p.Authorize(ctx, declined)
		requireCode(t, apperr.PaymentDeclined, err, "a replayed decline")
		require.Equal(t, d1.ID, d2.ID)
	})

	t.Run("CaptureFull", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 25_000)
		key := Key("cap")
		got, err := p.Capture(ctx, ch.ID, 25_000, key)
		require.NoError(t, err)
		require.Equal(t, payment.StatusCaptured, got.Status)
		require.Equal(t, int64(25_000), got.CapturedAmount)
		require.Equal(t, int64(25_000), got.Amount, "the authorised amount stays on record")
		require.NotEmpty(t, got.Receipt)
		require.Greater(t, got.Version, ch.Version)
		require.False(t, got.UpdatedAt.Before(ch.UpdatedAt))
		require.Equal(t, ch.CreatedAt, got.CreatedAt)
		require.Equal(t, ch.Customer, got.Customer)
		read, err := p.Get(ctx, ch.ID)
		require.NoError(t, err)
		require.Equal(t, got, read, "a capture is visible to the next Get")
	})

	t.Run("CapturePartial", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 25_000)
		got, err := p.Capture(ctx, ch.ID, 24_999, Key("cap"))
		require.NoError(t, err)
		require.Equal(t, payment.StatusCaptured, got.Status)
		require.Equal(t, int64(24_999), got.CapturedAmount)
	})

	t.Run("CaptureMoreThanAuthorizedIsBadRequest", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 10_000)
		_, err := p.Capture(ctx, ch.ID, 10_001, Key("cap"))
		requireCode(t, apperr.BadRequest, err, "capturing more than authorised")
		for _, amount := range []int64{0, -1} {
			_, err = p.Capture(ctx, ch.ID, amount, Key("cap"))
			requireCode(t, apperr.BadRequest, err, "capturing a non-positive amount")
		}
		_, err = p.Capture(ctx, ch.ID, 10_000, "")
		requireCode(t, apperr.BadRequest, err, "capturing without an idempotency key")
		requireUnchanged(t, p, ch)
		_, err = p.Capture(ctx, ch.ID, 10_000, Key("cap"))
		require.NoError(t, err, "the charge is still capturable")
	})

	t.Run("CaptureReplayAndSecondCapture", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 30_000)
		key := Key("cap")
		first, err := p.Capture(ctx, ch.ID, 30_000, key)
		require.NoError(t, err)
		again, err := p.Capture(ctx, ch.ID, 30_000, key)
		require.NoError(t, err, "the same capture again is a replay")
		require.Equal(t, first, again, "a replay changes nothing")

		_, err = p.Capture(ctx, ch.ID, 30_000, Key("cap2"))
		requireCode(t, apperr.Conflict, err, "a second capture with another key")
		_, err = p.Capture(ctx, ch.ID, 20_000, key)
		requireCode(t, apperr.Conflict, err, "the same key with another amount")
		requireUnchanged(t, p, first)
	})

	t.Run("RefundCaptured", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 40_000)
		captured, err := p.Capture(ctx, ch.ID, 35_000, Key("cap"))
		require.NoError(t, err)
		refunded, err := p.Refund(ctx, ch.ID, Key("ref"))
		require.NoError(t, err)
		require.Equal(t, payment.StatusRefunded, refunded.Status)
		require.Equal(t, int64(35_000), refunded.RefundedAmount, "the captured amount is refunded in full")
		require.Equal(t, int64(35_000), refunded.CapturedAmount)
		require.Equal(t, captured.Receipt, refunded.Receipt)
		require.Greater(t, refunded.Version, captured.Version)

		for _, key := range []string{Key("ref"), Key("ref-other")} {
			again, err := p.Refund(ctx, ch.ID, key)
			require.NoError(t, err, "refunding again is harmless")
			require.Equal(t, refunded, again)
		}
		_, err = p.Capture(ctx, ch.ID, 35_000, Key("cap"))
		requireCode(t, apperr.Conflict, err, "capturing a refunded charge")
		requireUnchanged(t, p, refunded)
	})

	t.Run("RefundUncapturedVoids", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 40_000)
		voided, err := p.Refund(ctx, ch.ID, Key("void"))
		require.NoError(t, err)
		require.Equal(t, payment.StatusVoided, voided.Status)
		require.Zero(t, voided.CapturedAmount)
		require.Zero(t, voided.RefundedAmount, "nothing was taken, so nothing is given back")
		again, err := p.Refund(ctx, ch.ID, Key("void"))
		require.NoError(t, err)
		require.Equal(t, voided, again)
		_, err = p.Capture(ctx, ch.ID, 40_000, Key("cap"))
		requireCode(t, apperr.Conflict, err, "capturing a voided charge")
		requireUnchanged(t, p, voided)
	})

	t.Run("RefundNeedsKey", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 100)
		_, err := p.Refund(ctx, ch.ID, "")
		requireCode(t, apperr.BadRequest, err, "refund without an idempotency key")
		requireUnchanged(t, p, ch)
	})

	t.Run("UnknownChargeIsNotFound", func(t *testing.T) {
		p := newProvider(t)
		for _, id := range []string{"ch_" + strings.Repeat("0", 24), "ch_" + rand.Text(), "nope", "", "CHARGE#x", strings.Repeat("x", 3000)} {
			_, err := p.Get(ctx, id)
			requireCode(t, apperr.NotFound, err, "Get "+id)
			_, err = p.Capture(ctx, id, 100, Key("cap"))
			requireCode(t, apperr.NotFound, err, "Capture "+id)
			_, err = p.Refund(ctx, id, Key("ref"))
			requireCode(t, apperr.NotFound, err, "Refund "+id)
		}
	})

	t.Run("ConcurrentCapturesWithDistinctKeysCaptureOnce", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 50_000)
		errs := race(func(i int) error {
			_, err := p.Capture(ctx, ch.ID, 50_000-int64(i), Key("cap"))
			return err
		})
		won := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, won, "two captures took effect: %d and %d", won, i)
				won = i
				continue
			}
			requireCode(t, apperr.Conflict, err, "a losing capture")
		}
		require.NotEqual(t, -1, won, "one capture must take effect")
		got, err := p.Get(ctx, ch.ID)
		require.NoError(t, err)
		require.Equal(t, payment.StatusCaptured, got.Status)
		require.Equal(t, 50_000-int64(won), got.CapturedAmount, "the winner's amount, once")
	})

	t.Run("ConcurrentCaptureRetriesCaptureOnce", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 50_000)
		key := Key("cap")
		results := make([]payment.Charge, Concurrency)
		errs := race(func(i int) error {
			var err error
			results[i], err = p.Capture(ctx, ch.ID, 50_000, key)
			return err
		})
		for i, err := range errs {
			require.NoError(t, err, "a retry of the same capture succeeds")
			require.Equal(t, results[0], results[i], "every retry sees the one capture")
		}
		require.Equal(t, int64(50_000), results[0].CapturedAmount)
		requireUnchanged(t, p, results[0])
	})

	t.Run("ConcurrentRefundsRefundOnce", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 60_000)
		captured, err := p.Capture(ctx, ch.ID, 60_000, Key("cap"))
		require.NoError(t, err)
		results := make([]payment.Charge, Concurrency)
		errs := race(func(i int) error {
			var err error
			results[i], err = p.Refund(ctx, ch.ID, Key("ref"))
			return err
		})
		for i, err := range errs {
			require.NoError(t, err, "every refund of a refunded charge succeeds")
			require.Equal(t, results[0], results[i], "one refund, seen by all")
		}
		require.Equal(t, payment.StatusRefunded, results[0].Status)
		require.Equal(t, int64(60_000), results[0].RefundedAmount, "refunded once, not %d times", Concurrency)
		require.Greater(t, results[0].Version, captured.Version)
		requireUnchanged(t, p, results[0])
	})

	t.Run("ConcurrentCaptureAndVoidAgree", func(t *testing.T) {
		p := newProvider(t)
		ch := Authorize(t, p, 70_000)
		var (
			wg                 sync.WaitGroup
			capErr, refErr     error
			capOut, refundedCh payment.Charge
		)
		wg.Go(func() { capOut, capErr = p.Capture(ctx, ch.ID, 70_000, Key("cap")) })
		wg.Go(func() { refundedCh, refErr = p.Refund(ctx, ch.ID, Key("ref")) })
		wg.Wait()
		require.NoError(t, refErr, "a refund or void always succeeds")
		got, err := p.Get(ctx, ch.ID)
		require.NoError(t, err)
		require.Equal(t, refundedCh, got)
		if capErr == nil {
			// The capture came first: the money was taken and given back.
			require.Equal(t, payment.StatusCaptured, capOut.Status)
			require.Equal(t, payment.StatusRefunded, got.Status)
			require.Equal(t, int64(70_000), got.RefundedAmount)
		} else {
			// The void came first: nothing was ever taken.
			requireCode(t, apperr.Conflict, capErr, "a capture after a void")
			require.Equal(t, payment.StatusVoided, got.Status)
			require.Zero(t, got.CapturedAmount)
		}
	})
}

// race runs f Concurrency times at once and returns the errors by index.
func race(f func(i int) error) []error {
	errs := make([]error, Concurrency)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range Concurrency {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// requireUnchanged checks that the provider still has want.
func requireUnchanged(t *testing.T, p payment.Provider, want payment.Charge) {
	t.Helper()
	got, err := p.Get(context.Background(), want.ID)
	require.NoError(t, err)
	require.Equal(t, want, got, "the charge must be unchanged")
}

func requireCode(t *testing.T, want apperr.Code, err error, what string) {
	t.Helper()
	require.Error(t, err, what)
	require.Equal(t, want, apperr.CodeOf(err), "%s: %v", what, err)
}
