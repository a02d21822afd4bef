package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

type chargeFixture struct {
	store *dynamo.ChargeStore
	scan  func() []map[string]any
}

func newCharges(t *testing.T, b dynamotest.Backend) chargeFixture {
	t.Helper()
	c := dynamotest.Client(t, b)
	table := dynamotest.NewTable(t, c)
	return chargeFixture{
		store: dynamo.NewStore(c, table, dynamotest.Tokenizer(t)).Charges(),
		scan:  func() []map[string]any { return dynamotest.Items(t, c, table) },
	}
}

func chargeRecord(id string, amount int64) cardsim.Record {
	return cardsim.Record{
		Charge: payment.Charge{
			ID: id, Customer: "cust-1", Amount: amount, Currency: "EUR", Status: payment.StatusAuthorized,
			CardBrand: "visa", CardLast4: "4242", CreatedAt: t0, UpdatedAt: t0, Version: 1,
		},
		CardToken: "tok_visa",
	}
}

func idem(hash, chargeID string, expires time.Time) cardsim.Idempotency {
	return cardsim.Idempotency{KeyHash: hash, ChargeID: chargeID, Fingerprint: "fp-" + chargeID, ExpiresAt: expires}
}

// TestChargeStoreItems pins the stored layout: the charge under its id and the
// idempotency record under the key's hash, with the table's TTL attribute.
func TestChargeStoreItems(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newCharges(t, b)
			exp := t0.Add(payment.IdempotencyWindow)
			rec := chargeRecord("ch_aaaaaaaaaaaaaaaaaaaaaaaa", 12_300)
			created, err := f.store.CreateCharge(ctx, rec, idem("ab12", rec.ID, exp), t0)
			require.NoError(t, err)
			require.True(t, created)

			items := f.scan()
			require.Equal(t, []string{
				"CHARGE#ch_aaaaaaaaaaaaaaaaaaaaaaaa|CHARGE|Charge",
				"CHARGE_IDEMPOTENCY#ab12|CHARGE_IDEMPOTENCY|ChargeIdempotency",
			}, keysOf(items))
			require.Equal(t, "AUTHORIZED", items[0]["status"])
			require.InDelta(t, 12_300, items[0]["amount"], 0)
			require.Equal(t, rec.ID, items[1]["chargeId"])
			require.InDelta(t, float64(exp.Unix()), items[1][dynamo.AttrTTL], 0, "idempotency records expire through the table's TTL")
			require.NotContains(t, items[0], dynamo.AttrTTL, "charges never expire")

			got, err := f.store.Charge(ctx, rec.ID)
			require.NoError(t, err)
			require.Equal(t, rec, got)
			gotIdem, err := f.store.Idempotency(ctx, "ab12")
			require.NoError(t, err)
			require.Equal(t, idem("ab12", rec.ID, exp), gotIdem)

			_, err = f.store.Charge(ctx, "ch_missing")
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
			_, err = f.store.Idempotency(ctx, "missing")
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		})
	}
}

// TestCreateChargeIdempotency: a live key refuses a second charge and writes nothing; an
// expired one is replaced; a taken charge id is an error and writes nothing.
func TestCreateChargeIdempotency(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newCharges(t, b)
			exp := t0.Add(time.Hour)
			first := chargeRecord("ch_first0000", 100)
			created, err := f.store.CreateCharge(ctx, first, idem("k1", first.ID, exp), t0)
			require.NoError(t, err)
			require.True(t, created)
			before := keysOf(f.scan())

			second := chargeRecord("ch_second000", 100)
			created, err = f.store.CreateCharge(ctx, second, idem("k1", second.ID, exp.Add(time.Hour)), exp.Add(-time.Second))
			require.NoError(t, err)
			require.False(t, created, "the key is live")
			require.Equal(t, before, keysOf(f.scan()), "a refused create writes nothing")

			created, err = f.store.CreateCharge(ctx, chargeRecord(first.ID, 5), idem("k2", first.ID, exp), t0)
			require.Equal(t, apperr.Internal, apperr.CodeOf(err), "%v", err)
			require.False(t, created)
			require.Equal(t, before, keysOf(f.scan()), "a charge id is never reused")

			created, err = f.store.CreateCharge(ctx, second, idem("k1", second.ID, exp.Add(time.Hour)), exp)
			require.NoError(t, err)
			require.True(t, created, "an expired key that TTL has not deleted yet is replaced")
			got, err := f.store.Idempotency(ctx, "k1")
			require.NoError(t, err)
			require.Equal(t, second.ID, got.ChargeID)
		})
	}
}

// TestChargeTransitions: captures and refunds apply only from the right status (and a
// capture only up to the authorised amount); otherwise they return the current charge.
func TestChargeTransitions(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newCharges(t, b)
			rec := chargeRecord("ch_transition", 1_000)
			_, err := f.store.CreateCharge(ctx, rec, idem("k", rec.ID, t0.Add(time.Hour)), t0)
			require.NoError(t, err)
			t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)

			cur, applied, err := f.store.CaptureCharge(ctx, rec.ID, cardsim.Capture{Amount: 1_001, Key: "c", Receipt: "r", At: t1})
			require.NoError(t, err)
			require.False(t, applied, "more than authorised")
			require.Equal(t, rec, cur)

			cur, applied, err = f.store.RefundCharge(ctx, rec.ID, cardsim.Refund{
				From: payment.StatusCaptured, To: payment.StatusRefunded, Amount: 1_000, Key: "r", At: t1,
			})
			require.NoError(t, err)
			require.False(t, applied, "not captured")
			require.Equal(t, rec, cur)

			captured, applied, err := f.store.CaptureCharge(ctx, rec.ID, cardsim.Capture{Amount: 900, Key: "c", Receipt: "https://r/1", At: t1})
			require.NoError(t, err)
			require.True(t, applied)
			want := rec
			want.Status, want.CapturedAmount, want.Receipt, want.CaptureKey, want.UpdatedAt, want.Version =
				payment.StatusCaptured, 900, "https://r/1", "c", t1, 2
			require.Equal(t, want, captured)

			cur, applied, err = f.store.CaptureCharge(ctx, rec.ID, cardsim.Capture{Amount: 900, Key: "c", Receipt: "x", At: t2})
			require.NoError(t, err)
			require.False(t, applied, "captured at most once")
			require.Equal(t, want, cur)

			refunded, applied, err := f.store.RefundCharge(ctx, rec.ID, cardsim.Refund{
				From: payment.StatusCaptured, To: payment.StatusRefunded, Amount: 900, Key: "r", At: t2,
			})
			require.NoError(t, err)
			require.True(t, applied)
			want.Status, want.RefundedAmount, want.RefundKey, want.UpdatedAt, want.Version = payment.StatusRefunded, 900, "r", t2, 3
			require.Equal(t, want, refunded)

			cur, applied, err = f.store.RefundCharge(ctx, rec.ID, cardsim.Refund{
				From: payment.StatusCaptured, To: payment.StatusRefunded, Amount: 900, Key: "r2", At: t2,
			})
			require.NoError(t, err)
			require.False(t, applied, "refunded at most once")
			require.Equal(t, want, cur)

			_, _, err = f.store.CaptureCharge(ctx, "ch_missing", cardsim.Capture{Amount: 1, Key: "c", At: t1})
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
			_, _, err = f.store.RefundCharge(ctx, "ch_missing", cardsim.Refund{From: payment.StatusAuthorized, To: payment.StatusVoided, Key: "r", At: t1})
			require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
			require.Len(t, f.scan(), 2, "a transition of a missing charge creates nothing")
		})
	}
}
