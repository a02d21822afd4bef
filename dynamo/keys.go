package dynamo

import (
	"strings"

	"github.com/skygraph/skygraph/flight"
)

// Attribute and index names of the single table. The CDK app (cdk/) declares the same
// names; a test compares them.
const (
	AttrPK     = "PK"
	AttrSK     = "SK"
	AttrGSI1PK = "GSI1PK"
	AttrGSI1SK = "GSI1SK"
	AttrGSI2PK = "GSI2PK"
	AttrGSI2SK = "GSI2SK"
	// AttrType names the entity an item holds ("Flight"), for operators reading the table.
	AttrType = "_type"
	// AttrTTL is the table's time-to-live attribute (epoch seconds).
	AttrTTL = "expiresAt"

	// IndexGSI1 serves the per-owner/per-route queries (flight search). Projection ALL, so
	// a search is one Query.
	IndexGSI1 = "GSI1"
	// IndexGSI2 serves whole-collection listings (listFlights) in a stable order.
	// Projection KEYS_ONLY: hot attributes such as seatCapacity change on every booking,
	// and with KEYS_ONLY those writes never touch this index's single partition.
	IndexGSI2 = "GSI2"
)

// Key prefixes. Every item's PK starts with its entity's prefix, so entities never collide.
const (
	flightPrefix  = "FLIGHT#"
	flightSK      = "FLIGHT"
	routePrefix   = "ROUTE#"
	flightsGSI2PK = "FLIGHTS"
	keySep        = "#"
	entityFlight  = "Flight"
)

// flightKeys are the key formats of a flight item:
//
//	PK     FLIGHT#<id>                  SK     FLIGHT
//	GSI1PK ROUTE#<departureAirportCode> GSI1SK <arrivalAirportCode>#<departureDate>
//	GSI2PK FLIGHTS                      GSI2SK <departureDate>#<id>
//
// GSI1 is the sample's ByDepartureSchedule index: the composite sort key joins its parts
// with '#' as Amplify does, and departureDate (fixed-width UTC) sorts in time order.
var flightKeys = struct {
	PK     func(id string) string
	SK     string
	GSI1PK func(departure string) string
	GSI1SK func(arrival, date string) string
	GSI2PK string
	GSI2SK func(date, id string) string
}{
	PK:     func(id string) string { return flightPrefix + id },
	SK:     flightSK,
	GSI1PK: func(departure string) string { return routePrefix + departure },
	GSI1SK: func(arrival, date string) string { return arrival + keySep + date },
	GSI2PK: flightsGSI2PK,
	GSI2SK: func(date, id string) string { return date + keySep + id },
}

// scheduleSortKey renders a (possibly partial) composite key the way Amplify does: the
// parts that are present, in order, joined with '#'. A bare arrival code used as a prefix
// gets the separator so that "MAD" cannot match a longer code.
func scheduleSortKey(k flight.ScheduleKey, prefix bool) string {
	parts := []string{*k.ArrivalAirportCode}
	if k.DepartureDate != nil {
		parts = append(parts, *k.DepartureDate)
	} else if prefix {
		parts = append(parts, "")
	}
	return strings.Join(parts, keySep)
}

// Key prefixes of the local identity provider's accounts (package localidp).
const (
	accountPrefix      = "ACCOUNT#"
	accountSK          = "ACCOUNT"
	accountGroupPrefix = "GROUP#"
	accountEmailPrefix = "ACCOUNT_EMAIL#"
	accountEmailSK     = "ACCOUNT_EMAIL"
	refreshTokenPrefix = "REFRESH_TOKEN#"
	refreshTokenSK     = "REFRESH_TOKEN"
	entityAccount      = "Account"
	entityAccountEmail = "AccountEmail"
	entityAccountGroup = "AccountGroup"
	entityRefreshToken = "RefreshToken"
)

// accountKeys are the key formats of the local identity provider's items:
//
//	account        PK ACCOUNT#<sub>                     SK ACCOUNT
//	membership     PK ACCOUNT#<sub>                     SK GROUP#<group>
//	email guard    PK ACCOUNT_EMAIL#<lower-cased email> SK ACCOUNT_EMAIL  (holds the sub)
//	refresh token  PK REFRESH_TOKEN#<hex SHA-256>       SK REFRESH_TOKEN  (TTL expiresAt)
//
// The email guard makes the email unique: it is put together with the account in one
// transaction, conditional on neither existing. Sign-in reads it (strongly consistent)
// to find the sub, so no index is involved and a new account can sign in at once. Group
// memberships are items in the account's partition, so one Query on ACCOUNT#<sub> reads
// the account with its groups, and a membership changes with one item write (no
// read-modify-write of a list, and no empty sets, which DynamoDB cannot store).
var accountKeys = struct {
	PK        func(sub string) string
	SK        string
	GroupSK   func(group string) string
	EmailPK   func(email string) string
	EmailSK   string
	RefreshPK func(hash string) string
	RefreshSK string
}{
	PK:        func(sub string) string { return accountPrefix + sub },
	SK:        accountSK,
	GroupSK:   func(group string) string { return accountGroupPrefix + group },
	EmailPK:   func(email string) string { return accountEmailPrefix + email },
	EmailSK:   accountEmailSK,
	RefreshPK: func(hash string) string { return refreshTokenPrefix + hash },
	RefreshSK: refreshTokenSK,
}

// Key prefixes of the simulated card processor's charges (package cardsim).
const (
	chargePrefix            = "CHARGE#"
	chargeSK                = "CHARGE"
	chargeIdempotencyPrefix = "CHARGE_IDEMPOTENCY#"
	chargeIdempotencySK     = "CHARGE_IDEMPOTENCY"
	entityCharge            = "Charge"
	entityChargeIdempotency = "ChargeIdempotency"
)

// chargeKeys are the key formats of the simulated card processor's items:
//
//	charge             PK CHARGE#<charge id>                SK CHARGE
//	idempotency record PK CHARGE_IDEMPOTENCY#<hex SHA-256>  SK CHARGE_IDEMPOTENCY  (TTL expiresAt)
//
// A charge is read and changed only by its id (the paymentToken), so it needs no index.
// The idempotency record of an authorisation is put with the charge in one transaction
// and names it; its key is the hash of the client's idempotency key, so arbitrary key text
// never reaches a storage key, and the table's TTL deletes it after the idempotency window.
var chargeKeys = struct {
	PK            func(id string) string
	SK            string
	IdempotencyPK func(hash string) string
	IdempotencySK string
}{
	PK:            func(id string) string { return chargePrefix + id },
	SK:            chargeSK,
	IdempotencyPK: func(hash string) string { return chargeIdempotencyPrefix + hash },
	IdempotencySK: chargeIdempotencySK,
}
