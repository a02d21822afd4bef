package order

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/saga"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Products is what the saga needs of the catalog (product.Service).
type Products interface {
	GetMany(ctx context.Context, ids []string) (map[string]*product.Product, error)
}

// Payments is the payment port the saga drives (payment.Service).
type Payments interface {
	Get(ctx context.Context, customer, chargeID string) (payment.Charge, error)
	Capture(ctx context.Context, customer string, in payment.CaptureInput) (payment.Charge, error)
	CaptureOwned(ctx context.Context, owned payment.Charge, in payment.CaptureInput) (payment.Charge, error)
	Refund(ctx context.Context, customer, chargeID, idempotencyKey string) (payment.Charge, error)
}

// The saga's steps, in the order they run (for the fault-injection hook).
const (
	StepReserve        saga.Step = "reserve"
	StepCapture        saga.Step = "capture"
	StepPay            saga.Step = "pay"
	StepMarkCancelling saga.Step = "mark-cancelling"
	StepRefund         saga.Step = "refund"
	StepCancel         saga.Step = "cancel"
)

// Hook is called before each saga step and after it succeeded. Returning saga.ErrKilled
// simulates a crash at that point; any other error is that step's failure. Tests only.
type Hook func(ctx context.Context, o *Order, step saga.Step, phase saga.Phase) error

// Config tunes a Service. Zero values take the defaults (as booking.Config's).
type Config struct {
	Now   func() time.Time
	NewID func() string
	Hook  Hook
	// RecoverAfter is how long a saga may be pending before the sweep takes it over
	// (default 1 minute).
	RecoverAfter time.Duration
	// GiveUpAfter is how long an unanswered capture is retried before the order is
	// compensated (default 1 hour), so stock is never held forever.
	GiveUpAfter time.Duration
	// Retries and Backoff are the in-request retries of an unknown outcome (3, 50 ms).
	Retries int
	Backoff time.Duration
}

// Service is the order use cases: placeOrder (the saga), reads with ownership,
// cancelOrder, updateOrderStatus and the recovery sweep.
type Service struct {
	repo     Repository
	products Products
	payments Payments
	cfg      Config
	runs     saga.Runs // sagas in flight (see Wait)
}

// Wait returns once no order saga (placeOrder, cancelOrder) is running, or when ctx ends:
// App.Close waits here before it closes the store (see saga.Runs).
func (s *Service) Wait(ctx context.Context) error { return s.runs.Wait(ctx) }

// NewService returns a Service.
func NewService(repo Repository, products Products, payments Payments, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	if cfg.RecoverAfter <= 0 {
		cfg.RecoverAfter = time.Minute
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = time.Hour
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 50 * time.Millisecond
	}
	return &Service{repo: repo, products: products, payments: payments, cfg: cfg}
}

// Caller is who asks: the signed-in user's id (Cognito sub) and whether they are an Admin.
type Caller struct {
	ID    string
	Admin bool
}

func (c Caller) owns(o *Order) bool { return c.Admin || (c.ID != "" && c.ID == o.Customer) }

// LineInput is one requested line: a product and how many.
type LineInput struct {
	ProductID string
	Quantity  int
}

// PlaceInput is placeOrder's input. Prices never come from the client.
type PlaceInput struct {
	Items        []*LineInput
	PaymentToken string
}

// Place is placeOrder: it prices in.Items from the catalog, reserves their stock, captures
// exactly the total from the caller's charge in.PaymentToken and returns the order PAID,
// or an error after any reserved stock was released and any capture refunded.
//
// Every invalid line is reported at once (one BadRequest naming each, or OutOfStock when
// only stock is short) and nothing is stored then. All lines must be in one currency, the
// charge's. A retry with the same paymentToken (concurrent, or after a crash) returns the
// same order and carries on whatever the first call did not finish; it never reserves or
// captures twice. An outcome that stays unknown is Unavailable, and the order stays
// PLACED until a retry or the recovery sweep finishes it.
func (s *Service) Place(ctx context.Context, c Caller, in PlaceInput) (*Order, error) {
	ctx, cancel := s.runs.Detach(ctx, 0)
	defer cancel()
	if c.ID == "" {
		return nil, apperr.New(apperr.Unauthorized, "sign in to place an order")
	}
	if !payment.ValidChargeID(in.PaymentToken) {
		return nil, apperr.New(apperr.BadRequest, "paymentToken: must be a paymentToken (ch_…) from authorizePayment")
	}
	if len(in.Items) == 0 || len(in.Items) > MaxLines {
		return nil, apperr.New(apperr.BadRequest, "items: an order has 1-%d lines", MaxLines)
	}
	// Malformed lines are reported together with the catalog's verdict on the others.
	problems, bad := lineProblems(in.Items)
	var ids []string
	for i, l := range in.Items {
		if !bad[i] {
			ids = append(ids, l.ProductID)
		}
	}
	var (
		wg           sync.WaitGroup
		ch           payment.Charge
		products     map[string]*product.Product
		chErr, prErr error
	)
	wg.Add(2)
	go func() { defer wg.Done(); ch, chErr = s.payments.Get(ctx, c.ID, in.PaymentToken) }()
	go func() { defer wg.Done(); products, prErr = s.products.GetMany(ctx, ids) }()
	wg.Wait()
	if chErr != nil {
		return nil, chErr
	}
	if prErr != nil {
		return nil, prErr
	}

	o, refusal := price(in.Items, products, problems, bad)
	if refusal == nil {
		refusal = ch.CheckCapturable(int64(o.Total), o.Currency)
	}
	if refusal != nil {
		// A used token, or stock that is gone, may be this very order retried.
		id, err := s.repo.ByPaymentToken(ctx, c.ID, in.PaymentToken)
		switch {
		case err == nil:
			return s.resume(ctx, id, o, &ch)
		case !apperr.Is(err, apperr.NotFound):
			return nil, err
		}
		return nil, refusal
	}

	now := s.cfg.Now()
	o.ID, o.Customer, o.PaymentToken = s.cfg.NewID(), c.ID, in.PaymentToken
	o.Status, o.Stage, o.CreatedAt, o.UpdatedAt, o.PendingSince, o.Version = Placed, saga.Reserved, now, now, now, 1
	if err := s.hook(ctx, o, StepReserve, saga.Before); err != nil {
		return nil, err
	}
	existing, err := s.repo.Reserve(ctx, o)
	if saga.Unknown(err) {
		// The transaction may have committed: if it did, this order holds the guard.
		if id, ferr := s.repo.ByPaymentToken(ctx, c.ID, in.PaymentToken); ferr == nil {
			return s.resume(ctx, id, o, &ch)
		}
	}
	if err != nil {
		return nil, err
	}
	if existing != "" {
		return s.resume(ctx, existing, o, &ch)
	}
	if err := s.hook(ctx, o, StepReserve, saga.After); err != nil {
		return nil, err
	}
	return s.finish(ctx, o, &ch)
}

// lineProblems checks the shape of every line: it returns a message per problem and the
// lines that cannot be looked up in the catalog (no id, or a product already ordered).
func lineProblems(items []*LineInput) ([]string, map[int]bool) {
	var problems []string
	bad := map[int]bool{}
	seen := map[string]int{}
	for i, l := range items {
		if l == nil {
			problems = append(problems, fmt.Sprintf("items[%d]: missing", i))
			bad[i] = true
			continue
		}
		switch {
		case product.ValidateID("productId", l.ProductID) != nil:
			problems = append(problems, fmt.Sprintf("items[%d].productId: not a product id", i))
			bad[i] = true
		case seen[l.ProductID] > 0:
			problems = append(problems, fmt.Sprintf("items[%d].productId: %s is already items[%d]; order it once with the total quantity", i, l.ProductID, seen[l.ProductID]-1))
			bad[i] = true
		default:
			seen[l.ProductID] = i + 1
		}
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			problems = append(problems, fmt.Sprintf("items[%d].quantity: must be between 1 and %d", i, MaxQuantity))
		}
	}
	return problems, bad
}

// price builds the order's lines from the catalog. Every line that cannot be sold is
// reported, at once: a missing product or a second currency is a BadRequest; when stock
// is the only problem, OutOfStock.
func price(items []*LineInput, products map[string]*product.Product, problems []string, skip map[int]bool) (*Order, error) {
	o := &Order{}
	bad := problems
	var short []string
	currencies := map[string]bool{}
	for i, l := range items {
		if skip[i] {
			continue
		}
		p, ok := products[l.ProductID]
		if !ok {
			bad = append(bad, fmt.Sprintf("items[%d].productId: product %s not found", i, l.ProductID))
			continue
		}
		currencies[p.Currency] = true
		if l.Quantity >= 1 && p.Stock < l.Quantity {
			short = append(short, fmt.Sprintf("items[%d]: %s has %d left, %d asked", i, p.SKU, p.Stock, l.Quantity))
		}
		o.Lines = append(o.Lines, Line{ProductID: p.ID, Quantity: l.Quantity, UnitPrice: p.Price, LineTotal: p.Price * l.Quantity})
		o.Currency = p.Currency
		o.Subtotal += p.Price * l.Quantity
	}
	if len(currencies) > 1 {
		cs := make([]string, 0, len(currencies))
		for c := range currencies {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		bad = append(bad, fmt.Sprintf("items: an order is paid in one currency, these lines are in %s", strings.Join(cs, ", ")))
	}
	o.Total = o.Subtotal
	if len(bad) == 0 && o.Total > payment.MaxAmount {
		bad = append(bad, fmt.Sprintf("items: the total %d exceeds the largest payment (%d)", o.Total, payment.MaxAmount))
	}
	switch {
	case len(bad) > 0:
		all := append(bad, short...)
		sort.SliceStable(all, func(i, j int) bool { return lineIndex(all[i]) < lineIndex(all[j]) })
		return o, apperr.New(apperr.BadRequest, "%s", strings.Join(all, "; "))
	case len(short) > 0:
		return o, apperr.New(apperr.OutOfStock, "out of stock: %s", strings.Join(short, "; "))
	}
	return o, nil
}

// lineIndex is the line a problem message is about ("items[3]…" → 3; whole-order
// problems sort last), so that the client reads them in the order of its lines.
func lineIndex(msg string) int {
	var n int
	if _, err := fmt.Sscanf(msg, "items[%d]", &n); err != nil {
		return MaxLines
	}
	return n
}

// resume answers a retried placeOrder from the order that holds its guard. asked is the
// retry's priced order: a token already used for other lines is a Conflict.
func (s *Service) resume(ctx context.Context, id string, asked *Order, charge *payment.Charge) (*Order, error) {
	o, err := s.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sameLines(o.Lines, asked.Lines) {
		return nil, apperr.New(apperr.Conflict, "paymentToken %s was already used for order %s with other items", o.PaymentToken, o.ID)
	}
	return s.finish(ctx, o, charge)
}

// sameLines compares products and quantities (prices may have changed since).
func sameLines(a, b []Line) bool {
	if len(a) != len(b) {
		return false
	}
	q := map[string]int{}
	for _, l := range a {
		q[l.ProductID] = l.Quantity
	}
	for _, l := range b {
		if q[l.ProductID] != l.Quantity {
			return false
		}
	}
	return true
}

// finish advances o and reports an order the saga cancelled as the error that cancelled it.
func (s *Service) finish(ctx context.Context, o *Order, charge *payment.Charge) (*Order, error) {
	o, err := s.advance(ctx, o, charge)
	if err != nil {
		return nil, err
	}
	if o.Status == Cancelled && o.FailureCode != "" {
		return nil, apperr.New(o.FailureCode, "%s (order %s was cancelled and its stock released)", o.FailureMessage, o.ID)
	}
	return o, nil
}

// advance carries o's saga on from its stored stage until it is DONE, or until an outcome
// is unknown (then the error is Unavailable and o stays pending). It is the booking saga's
// loop: capture, then pay; a refused step compensates; a Conflict (another process moved
// the order) re-reads and decides again.
func (s *Service) advance(ctx context.Context, o *Order, charge *payment.Charge) (*Order, error) {
	for attempt := 0; ; attempt++ {
		if attempt > s.cfg.Retries+2 {
			return nil, apperr.New(apperr.Conflict, "order %s keeps changing concurrently; retry", o.ID)
		}
		switch o.Stage {
		case saga.Done:
			return o, nil
		case saga.Cancelling:
			return s.compensate(ctx, o)
		}
		err := s.capture(ctx, o, charge)
		if err == nil {
			var out *Order
			if out, err = s.pay(ctx, o); err == nil {
				return out, nil
			}
			if saga.Killed(err) {
				return nil, err
			}
			if !apperr.Is(err, apperr.Conflict) {
				// Captured but not recorded as paid: give the money back.
				err = apperr.Wrap(err, apperr.Unavailable, "the order could not be completed and the payment was refunded; retry with a new paymentToken")
			}
		} else {
			if saga.Killed(err) {
				return nil, err
			}
			if saga.Unknown(err) {
				if s.cfg.Now().Sub(o.CreatedAt) < s.cfg.GiveUpAfter {
					return nil, apperr.Wrap(err, apperr.Unavailable,
						"the payment for order %s could not be confirmed yet; it will be completed or cancelled shortly", o.ID)
				}
				err = apperr.Wrap(err, apperr.Unavailable, "the payment could not be captured in time")
			}
		}
		if apperr.Is(err, apperr.Conflict) {
			if o, err = s.repo.Get(ctx, o.ID); err != nil {
				return nil, err
			}
			continue
		}
		out, cerr := s.startCompensation(ctx, o, err)
		if apperr.Is(cerr, apperr.Conflict) {
			if o, err = s.repo.Get(ctx, o.ID); err != nil {
				return nil, err
			}
			continue
		}
		if cerr != nil {
			return nil, apperr.Wrap(errors.Join(err, cerr), apperr.Unavailable,
				"order %s could not be completed yet; it will be completed or cancelled shortly", o.ID)
		}
		return out, nil
	}
}

// capture takes exactly the order's total from its charge, idempotently on the order id.
func (s *Service) capture(ctx context.Context, o *Order, charge *payment.Charge) error {
	if err := s.hook(ctx, o, StepCapture, saga.Before); err != nil {
		return err
	}
	in := payment.CaptureInput{ChargeID: o.PaymentToken, Amount: int64(o.Total), Currency: o.Currency, IdempotencyKey: "order-capture-" + o.ID}
	err := s.retrier().Do(ctx, func() error {
		var err error
		if charge != nil && charge.ID == o.PaymentToken && charge.Customer == o.Customer {
			_, err = s.payments.CaptureOwned(ctx, *charge, in)
		} else {
			_, err = s.payments.Capture(ctx, o.Customer, in)
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.hook(ctx, o, StepCapture, saga.After)
}

// pay records the capture: PAID, DONE, marker gone. An unknown outcome is resolved by
// reading the order back before trying again.
func (s *Service) pay(ctx context.Context, o *Order) (*Order, error) {
	if err := s.hook(ctx, o, StepPay, saga.Before); err != nil {
		return nil, err
	}
	var out *Order
	err := s.retrier().Do(ctx, func() error {
		var err error
		out, err = s.repo.MarkPaid(ctx, o, s.cfg.Now())
		if saga.Unknown(err) {
			if cur, gerr := s.repo.Get(ctx, o.ID); gerr == nil && cur.Version != o.Version {
				return apperr.New(apperr.Conflict, "order %s changed", o.ID)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.hook(ctx, out, StepPay, saga.After); err != nil {
		return nil, err
	}
	return out, nil
}

// startCompensation stores CANCELLING with the cause, then compensates.
func (s *Service) startCompensation(ctx context.Context, o *Order, cause error) (*Order, error) {
	code, msg := saga.Failure(cause, "the order failed")
	if err := s.hook(ctx, o, StepMarkCancelling, saga.Before); err != nil {
		return nil, err
	}
	marked, err := s.repo.MarkCancelling(ctx, o, code, msg, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := s.hook(ctx, marked, StepMarkCancelling, saga.After); err != nil {
		return nil, err
	}
	return s.compensate(ctx, marked)
}

// compensate finishes a CANCELLING order: refund (or release the hold), then cancel and
// give the stock back in one transaction.
func (s *Service) compensate(ctx context.Context, o *Order) (*Order, error) {
	err := saga.Refund(ctx, s.retrier(), s.payments, o.Customer, o.PaymentToken, "order-refund-"+o.ID, func() error {
		return s.hook(ctx, o, StepRefund, saga.Before)
	})
	if err != nil {
		if saga.Killed(err) {
			return nil, err
		}
		return nil, apperr.Wrap(err, apperr.Unavailable, "the refund for order %s is pending and will be retried automatically", o.ID)
	}
	if err := s.hook(ctx, o, StepRefund, saga.After); err != nil {
		return nil, err
	}
	if err := s.hook(ctx, o, StepCancel, saga.Before); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		var out *Order
		err := s.retrier().Do(ctx, func() error {
			var err error
			out, err = s.repo.Cancel(ctx, o, s.cfg.Now())
			return err
		})
		if apperr.Is(err, apperr.Conflict) && attempt < s.cfg.Retries {
			cur, gerr := s.repo.Get(ctx, o.ID)
			if gerr != nil {
				return nil, gerr
			}
			if cur.Stage != saga.Cancelling {
				return cur, nil // another process finished it
			}
			o = cur
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := s.hook(ctx, out, StepCancel, saga.After); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// Get is getOrder: the order if the caller may see it. Another customer's order is
// NotFound, the same as a missing one, so order ids cannot be probed.
func (s *Service) Get(ctx context.Context, c Caller, id string) (*Order, error) {
	return s.GetWith(ctx, c, id, s.repo.Get)
}

// GetWith is Get reading the order with read: the operation's order loader, so that
// getOrder aliased several times in one query is one batch read (GetMany), not one read
// per alias. The id is checked first and the caller's ownership after the read, as in Get.
func (s *Service) GetWith(ctx context.Context, c Caller, id string, read func(ctx context.Context, id string) (*Order, error)) (*Order, error) {
	if err := product.ValidateID("id", id); err != nil {
		return nil, err
	}
	o, err := read(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.owns(o) {
		return nil, notFound(id)
	}
	return o, nil
}

// GetMany reads orders by id for the order loader, and returns those c owns (others are
// absent: NotFound, as in Get). A caller who is not signed in reads nothing: the batch is
// started before the authorization policy refuses the fields, and must not let an
// anonymous query make the store read orders. Ids that are not valid order ids are left
// out, so one malformed alias cannot fail the batch of the others.
func (s *Service) GetMany(ctx context.Context, c Caller, ids []string) (map[string]*Order, error) {
	out := map[string]*Order{}
	if c.ID == "" && !c.Admin {
		return out, nil
	}
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if product.ValidateID("id", id) == nil {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return out, nil
	}
	got, err := s.repo.GetMany(ctx, valid)
	if err != nil {
		return nil, err
	}
	for id, o := range got {
		if c.owns(o) {
			out[id] = o
		}
	}
	return out, nil
}

func notFound(id string) error { return apperr.New(apperr.NotFound, "order %s not found", id) }

// ByCustomer returns a customer's orders, newest first: the caller's own, or anyone's for
// an Admin (User.orders).
func (s *Service) ByCustomer(ctx context.Context, c Caller, customer string, limit *int, nextToken *string) (Page, error) {
	if c.ID == "" {
		return Page{}, apperr.New(apperr.Unauthorized, "sign in to see orders")
	}
	if customer != c.ID && !c.Admin {
		return Page{}, apperr.New(apperr.Unauthorized, "Not Authorized to access the orders of another customer")
	}
	n, err := filter.Limit(limit, DefaultLimit, MaxLimit)
	if err != nil {
		return Page{}, err
	}
	return s.repo.ByCustomer(ctx, CustomerQuery{Customer: customer, Limit: n, NextToken: deref(nextToken)})
}

// List is listOrders: the caller's own orders newest first; for an Admin every order (by
// status through the listing index when status is given).
func (s *Service) List(ctx context.Context, c Caller, status *Status, limit *int, nextToken *string) (Page, error) {
	if !c.Admin {
		if status != nil {
			return Page{}, apperr.New(apperr.BadRequest, "status: only Admin lists orders by status")
		}
		return s.ByCustomer(ctx, c, c.ID, limit, nextToken)
	}
	n, err := filter.Limit(limit, DefaultLimit, MaxLimit)
	if err != nil {
		return Page{}, err
	}
	return s.repo.List(ctx, ListQuery{Status: status, Limit: n, NextToken: deref(nextToken)})
}

// Cancel is cancelOrder: the owner while PLACED or PAID, an Admin while not terminal.
// The payment is refunded (or its hold released), the stock given back and the order
// CANCELLED, in the saga's compensation order. Cancelling a cancelled order returns it.
func (s *Service) Cancel(ctx context.Context, c Caller, id string) (*Order, error) {
	ctx, cancel := s.runs.Detach(ctx, 0)
	defer cancel()
	for attempt := 0; ; attempt++ {
		o, err := s.Get(ctx, c, id)
		if err != nil {
			return nil, err
		}
		switch {
		case o.Status == Cancelled:
			return o, nil
		case o.Stage == saga.Cancelling:
			return s.compensate(ctx, o)
		case o.Status == Delivered:
			return nil, apperr.New(apperr.BadRequest, "order %s is DELIVERED and can no longer be cancelled", id)
		case !c.Admin && o.Status != Placed && o.Status != Paid:
			return nil, apperr.New(apperr.BadRequest, "order %s is %s: ask an Admin to cancel it", id, o.Status)
		}
		if err := s.hook(ctx, o, StepMarkCancelling, saga.Before); err != nil {
			return nil, err
		}
		marked, err := s.repo.MarkCancelling(ctx, o, "", "", s.cfg.Now())
		if apperr.Is(err, apperr.Conflict) && attempt < s.cfg.Retries {
			continue // the saga or another cancel moved it: decide again on what is stored
		}
		if err != nil {
			return nil, err
		}
		if err := s.hook(ctx, marked, StepMarkCancelling, saga.After); err != nil {
			return nil, err
		}
		return s.compensate(ctx, marked)
	}
}

// UpdateStatus is updateOrderStatus (Admin): a compare-and-set from expected to status.
// Only PAID → SHIPPED → DELIVERED move forward; CANCELLED runs the cancellation (refund,
// stock back); terminal orders never change. When the stored status is not expected (two
// Admins raced, or the saga moved on) it is a Conflict and nothing changes.
func (s *Service) UpdateStatus(ctx context.Context, c Caller, id string, status, expected Status) (*Order, error) {
	if !c.Admin {
		return nil, apperr.New(apperr.Unauthorized, "only Admin changes an order's status")
	}
	o, err := s.Get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Status != expected:
		return nil, apperr.New(apperr.Conflict, "order %s is %s, not %s", id, o.Status, expected)
	case o.Status.Terminal():
		return nil, apperr.New(apperr.BadRequest, "order %s is %s, which is final", id, o.Status)
	case o.Stage != saga.Done:
		return nil, apperr.New(apperr.Conflict, "order %s is being processed; retry shortly", id)
	case status == Cancelled:
		return s.cancelAt(ctx, c, o)
	case next[o.Status] != status:
		return nil, apperr.New(apperr.BadRequest, "order %s cannot go from %s to %s", id, o.Status, status)
	}
	return s.repo.SetStatus(ctx, o, status, s.cfg.Now())
}

// cancelAt cancels o as read, failing with Conflict when it changed meanwhile (the
// compare-and-set of UpdateStatus).
func (s *Service) cancelAt(ctx context.Context, c Caller, o *Order) (*Order, error) {
	ctx, cancel := s.runs.Detach(ctx, 0)
	defer cancel()
	if err := s.hook(ctx, o, StepMarkCancelling, saga.Before); err != nil {
		return nil, err
	}
	marked, err := s.repo.MarkCancelling(ctx, o, "", "", s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := s.hook(ctx, marked, StepMarkCancelling, saga.After); err != nil {
		return nil, err
	}
	return s.compensate(ctx, marked)
}

// RecoveryReport is what one order recovery sweep did (saga.Report).
type RecoveryReport = saga.Report

// Recover is the order saga's recovery sweep (saga.Sweep): every order pending for longer
// than Config.RecoverAfter is completed when its payment can be captured and compensated
// otherwise. Idempotent; safe next to live requests and other sweeps.
func (s *Service) Recover(ctx context.Context) (RecoveryReport, error) {
	pending, err := s.repo.Pending(ctx, saga.SweepBatch)
	if err != nil {
		return RecoveryReport{}, err
	}
	return saga.Sweep(ctx, pending, s.cfg.Now().Add(-s.cfg.RecoverAfter), func(ctx context.Context, id string) (saga.Outcome, error) {
		o, err := s.repo.Get(ctx, id)
		if apperr.Is(err, apperr.NotFound) {
			return saga.Nothing, s.repo.DeletePending(ctx, id)
		}
		if err != nil {
			return saga.Nothing, err
		}
		if o.Stage == saga.Done {
			return saga.Nothing, s.repo.DeletePending(ctx, id)
		}
		out, err := s.advance(ctx, o, nil)
		switch {
		case err != nil:
			return saga.Nothing, apperr.Wrap(err, apperr.CodeOf(err), "order %s", id)
		case out.Status == Cancelled:
			return saga.Compensated, nil
		}
		return saga.Completed, nil
	})
}

func (s *Service) retrier() saga.Retrier {
	return saga.Retrier{Retries: s.cfg.Retries, Backoff: s.cfg.Backoff}
}

// hook runs the fault-injection hook, turning saga.ErrKilled into the error a client of a
// dead process would see.
func (s *Service) hook(ctx context.Context, o *Order, step saga.Step, phase saga.Phase) error {
	if s.cfg.Hook == nil {
		return nil
	}
	err := s.cfg.Hook(ctx, o, step, phase)
	if saga.Killed(err) {
		return apperr.Wrap(err, apperr.Unavailable, "the order could not be completed now; it will be completed or cancelled shortly")
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
