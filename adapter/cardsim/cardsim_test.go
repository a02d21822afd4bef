package cardsim_test

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/payment/paymenttest"
	"github.com/skygraph/skygraph/internal/apperr"
)

// countingStore counts the writes of a ChargeStore that took effect, so tests can prove
// "exactly once" from the store's side, not only from what callers were told.
type countingStore struct {
	cardsim.ChargeStore
	mu                         sync.Mutex
	created, captures, refunds int
}

func (c *countingStore) CreateCharge(ctx context.Context, rec cardsim.Record, idem cardsim.Idempotency, now time.Time) (bool, error) {
	created, err := c.ChargeStore.CreateCharge(ctx, rec, idem, now)
	if created {
		c.mu.Lock()
		c.created++
		c.mu.Unlock()
	}
	return created, err
}

func (c *countingStore) CaptureCharge(ctx context.Context, id string, cp cardsim.Capture) (cardsim.Record, bool, error) {
	rec, applied, err := c.ChargeStore.CaptureCharge(ctx, id, cp)
	if applied {
		c.mu.Lock()
		c.captures++
		c.mu.Unlock()
	}
	return rec, applied, err
}

func (c *countingStore) RefundCharge(ctx context.Context, id string, r cardsim.Refund) (cardsim.Record, bool, error) {
	rec, applied, err := c.ChargeStore.RefundCharge(ctx, id, r)
	if applied {
		c.mu.Lock()
		c.refunds++
		c.mu.Unlock()
	}
	return rec, applied, err
}

func (c *countingStore) counts() (created, captures, refunds int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.created, c.captures, c.refunds
}

// newProcessor returns a processor over a fresh table on b, and its store's write counts.
func newProcessor(t *testing.T, b dynamotest.Backend, cfg cardsim.Config) (*cardsim.Processor, *countingStore) {
	t.Helper()
	store := &countingStore{ChargeStore: dynamotest.NewStore(t, b, nil).Charges()}
	p, err := cardsim.New(store, cfg)
	require.NoError(t, err)
	return p, store
}

func TestProviderContract(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			// One processor and table for all cases: the cases use fresh customers and keys.
			p, _ := newProcessor(t, b, cardsim.Config{})
			paymenttest.RunProviderContract(t, func(*testing.T) payment.Provider { return p })
		})
	}
}

var ctx = context.Background()

func authorize(t *testing.T, p payment.Provider, token string, amount int64) (payment.Charge, error) {
	t.Helper()
	return p.Authorize(ctx, payment.AuthorizeRequest{
		Customer: paymenttest.Customer("c"), Amount: amount, Currency: "EUR", CardToken: token, IdempotencyKey: paymenttest.Key("a"),
	})
}

func mustAuthorize(t *testing.T, p payment.Provider, token string, amount int64) payment.Charge {
	t.Helper()
	ch, err := authorize(t, p, token, amount)
	require.NoError(t, err)
	require.Equal(t, payment.StatusAuthorized, ch.Status)
	return ch
}

func get(t *testing.T, p payment.Provider, id string) payment.Charge {
	t.Helper()
	ch, err := p.Get(ctx, id)
	require.NoError(t, err)
	return ch
}

func requireCode(t *testing.T, want apperr.Code, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, want, apperr.CodeOf(err), "%v", err)
}

// TestTokens covers every test card token on every backend: what Authorize, Capture and
// Refund do, and that the charge is left as documented after each failure.
func TestTokens(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			p, store := newProcessor(t, b, cardsim.Config{})
			tested := map[string]bool{}
			tok := func(token string) string { tested[token] = true; return token }

			t.Run("Succeeding", func(t *testing.T) {
				for _, c := range []struct{ token, brand, last4 string }{
					{tok(cardsim.TokenVisa), "visa", "4242"},
					{tok(cardsim.TokenMastercard), "mastercard", "4444"},
					{tok(cardsim.TokenAmex), "amex", "0005"},
				} {
					ch := mustAuthorize(t, p, c.token, 1_000)
					require.Equal(t, c.brand, ch.CardBrand)
					require.Equal(t, c.last4, ch.CardLast4)
					captured, err := p.Capture(ctx, ch.ID, 1_000, "cap")
					require.NoError(t, err)
					require.Equal(t, cardsim.DefaultReceiptBaseURL+ch.ID, captured.Receipt)
					refunded, err := p.Refund(ctx, ch.ID, "ref")
					require.NoError(t, err)
					require.Equal(t, payment.StatusRefunded, refunded.Status)
				}
			})

			t.Run("DeclinedAtAuthorize", func(t *testing.T) {
				for _, c := range []struct{ token, code, msg, last4 string }{
					{tok(cardsim.TokenChargeDeclined), payment.DeclineGeneric, "Your card was declined.", "0002"},
					{tok(cardsim.TokenChargeDeclinedInsufficientFunds), payment.DeclineInsufficientFunds, "Your card has insufficient funds.", "9995"},
					{tok(cardsim.TokenChargeDeclinedExpiredCard), payment.DeclineExpiredCard, "Your card has expired.", "0069"},
				} {
					ch, err := authorize(t, p, c.token, 1_000)
					requireCode(t, apperr.PaymentDeclined, err)
					require.Equal(t, c.msg, apperr.MessageOf(err), "Stripe's wording, for the customer")
					require.Equal(t, payment.StatusDeclined, ch.Status)
					require.Equal(t, c.code, ch.FailureCode)
					require.Equal(t, c.msg, ch.FailureMessage)
					require.Equal(t, c.last4, ch.CardLast4)
					require.Equal(t, ch, get(t, p, ch.ID), "the declined attempt is on record")
				}
			})

			t.Run("ProcessingErrorRecordsNothing", func(t *testing.T) {
				created, _, _ := store.counts()
				req := payment.AuthorizeRequest{
					Customer: "c", Amount: 1_000, Currency: "EUR",
					CardToken: tok(cardsim.TokenChargeDeclinedProcessingError), IdempotencyKey: paymenttest.Key("a"),
				}
				for range 2 {
					ch, err := p.Authorize(ctx, req)
					requireCode(t, apperr.Unavailable, err)
					require.Empty(t, ch.ID)
				}
				now, _, _ := store.counts()
				require.Equal(t, created, now, "nothing is authorised, so nothing is stored")
			})

			t.Run("CaptureFails", func(t *testing.T) {
				ch := mustAuthorize(t, p, tok(cardsim.TokenCaptureFails), 1_000)
				for range 2 {
					_, err := p.Capture(ctx, ch.ID, 1_000, "cap")
					requireCode(t, apperr.PaymentDeclined, err)
					require.Equal(t, ch, get(t, p, ch.ID), "a refused capture leaves the charge AUTHORIZED")
				}
				voided, err := p.Refund(ctx, ch.ID, "void")
				require.NoError(t, err, "the authorisation can still be released")
				require.Equal(t, payment.StatusVoided, voided.Status)
			})

			t.Run("CaptureUnavailable", func(t *testing.T) {
				ch := mustAuthorize(t, p, tok(cardsim.TokenCaptureUnavailable), 1_000)
				for range 2 {
					_, err := p.Capture(ctx, ch.ID, 1_000, "cap")
					requireCode(t, apperr.Unavailable, err)
					require.Equal(t, ch, get(t, p, ch.ID), "re-reading settles it: nothing was captured")
				}
				voided, err := p.Refund(ctx, ch.ID, "void")
				require.NoError(t, err)
				require.Equal(t, payment.StatusVoided, voided.Status)
			})

			t.Run("CaptureUnavailableAfterCapture", func(t *testing.T) {
				ch := mustAuthorize(t, p, tok(cardsim.TokenCaptureUnavailableAfterCapture), 1_000)
				_, err := p.Capture(ctx, ch.ID, 1_000, "cap")
				requireCode(t, apperr.Unavailable, err)
				got := get(t, p, ch.ID)
				require.Equal(t, payment.StatusCaptured, got.Status, "re-reading settles it: the capture happened")
				require.Equal(t, int64(1_000), got.CapturedAmount)
				again, err := p.Capture(ctx, ch.ID, 1_000, "cap")
				require.NoError(t, err, "repeating the capture with its key is a replay")
				require.Equal(t, got, again)
				_, err = p.Capture(ctx, ch.ID, 1_000, "another")
				requireCode(t, apperr.Conflict, err)
				refunded, err := p.Refund(ctx, ch.ID, "ref")
				require.NoError(t, err)
				require.Equal(t, payment.StatusRefunded, refunded.Status)
			})

			t.Run("RefundFails", func(t *testing.T) {
				ch := mustAuthorize(t, p, tok(cardsim.TokenRefundFails), 1_000)
				_, err := p.Refund(ctx, ch.ID, "void")
				requireCode(t, apperr.PaymentDeclined, err)
				require.Equal(t, ch, get(t, p, ch.ID), "a refused void changes nothing")
				captured, err := p.Capture(ctx, ch.ID, 1_000, "cap")
				require.NoError(t, err)
				_, err = p.Refund(ctx, ch.ID, "ref")
				requireCode(t, apperr.PaymentDeclined, err)
				require.Equal(t, captured, get(t, p, ch.ID), "a refused refund changes nothing")
			})

			t.Run("RefundUnavailable", func(t *testing.T) {
				ch := mustAuthorize(t, p, tok(cardsim.TokenRefundUnavailable), 1_000)
				captured, err := p.Capture(ctx, ch.ID, 1_000, "cap")
				require.NoError(t, err)
				for range 2 {
					_, err = p.Refund(ctx, ch.ID, "ref")
					requireCode(t, apperr.Unavailable, err)
					require.Equal(t, captured, get(t, p, ch.ID), "re-reading settles it: nothing was refunded")
				}
			})

			t.Run("RefundUnavailableAfterRefund", func(t *testing.T) {
				ch := mustAuthorize(t, p, tok(cardsim.TokenRefundUnavailableAfterRefund), 1_000)
				_, err := p.Capture(ctx, ch.ID, 1_000, "cap")
				require.NoError(t, err)
				_, err = p.Refund(ctx, ch.ID, "ref")
				requireCode(t, apperr.Unavailable, err)
				got := get(t, p, ch.ID)
				require.Equal(t, payment.StatusRefunded, got.Status, "re-reading settles it: the refund happened")
				again, err := p.Refund(ctx, ch.ID, "ref")
				require.NoError(t, err, "repeating the refund is harmless")
				require.Equal(t, got, again)
			})

			t.Run("UnknownToken", func(t *testing.T) {
				for _, token := range []string{"tok_mastercardd", "tok_VISA", "pm_card_visa", "tok_unknown"} {
					_, err := authorize(t, p, token, 1_000)
					requireCode(t, apperr.BadRequest, err)
					require.Contains(t, apperr.MessageOf(err), "unknown card token")
				}
			})

			require.ElementsMatch(t, cardsim.Tokens(), keys(tested), "every documented token is tested")
		})
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestExactlyOnceInTheStore: of concurrent operations on one charge, the store applied
// exactly one write, whatever the callers were told.
func TestExactlyOnceInTheStore(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			p, store := newProcessor(t, b, cardsim.Config{})
			req := payment.AuthorizeRequest{Customer: "c", Amount: 9_000, Currency: "EUR", CardToken: cardsim.TokenVisa, IdempotencyKey: "k"}
			var (
				wg  sync.WaitGroup
				ids sync.Map
			)
			for range paymenttest.Concurrency {
				wg.Go(func() {
					ch, err := p.Authorize(ctx, req)
					if err == nil {
						ids.Store(ch.ID, true)
					}
				})
			}
			wg.Wait()
			var id string
			n := 0
			ids.Range(func(k, _ any) bool { id, n = k.(string), n+1; return true })
			require.Equal(t, 1, n, "one charge id for one key")

			for i := range paymenttest.Concurrency {
				wg.Go(func() { _, _ = p.Capture(ctx, id, 9_000, "cap-"+string(rune('a'+i))) })
			}
			wg.Wait()
			for range paymenttest.Concurrency {
				wg.Go(func() { _, _ = p.Refund(ctx, id, "ref") })
			}
			wg.Wait()
			created, captures, refunds := store.counts()
			require.Equal(t, [3]int{1, 1, 1}, [3]int{created, captures, refunds}, "created, captured, refunded")
			got := get(t, p, id)
			require.Equal(t, payment.StatusRefunded, got.Status)
			require.Equal(t, int64(3), got.Version, "authorised, captured, refunded: three versions")
		})
	}
}

// TestFaultHook: an error before an operation's write stops it; an error after it is a
// lost reply, and the change stays.
func TestFaultHook(t *testing.T) {
	b := dynamotest.Backends(t)[0]
	var (
		mu     sync.Mutex
		failAt struct {
			op    cardsim.Op
			stage cardsim.Stage
		}
		seen []string
	)
	boom := apperr.New(apperr.Unavailable, "injected")
	p, _ := newProcessor(t, b, cardsim.Config{Fault: func(op cardsim.Op, stage cardsim.Stage, ch payment.Charge) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, string(op)+"/"+map[cardsim.Stage]string{cardsim.Before: "before", cardsim.After: "after"}[stage])
		if op == failAt.op && stage == failAt.stage {
			return boom
		}
		return nil
	}})
	set := func(op cardsim.Op, stage cardsim.Stage) {
		mu.Lock()
		defer mu.Unlock()
		failAt.op, failAt.stage, seen = op, stage, nil
	}

	set(cardsim.OpAuthorize, cardsim.Before)
	_, err := authorize(t, p, cardsim.TokenVisa, 100)
	require.ErrorIs(t, err, boom)
	require.Equal(t, []string{"authorize/before"}, seen)

	set("", cardsim.Before)
	ch := mustAuthorize(t, p, cardsim.TokenVisa, 100)
	require.Equal(t, []string{"authorize/before", "authorize/after"}, seen)

	set(cardsim.OpCapture, cardsim.Before)
	_, err = p.Capture(ctx, ch.ID, 100, "cap")
	require.ErrorIs(t, err, boom)
	set("", cardsim.Before)
	require.Equal(t, payment.StatusAuthorized, get(t, p, ch.ID).Status, "failed before the write: nothing captured")

	set(cardsim.OpCapture, cardsim.After)
	_, err = p.Capture(ctx, ch.ID, 100, "cap")
	require.ErrorIs(t, err, boom)
	set("", cardsim.Before)
	require.Equal(t, payment.StatusCaptured, get(t, p, ch.ID).Status, "failed after the write: captured")

	set(cardsim.OpRefund, cardsim.After)
	_, err = p.Refund(ctx, ch.ID, "ref")
	require.ErrorIs(t, err, boom)
	set(cardsim.OpGet, cardsim.Before)
	_, err = p.Get(ctx, ch.ID)
	require.ErrorIs(t, err, boom)
	set("", cardsim.Before)
	require.Equal(t, payment.StatusRefunded, get(t, p, ch.ID).Status)
	require.Equal(t, []string{"get/before", "get/after"}, seen)
}

// TestIdempotencyWindow: an authorisation key is remembered for payment.IdempotencyWindow;
// afterwards the same request is a new authorisation.
func TestIdempotencyWindow(t *testing.T) {
	b := dynamotest.Backends(t)[0]
	var (
		mu  sync.Mutex
		now = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	p, _ := newProcessor(t, b, cardsim.Config{Now: clock, ReceiptBaseURL: "https://example.com/r/"})
	req := payment.AuthorizeRequest{Customer: "c", Amount: 100, Currency: "EUR", CardToken: cardsim.TokenVisa, IdempotencyKey: "k"}
	first, err := p.Authorize(ctx, req)
	require.NoError(t, err)
	require.Equal(t, now, first.CreatedAt)

	advance(payment.IdempotencyWindow - time.Second)
	again, err := p.Authorize(ctx, req)
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID, "within the window: a replay")

	advance(2 * time.Second)
	later, err := p.Authorize(ctx, req)
	require.NoError(t, err)
	require.NotEqual(t, first.ID, later.ID, "after the window: a new authorisation")
	other := req
	other.Amount = 200
	_, err = p.Authorize(ctx, other)
	requireCode(t, apperr.Conflict, err)

	captured, err := p.Capture(ctx, later.ID, 100, "cap")
	require.NoError(t, err)
	require.Equal(t, "https://example.com/r/"+later.ID, captured.Receipt)
	require.Equal(t, now, captured.UpdatedAt)
}

func TestChargeIDs(t *testing.T) {
	b := dynamotest.Backends(t)[0]
	p, _ := newProcessor(t, b, cardsim.Config{})
	re := regexp.MustCompile(`^ch_[0-9A-Za-z]{24}$`)
	seen := map[string]bool{}
	for range 20 {
		ch := mustAuthorize(t, p, cardsim.TokenVisa, 100)
		require.Regexp(t, re, ch.ID)
		require.False(t, seen[ch.ID])
		seen[ch.ID] = true
	}
}

func TestNewRequiresStore(t *testing.T) {
	_, err := cardsim.New(nil, cardsim.Config{})
	require.Error(t, err)
	var e *apperr.Error
	require.NotErrorAs(t, err, &e, "a wiring error, not an application error")
}
