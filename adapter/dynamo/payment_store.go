package dynamo

import "github.com/skygraph/skygraph/adapter/cardsim"

// ChargeStore is cardsim.ChargeStore on the single table: the simulated card processor's
// charges and its authorisation idempotency records (key formats in keys.go, chargeKeys).
// Every state change of a charge is one UpdateItem conditional on the charge's status, so
// a charge is captured at most once and refunded at most once whatever runs concurrently.
// Its methods live in one file per access pattern (payment_create.go, payment_get.go, …).
type ChargeStore struct{ s *Store }

var _ cardsim.ChargeStore = (*ChargeStore)(nil)

// Charges returns the simulated card processor's charge store.
func (s *Store) Charges() *ChargeStore { return &ChargeStore{s: s} }
