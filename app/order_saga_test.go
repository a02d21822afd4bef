package app_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/domain/order"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
)

// orderTrigger is a fault that fires once, at one order saga step and phase, for one
// customer.
type orderTrigger struct {
	step  saga.Step
	phase saga.Phase
	err   error
	who   atomic.Value
	fired atomic.Bool
}

func (tr *orderTrigger) arm(sub string) { tr.who.Store(sub); tr.fired.Store(false) }

func (tr *orderTrigger) hook(_ context.Context, o *order.Order, step saga.Step, phase saga.Phase) error {
	if tr == nil || step != tr.step || phase != tr.phase {
		return nil
	}
	if who, _ := tr.who.Load().(string); who == "" || who != o.Customer {
		return nil
	}
	if tr.fired.CompareAndSwap(false, true) {
		return tr.err
	}
	return nil
}

// isPayment recognises the transaction that records customer sub's order as PAID.
func isPayment(sub *atomic.Value) func(*dynamodb.TransactWriteItemsInput) bool {
	return func(in *dynamodb.TransactWriteItemsInput) bool {
		who, _ := sub.Load().(string)
		if who == "" || len(in.TransactItems) == 0 || in.TransactItems[0].Put == nil {
			return false
		}
		it := in.TransactItems[0].Put.Item
		return attrString(it[dynamo.AttrType]) == "Order" && attrString(it["customer"]) == who &&
			attrString(it["status"]) == "PAID"
	}
}

// TestOrderSagaFaults injects a failure or a crash at every step of the order saga (and
// of cancelOrder), checks what the client sees and what is stored, runs the recovery job,
// and checks the at-rest invariants: captured money ⇔ a PAID-or-later order, and stock =
// initial − the units of every order not cancelled.
func TestOrderSagaFaults(t *testing.T) {
	type want struct {
		code           apperr.Code // of placeOrder; "" = success
		status         order.Status
		charge         payment.Status
		statusAfter    order.Status // after the recovery sweep
		chargeAfter    payment.Status
		pendingLater   bool // still pending after one sweep (processor down)
		noOrder        bool
		retryCompletes bool
	}
	killed := saga.ErrKilled
	tr := func(step saga.Step, phase saga.Phase, err error) *orderTrigger {
		return &orderTrigger{step: step, phase: phase, err: err}
	}
	paidAfter := func(code apperr.Code, status order.Status, charge payment.Status) want {
		return want{code: code, status: status, charge: charge, statusAfter: order.Paid, chargeAfter: payment.StatusCaptured}
	}
	cases := []struct {
		name    string
		card    string
		fault   *orderTrigger
		failTx  bool
		want    want
		cancel  bool
		cFault  *orderTrigger
		cancelW want
	}{
		{name: "declined at authorization", card: cardsim.TokenChargeDeclined,
			want: want{code: apperr.PaymentDeclined, noOrder: true, charge: payment.StatusDeclined, chargeAfter: payment.StatusDeclined}},
		{name: "capture declined", card: cardsim.TokenCaptureFails,
			want: want{code: apperr.PaymentDeclined, status: order.Cancelled, charge: payment.StatusVoided, statusAfter: order.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "capture reply lost", card: cardsim.TokenCaptureUnavailableAfterCapture,
			want: paidAfter("", order.Paid, payment.StatusCaptured)},
		{name: "processor down at capture", card: cardsim.TokenCaptureUnavailable,
			want: want{code: apperr.Unavailable, status: order.Placed, charge: payment.StatusAuthorized, pendingLater: true,
				statusAfter: order.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "store fails the payment record", card: cardsim.TokenVisa, failTx: true,
			want: want{code: apperr.Unavailable, status: order.Cancelled, charge: payment.StatusRefunded, statusAfter: order.Cancelled, chargeAfter: payment.StatusRefunded}},
		{name: "crash before reserve", card: cardsim.TokenVisa, fault: tr(order.StepReserve, saga.Before, killed),
			want: want{code: apperr.Unavailable, noOrder: true, charge: payment.StatusAuthorized, chargeAfter: payment.StatusAuthorized}},
		{name: "crash after reserve", card: cardsim.TokenVisa, fault: tr(order.StepReserve, saga.After, killed),
			want: paidAfter(apperr.Unavailable, order.Placed, payment.StatusAuthorized)},
		{name: "crash after reserve, client retries", card: cardsim.TokenVisa, fault: tr(order.StepReserve, saga.After, killed),
			want: func() want {
				w := paidAfter(apperr.Unavailable, order.Placed, payment.StatusAuthorized)
				w.retryCompletes = true
				return w
			}()},
		{name: "crash before capture", card: cardsim.TokenVisa, fault: tr(order.StepCapture, saga.Before, killed),
			want: paidAfter(apperr.Unavailable, order.Placed, payment.StatusAuthorized)},
		{name: "crash after capture", card: cardsim.TokenVisa, fault: tr(order.StepCapture, saga.After, killed),
			want: paidAfter(apperr.Unavailable, order.Placed, payment.StatusCaptured)},
		{name: "crash after capture, client retries", card: cardsim.TokenVisa, fault: tr(order.StepCapture, saga.After, killed),
			want: func() want {
				w := paidAfter(apperr.Unavailable, order.Placed, payment.StatusCaptured)
				w.retryCompletes = true
				return w
			}()},
		{name: "crash before pay", card: cardsim.TokenVisa, fault: tr(order.StepPay, saga.Before, killed),
			want: paidAfter(apperr.Unavailable, order.Placed, payment.StatusCaptured)},
		{name: "crash after pay", card: cardsim.TokenVisa, fault: tr(order.StepPay, saga.After, killed),
			want: func() want {
				w := paidAfter(apperr.Unavailable, order.Paid, payment.StatusCaptured)
				w.retryCompletes = true
				return w
			}()},
		{name: "crash after marking cancelling", card: cardsim.TokenCaptureFails, fault: tr(order.StepMarkCancelling, saga.After, killed),
			want: want{code: apperr.Unavailable, status: order.Placed, charge: payment.StatusAuthorized, statusAfter: order.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "crash after refund before cancel", card: cardsim.TokenCaptureFails, fault: tr(order.StepRefund, saga.After, killed),
			want: want{code: apperr.Unavailable, status: order.Placed, charge: payment.StatusVoided, statusAfter: order.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "crash before cancel", card: cardsim.TokenCaptureFails, fault: tr(order.StepCancel, saga.Before, killed),
			want: want{code: apperr.Unavailable, status: order.Placed, charge: payment.StatusVoided, statusAfter: order.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "refund refused", card: cardsim.TokenCaptureFails, fault: tr(order.StepRefund, saga.Before, apperr.New(apperr.PaymentDeclined, "refund refused")),
			want: want{code: apperr.Unavailable, status: order.Placed, charge: payment.StatusAuthorized, statusAfter: order.Cancelled, chargeAfter: payment.StatusVoided}},
		{name: "cancelOrder killed after refund", card: cardsim.TokenVisa,
			want:   paidAfter("", order.Paid, payment.StatusCaptured),
			cancel: true, cFault: tr(order.StepRefund, saga.After, killed),
			cancelW: want{code: apperr.Unavailable, status: order.Paid, charge: payment.StatusRefunded, statusAfter: order.Cancelled, chargeAfter: payment.StatusRefunded}},
		{name: "cancelOrder", card: cardsim.TokenVisa,
			want:    paidAfter("", order.Paid, payment.StatusCaptured),
			cancel:  true,
			cancelW: want{status: order.Cancelled, charge: payment.StatusRefunded, statusAfter: order.Cancelled, chargeAfter: payment.StatusRefunded}},
	}
	const initial, qty, price = 3, 2, 1500
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			var (
				mu      sync.Mutex
				active  []*orderTrigger
				failFor atomic.Value
				clk     clock
			)
			hook := func(ctx context.Context, o *order.Order, step saga.Step, phase saga.Phase) error {
				mu.Lock()
				list := append([]*orderTrigger(nil), active...)
				mu.Unlock()
				for _, tr := range list {
					if err := tr.hook(ctx, o, step, phase); err != nil {
						return err
					}
				}
				return nil
			}
			e := newEnvWith(t, b, app.Options{
				OrderHook: hook, Now: clk.now, BookingRecoverAfter: time.Nanosecond,
				API: func(api dynamo.API) dynamo.API { return failingAPI{API: api, match: isPayment(&failFor)} },
			})
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					ctx := context.Background()
					p := newProduct(t, e, price, initial)
					cu := newCustomer(t, e)
					token := hold(t, e, cu, qty*price, c.card)
					mu.Lock()
					active = nil
					if c.fault != nil {
						c.fault.arm(cu.sub)
						active = append(active, c.fault)
					}
					mu.Unlock()
					if c.failTx {
						failFor.Store(cu.sub)
					}
					o, out := place(t, e, cu, token, line{p.ID, qty})
					failFor.Store("")
					if c.want.code == "" {
						require.Nil(t, out["errors"], "%v", out)
					} else {
						requireCode(t, out, string(c.want.code))
					}
					id := ""
					if o != nil {
						id = o.ID
					} else {
						oid, err := e.app.Store.Orders().ByPaymentToken(ctx, cu.sub, token)
						if c.want.noOrder {
							require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "no order may exist")
						} else {
							require.NoError(t, err)
							id = oid
						}
					}
					check := func(w want, after bool) {
						t.Helper()
						st, ch := w.status, w.charge
						if after {
							st, ch = w.statusAfter, w.chargeAfter
						}
						require.Equal(t, ch, chargeStatus(t, e, cu, token), "charge (after sweep: %v)", after)
						stock, held := stockOf(t, e, p.ID)
						if w.noOrder {
							require.Equal(t, []int{initial, 0}, []int{stock, held})
							return
						}
						so, err := e.app.Store.Orders().Get(ctx, id)
						require.NoError(t, err)
						require.Equal(t, st, so.Status, "order (after sweep: %v)", after)
						taken := qty
						if so.Status == order.Cancelled {
							taken = 0
						}
						require.Equal(t, []int{initial - taken, taken}, []int{stock, held}, "stock, held (after sweep: %v)", after)
						if so.Status == order.Cancelled && so.FailureCode != "" {
							require.NotEmpty(t, so.FailureMessage)
						}
					}
					check(c.want, false)
					if c.want.retryCompletes {
						ro, out := place(t, e, cu, token, line{p.ID, qty})
						require.Nil(t, out["errors"], "%v", out)
						require.Equal(t, id, ro.ID)
						require.Equal(t, "PAID", ro.Status)
					}
					if c.want.pendingLater {
						rep, err := e.app.Orders.Recover(ctx)
						require.Error(t, err, "the processor is still down")
						require.Positive(t, rep.Failed)
						check(c.want, false)
						clk.advance(2 * time.Hour)
						defer clk.advance(-2 * time.Hour)
					}
					// The scheduled job (the EventBridge "booking-recovery" rule) sweeps orders too.
					require.NoError(t, e.app.RecoverBookings(ctx))
					check(c.want, true)

					if c.cancel {
						mu.Lock()
						if c.cFault != nil {
							c.cFault.arm(cu.sub)
							active = append(active, c.cFault)
						}
						mu.Unlock()
						_, out := e.raw(t, `mutation($id: ID!) { cancelOrder(id: $id) { id status } }`, map[string]any{"id": id}, "Authorization", cu.token)
						if c.cancelW.code == "" {
							require.Nil(t, out["errors"], "%v", out)
							require.Equal(t, "CANCELLED", gqlData(t, out, "cancelOrder")["status"])
						} else {
							requireCode(t, out, string(c.cancelW.code))
						}
						check(c.cancelW, false)
						require.NoError(t, e.app.RecoverBookings(ctx))
						check(c.cancelW, true)
					}
				})
			}
			requireOrderInvariants(t, e)
		})
	}
}
