package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/skygraph/skygraph/domain/flight"
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

// Key prefixes of the booking saga's items (package booking).
const (
	bookingPrefix        = "BOOKING#"
	bookingSK            = "BOOKING"
	customerPrefix       = "CUSTOMER#"
	bookingStatusPrefix  = "BOOKING#"
	bookingsGSI2PK       = "BOOKINGS"
	bookingGuardPrefix   = "BOOKING_GUARD#"
	bookingGuardSK       = "BOOKING_GUARD"
	bookingPendingPrefix = "BOOKING_PENDING#"
	// bookingPendingShards is how many partitions the pending markers are spread over.
	bookingPendingShards   = 16
	entityBooking          = "Booking"
	entityBookingGuard     = "BookingGuard"
	entityBookingPending   = "BookingPending"
	loyaltyPrefix          = "LOYALTY#"
	loyaltyTotalSK         = "TOTAL"
	loyaltyEntryPrefix     = "ENTRY#"
	entityLoyaltyTotal     = "LoyaltyTotal"
	entityLoyaltyEntry     = "LoyaltyEntry"
	bookingStatusSeparator = keySep
)

// bookingKeys are the key formats of the booking saga's items:
//
//	booking  PK BOOKING#<id>                     SK BOOKING
//	         GSI1PK CUSTOMER#<customer>          GSI1SK BOOKING#<status>#<id>
//	         GSI2PK BOOKINGS                     GSI2SK <id>
//	guard    PK BOOKING_GUARD#<hex SHA-256>      SK BOOKING_GUARD     (holds the booking id)
//	pending  PK BOOKING_PENDING#<shard 00..15>   SK <booking id>      (holds since)
//
// GSI1 is getBookingByStatus: one customer's bookings ordered by status, then by id (ids
// are UUIDv7, so by age); a status key condition becomes a condition on the sort key
// (booking_by_customer.go). GSI2 is an Admin's listBookings in id order; its keys never
// change after the reservation, so status changes never write to its single partition.
//
// The guard makes (customer, paymentToken) unique, which is processBooking's idempotency
// key: it is put in the reservation's transaction, conditional on not existing, and read
// strongly consistently, so no index is involved. Its key is the hash of the pair (NUL
// separated, so no two pairs collide), so arbitrary token text never reaches a key.
//
// A pending marker exists while a booking's saga is unfinished; the recovery sweep reads
// them with one Query per shard. The shard is fnv32a(id) mod 16, so concurrent sagas do
// not all write one partition, and the sweep needs no index or Scan.
var bookingKeys = struct {
	PK        func(id string) string
	SK        string
	GSI1PK    func(customer string) string
	GSI1SK    func(status, id string) string
	GSI2PK    string
	GSI2SK    func(id string) string
	GuardPK   func(customer, paymentToken string) string
	GuardSK   string
	PendingPK func(shard int) string
	Shard     func(id string) int
	PendingSK func(id string) string
}{
	PK:     func(id string) string { return bookingPrefix + id },
	SK:     bookingSK,
	GSI1PK: func(customer string) string { return customerPrefix + customer },
	GSI1SK: func(status, id string) string {
		return bookingStatusPrefix + status + bookingStatusSeparator + id
	},
	GSI2PK: bookingsGSI2PK,
	GSI2SK: func(id string) string { return id },
	GuardPK: func(customer, paymentToken string) string {
		sum := sha256.Sum256([]byte(customer + "\x00" + paymentToken))
		return bookingGuardPrefix + hex.EncodeToString(sum[:])
	},
	GuardSK:   bookingGuardSK,
	PendingPK: func(shard int) string { return fmt.Sprintf("%s%02d", bookingPendingPrefix, shard) },
	Shard: func(id string) int {
		h := fnv.New32a()
		_, _ = h.Write([]byte(id))
		return int(h.Sum32() % bookingPendingShards)
	},
	PendingSK: func(id string) string { return id },
}

// loyaltyKeys are the key formats of the loyalty ledger:
//
//	total  PK LOYALTY#<customer>  SK TOTAL                (points)
//	entry  PK LOYALTY#<customer>  SK ENTRY#<booking id>   (points, ACTIVE or REVOKED)
//
// Both live in the customer's partition: getLoyalty is one strongly consistent GetItem of
// the total, and the history is one Query on the ENTRY# prefix, newest booking first
// (booking ids are time-ordered UUIDv7). An entry is keyed by its booking, so the
// confirmation's put, conditional on not existing, awards points at most once.
var loyaltyKeys = struct {
	PK          func(customer string) string
	TotalSK     string
	EntrySK     func(bookingID string) string
	EntryPrefix string
}{
	PK:          func(customer string) string { return loyaltyPrefix + customer },
	TotalSK:     loyaltyTotalSK,
	EntrySK:     func(bookingID string) string { return loyaltyEntryPrefix + bookingID },
	EntryPrefix: loyaltyEntryPrefix,
}

// Key prefixes of restaurant waitlists (package waitlist).
const (
	waitlistPrefix         = "WAITLIST#"
	waitlistSK             = "WAITLIST"
	waitlistOwnerPrefix    = "WAITLIST_OWNER#"
	waitlistsGSI2PK        = "WAITLISTS"
	waitlistOpen           = "OPEN#"
	waitlistClosed         = "CLOSED#"
	waitlistPlacePrefix    = "PLACE#"
	waitlistGuardPrefix    = "CUSTOMER#"
	waitlistEntryPrefix    = "WAITLIST_ENTRY#"
	waitlistEntrySK        = "ENTRY"
	waitlistEntriesPrefix  = "WAITLIST_ENTRIES#"
	waitlistCustomerPrefix = "WAITLIST_CUSTOMER#"
	waitlistDuePrefix      = "WAITLIST_DUE#"
	// waitlistDueShards is how many partitions the due markers are spread over.
	waitlistDueShards     = 16
	entityWaitlist        = "Waitlist"
	entityWaitlistPlace   = "WaitlistPlace"
	entityWaitlistGuard   = "WaitlistGuard"
	entityWaitlistEntry   = "WaitlistEntry"
	entityWaitlistDue     = "WaitlistDue"
	waitlistSeqWidth      = 19
	waitlistDueTimeLayout = "2006-01-02T15:04:05.000000000Z"
)

// waitlistKeys are the key formats of restaurant waitlists:
//
//	waitlist PK WAITLIST#<id>                  SK WAITLIST          (seq counter)
//	         GSI1PK WAITLIST_OWNER#<owner>     GSI1SK <lower name>#<id>
//	         GSI2PK WAITLISTS                  GSI2SK OPEN#|CLOSED#<lower name>#<id>
//	place    PK WAITLIST#<id>                  SK PLACE#<seq, 19 digits>      (while in line)
//	guard    PK WAITLIST#<id>                  SK CUSTOMER#<hex SHA-256>      (while in line)
//	entry    PK WAITLIST_ENTRY#<id>            SK ENTRY
//	         GSI1PK WAITLIST_ENTRIES#<list id> GSI1SK <seq, 19 digits>
//	         GSI2PK WAITLIST_CUSTOMER#<sub>    GSI2SK <id>          (customers' entries only)
//	due      PK WAITLIST_DUE#<shard 00..15>    SK <dueAt, fixed-width UTC>#<entry id>
//
// A place item exists exactly while its entry is in line (WAITING or NOTIFIED), in the
// waitlist's own partition, in arrival order: position and waitingCount are one strongly
// consistent Query of that key range (keys only, expired ones filtered out), never a read
// of the entries. The guard makes "one entry in line per customer per waitlist" a
// condition of the join's transaction. Deleting a waitlist deletes its item first, and
// every entry write checks that item in the same transaction, so nothing of a deleted list
// can be claimed or notified while the cascade runs.
//
// A due marker exists exactly while an entry is WAITING with a due time (notifyAt − 15 min,
// or the end of a claim's lease); the producer reads the markers due by now with one
// Query per shard (a range on the sort key, so a missed tick is caught up), never a Scan.
// The shard is fnv32a(entry id) mod 16, so a busy evening does not write one partition.
var waitlistKeys = struct {
	PK      func(id string) string
	SK      string
	GSI1PK  func(owner string) string
	GSI1SK  func(name, id string) string
	GSI2PK  string
	GSI2SK  func(open bool, name, id string) string
	PlaceSK func(seq int64) string
	GuardSK func(customer string) string
	EntryPK func(id string) string
	EntrySK string
	// EntryGSI1PK / EntryGSI1SK list a waitlist's entries in arrival order.
	EntryGSI1PK func(waitlistID string) string
	EntryGSI1SK func(seq int64) string
	// EntryGSI2PK / EntryGSI2SK list a customer's entries by id (age).
	EntryGSI2PK func(customer string) string
	EntryGSI2SK func(id string) string
	DuePK       func(shard int) string
	DueShard    func(entryID string) int
	DueSK       func(at time.Time, entryID string) string
}{
	PK:     func(id string) string { return waitlistPrefix + id },
	SK:     waitlistSK,
	GSI1PK: func(owner string) string { return waitlistOwnerPrefix + owner },
	GSI1SK: func(name, id string) string { return strings.ToLower(name) + keySep + id },
	GSI2PK: waitlistsGSI2PK,
	GSI2SK: func(open bool, name, id string) string {
		return waitlistOpenPrefix(open) + strings.ToLower(name) + keySep + id
	},
	PlaceSK: func(seq int64) string { return fmt.Sprintf("%s%0*d", waitlistPlacePrefix, waitlistSeqWidth, seq) },
	GuardSK: func(customer string) string {
		sum := sha256.Sum256([]byte(customer))
		return waitlistGuardPrefix + hex.EncodeToString(sum[:])
	},
	EntryPK:     func(id string) string { return waitlistEntryPrefix + id },
	EntrySK:     waitlistEntrySK,
	EntryGSI1PK: func(waitlistID string) string { return waitlistEntriesPrefix + waitlistID },
	EntryGSI1SK: func(seq int64) string { return fmt.Sprintf("%0*d", waitlistSeqWidth, seq) },
	EntryGSI2PK: func(customer string) string { return waitlistCustomerPrefix + customer },
	EntryGSI2SK: func(id string) string { return id },
	DuePK:       func(shard int) string { return fmt.Sprintf("%s%02d", waitlistDuePrefix, shard) },
	DueShard: func(entryID string) int {
		h := fnv.New32a()
		_, _ = h.Write([]byte(entryID))
		return int(h.Sum32() % waitlistDueShards)
	},
	DueSK: func(at time.Time, entryID string) string {
		return at.UTC().Format(waitlistDueTimeLayout) + keySep + entryID
	},
}

func waitlistOpenPrefix(open bool) string {
	if open {
		return waitlistOpen
	}
	return waitlistClosed
}

// Key prefixes of the product catalog (package product).
const (
	productPrefix    = "PRODUCT#"
	productSK        = "PRODUCT"
	productsGSI2PK   = "PRODUCTS"
	productSKUPrefix = "PRODUCT_SKU#"
	productSKUSK     = "PRODUCT_SKU"
	entityProduct    = "Product"
	entityProductSKU = "ProductSKU"
)

// productKeys are the key formats of the catalog's items:
//
//	product    PK PRODUCT#<id>            SK PRODUCT
//	           GSI2PK PRODUCTS            GSI2SK <id>
//	sku guard  PK PRODUCT_SKU#<sku>       SK PRODUCT_SKU   (holds the product id)
//
// GSI2 (keys only) is listProducts in id order (UUIDv7: creation order); stock changes
// on every order and never touches it. The guard makes the (upper-cased) SKU unique: it is
// put, moved or deleted in the same transaction as the product.
var productKeys = struct {
	PK     func(id string) string
	SK     string
	GSI2PK string
	GSI2SK func(id string) string
	SKUPK  func(sku string) string
	SKUSK  string
}{
	PK:     func(id string) string { return productPrefix + id },
	SK:     productSK,
	GSI2PK: productsGSI2PK,
	GSI2SK: func(id string) string { return id },
	SKUPK:  func(sku string) string { return productSKUPrefix + sku },
	SKUSK:  productSKUSK,
}

// Key prefixes of the order saga's items (package order).
const (
	orderPrefix        = "ORDER#"
	orderSK            = "ORDER"
	orderCustomerPK    = "ORDER_CUSTOMER#"
	ordersGSI2PK       = "ORDERS"
	orderGuardPrefix   = "ORDER_GUARD#"
	orderGuardSK       = "ORDER_GUARD"
	orderPendingPrefix = "ORDER_PENDING#"
	// orderPendingShards is how many partitions the order saga's markers are spread over.
	orderPendingShards = 16
	entityOrder        = "Order"
	entityOrderGuard   = "OrderGuard"
	entityOrderPending = "OrderPending"
)

// orderKeys are the key formats of the order saga's items:
//
//	order    PK ORDER#<id>                    SK ORDER
//	         GSI1PK ORDER_CUSTOMER#<customer> GSI1SK <id>
//	         GSI2PK ORDERS                    GSI2SK <status>#<id>
//	guard    PK ORDER_GUARD#<hex SHA-256>     SK ORDER_GUARD      (holds the order id)
//	pending  PK ORDER_PENDING#<shard 00..15>  SK <order id>       (holds since)
//
// GSI1 is the one-to-many "a customer's orders" (keyed by the customer's sub): one Query,
// newest first (ids are UUIDv7). It is not the bookings' CUSTOMER#<sub> partition, whose
// open-ended status conditions (ge, gt) would otherwise run into order keys. The order
// lines live inside the order item, so that Query returns complete orders. GSI2 (keys only) is an Admin's listing: by status
// with a begins_with on the sort key, or every order grouped by status; the key changes
// only when the status does (a few times per order), never with stock.
//
// The guard makes (customer, paymentToken) unique, placeOrder's idempotency key, as the
// booking guard does for processBooking; markers work as the booking saga's do.
var orderKeys = struct {
	PK        func(id string) string
	SK        string
	GSI1PK    func(customer string) string
	GSI1SK    func(id string) string
	GSI2PK    string
	GSI2SK    func(status, id string) string
	GuardPK   func(customer, paymentToken string) string
	GuardSK   string
	PendingPK func(shard int) string
	Shard     func(id string) int
	PendingSK func(id string) string
}{
	PK:     func(id string) string { return orderPrefix + id },
	SK:     orderSK,
	GSI1PK: func(customer string) string { return orderCustomerPK + customer },
	GSI1SK: func(id string) string { return id },
	GSI2PK: ordersGSI2PK,
	GSI2SK: func(status, id string) string { return status + keySep + id },
	GuardPK: func(customer, paymentToken string) string {
		sum := sha256.Sum256([]byte(customer + "\x00" + paymentToken))
		return orderGuardPrefix + hex.EncodeToString(sum[:])
	},
	GuardSK:   orderGuardSK,
	PendingPK: func(shard int) string { return fmt.Sprintf("%s%02d", orderPendingPrefix, shard) },
	Shard: func(id string) int {
		h := fnv.New32a()
		_, _ = h.Write([]byte(id))
		return int(h.Sum32() % orderPendingShards)
	},
	PendingSK: func(id string) string { return id },
}

// Key prefixes of customer profiles (package user).
const (
	userPrefix         = "USER#"
	userSK             = "USER"
	usersGSI2PK        = "USERS"
	userEmailPrefix    = "USER_EMAIL#"
	userEmailSK        = "USER_EMAIL"
	userNamePrefix     = "USER_NAME#"
	userNameSK         = "USER_NAME"
	entityUser         = "User"
	entityUserEmail    = "UserEmail"
	entityUserUsername = "UserUsername"
	entityUserDeleted  = "UserDeleted"
)

// userKeys are the key formats of customer profiles:
//
//	profile         PK USER#<sub>                 SK USER
//	                GSI2PK USERS                  GSI2SK <sub>
//	tombstone       PK USER#<sub>                 SK USER   (_type UserDeleted, after deleteUser)
//	email guard     PK USER_EMAIL#<lower email>   SK USER_EMAIL   (holds the sub)
//	username guard  PK USER_NAME#<lower username> SK USER_NAME    (holds the sub)
//
// The guards make email and username unique (case-insensitively): they are put, moved and
// deleted in the profile's transactions, conditional on being free (or held by this sub),
// so of two concurrent claims exactly one wins. GSI2 (keys only) is listUsers.
var userKeys = struct {
	PK      func(sub string) string
	SK      string
	GSI2PK  string
	EmailPK func(email string) string
	EmailSK string
	NamePK  func(usernameKey string) string
	NameSK  string
}{
	PK:      func(sub string) string { return userPrefix + sub },
	SK:      userSK,
	GSI2PK:  usersGSI2PK,
	EmailPK: func(email string) string { return userEmailPrefix + email },
	EmailSK: userEmailSK,
	NamePK:  func(k string) string { return userNamePrefix + k },
	NameSK:  userNameSK,
}
