package dynamo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/adapter/dynamo/embedded"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/booking/bookingtest"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// TestBookingRepositoryContract runs the contract on every backend. Its cases run in
// parallel, each on its own table; on the embedded backend each also gets its own minidyn
// server, because minidyn v0.8.2 reads its table map without a lock, so creating or
// deleting one table races with requests on another.
func TestBookingRepositoryContract(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			bookingtest.Run(t, func(t *testing.T) bookingtest.Fixture {
				be := b
				if be.Mini != nil {
					srv, err := embedded.StartOpen()
					require.NoError(t, err)
					t.Cleanup(func() { _ = srv.Close() })
					be = dynamotest.Backend{Name: b.Name, Endpoint: srv.URL, Mini: srv.Mini}
				}
				s := dynamotest.NewStore(t, be, nil)
				return bookingtest.Fixture{Bookings: s.Bookings(), Loyalty: s.Loyalty(), Flights: s.Flights()}
			})
		})
	}
}

type bookingFixture struct {
	store *dynamo.Store
	scan  func() []map[string]any
}

func newBookings(t *testing.T, b dynamotest.Backend) bookingFixture {
	t.Helper()
	c := dynamotest.Client(t, b)
	table := dynamotest.NewTable(t, c)
	return bookingFixture{
		store: dynamo.NewStore(c, table, dynamotest.Tokenizer(t)),
		scan:  func() []map[string]any { return dynamotest.Items(t, c, table) },
	}
}

func itemByPK(items []map[string]any, pk string) map[string]any {
	for _, it := range items {
		if it["PK"] == pk {
			return it
		}
	}
	return nil
}

// TestBookingStoreItems pins the stored layout of a booking's life: the booking with its
// index keys, the guard under the hash of (customer, paymentToken), the pending marker in
// its shard, and the loyalty total and entry in the customer's partition. A refused
// reservation writes nothing at all.
func TestBookingStoreItems(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newBookings(t, be)
			fl := bookingtest.NewFlight(t, bookingtest.Fixture{Flights: f.store.Flights()}, 1, 1)
			b := bookingtest.NewBooking("cust-1", fl, 120)
			b.ID, b.PaymentToken = "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", "ch_token1"
			repo := f.store.Bookings()
			_, err := repo.Reserve(ctx, b)
			require.NoError(t, err)

			sum := sha256.Sum256([]byte("cust-1\x00ch_token1"))
			guardPK := "BOOKING_GUARD#" + hex.EncodeToString(sum[:])
			h := fnv.New32a()
			_, _ = h.Write([]byte(b.ID))
			pendingPK := fmt.Sprintf("BOOKING_PENDING#%02d", h.Sum32()%16)
			items := f.scan()
			require.ElementsMatch(t, []string{
				"BOOKING#" + b.ID + "|BOOKING|Booking",
				guardPK + "|BOOKING_GUARD|BookingGuard",
				pendingPK + "|" + b.ID + "|BookingPending",
				"FLIGHT#" + fl.ID + "|FLIGHT|Flight",
			}, keysOf(items))
			stored := itemByPK(items, "BOOKING#"+b.ID)
			require.Equal(t, "CUSTOMER#cust-1", stored["GSI1PK"])
			require.Equal(t, "BOOKING#UNCONFIRMED#"+b.ID, stored["GSI1SK"])
			require.Equal(t, "BOOKINGS", stored["GSI2PK"])
			require.Equal(t, b.ID, stored["GSI2SK"])
			require.Equal(t, fl.ID, stored["bookingOutboundFlightId"])
			require.Equal(t, "RESERVED", stored["stage"])
			require.Empty(t, stored["failureCode"])
			require.InDelta(t, 1, stored["version"], 0)
			require.Equal(t, b.ID, itemByPK(items, guardPK)["bookingId"])
			require.Equal(t, "cust-1", itemByPK(items, guardPK)["customer"])
			require.Equal(t, "2030-01-02T03:04:05.123456789Z", itemByPK(items, pendingPK)["since"])
			require.InDelta(t, 0, itemByPK(items, "FLIGHT#"+fl.ID)["seatCapacity"], 0)
			require.InDelta(t, 1, itemByPK(items, "FLIGHT#"+fl.ID)["version"], 0, "seats are not catalog edits")

			// Sold out: not a single item changes.
			other := bookingtest.NewBooking("cust-2", fl, 120)
			_, err = repo.Reserve(ctx, other)
			require.Equal(t, apperr.SoldOut, apperr.CodeOf(err), "%v", err)
			require.Equal(t, items, f.scan())

			c, err := repo.Confirm(ctx, b, "ABC123", bookingtest.T0)
			require.NoError(t, err)
			items = f.scan()
			require.ElementsMatch(t, []string{
				"BOOKING#" + b.ID + "|BOOKING|Booking",
				guardPK + "|BOOKING_GUARD|BookingGuard",
				"FLIGHT#" + fl.ID + "|FLIGHT|Flight",
				"LOYALTY#cust-1|ENTRY#" + b.ID + "|LoyaltyEntry",
				"LOYALTY#cust-1|TOTAL|LoyaltyTotal",
			}, keysOf(items), "the pending marker is gone")
			stored = itemByPK(items, "BOOKING#"+b.ID)
			require.Equal(t, "BOOKING#CONFIRMED#"+b.ID, stored["GSI1SK"])
			require.Empty(t, stored["pendingSince"])
			require.Equal(t, "ABC123", stored["bookingReference"])
			for _, it := range items {
				switch it["SK"] {
				case "TOTAL":
					require.InDelta(t, 120, it["points"], 0)
					require.Equal(t, "cust-1", it["customer"])
				case "ENTRY#" + b.ID:
					require.InDelta(t, 120, it["points"], 0)
					require.Equal(t, "ACTIVE", it["status"])
					require.Equal(t, b.ID, it["bookingId"])
				}
			}

			m, err := repo.MarkCancelling(ctx, c, "", "", bookingtest.T0)
			require.NoError(t, err)
			_, err = repo.Cancel(ctx, m, bookingtest.T0)
			require.NoError(t, err)
			items = f.scan()
			require.Len(t, items, 5, "cancelling keeps the entry and the total, and leaves no marker")
			require.Equal(t, "BOOKING#CANCELLED#"+b.ID, itemByPK(items, "BOOKING#"+b.ID)["GSI1SK"])
			require.InDelta(t, 1, itemByPK(items, "FLIGHT#"+fl.ID)["seatCapacity"], 0)
			for _, it := range items {
				if it["SK"] == "TOTAL" {
					require.InDelta(t, 0, it["points"], 0)
				}
			}
		})
	}
}

// TestBookingReserveStoresReservedState: whatever the caller's booking says, a new
// booking is stored UNCONFIRMED, RESERVED, at version 1.
func TestBookingReserveStoresReservedState(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			s := dynamotest.NewStore(t, be, nil)
			fl := bookingtest.NewFlight(t, bookingtest.Fixture{Flights: s.Flights()}, 1, 1)
			b := bookingtest.NewBooking("cust-1", fl, 10)
			b.Status, b.Stage, b.Version = booking.Confirmed, booking.StageDone, 7
			_, err := s.Bookings().Reserve(ctx, b)
			require.NoError(t, err)
			got, err := s.Bookings().Get(ctx, b.ID)
			require.NoError(t, err)
			require.Equal(t, booking.Unconfirmed, got.Status)
			require.Equal(t, booking.StageReserved, got.Stage)
			require.Equal(t, int64(1), got.Version)
			require.Equal(t, booking.Confirmed, b.Status, "the caller's booking is not modified")
		})
	}
}

// TestByCustomerOperandsTooLongForAKey: status operands with characters that sort around
// the key separators are clipped in the key condition and still compared exactly; an
// operand longer than any status is a BadRequest before DynamoDB sees it.
func TestByCustomerOperandsTooLongForAKey(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			s := dynamotest.NewStore(t, be, nil)
			fx := bookingtest.Fixture{Bookings: s.Bookings(), Loyalty: s.Loyalty(), Flights: s.Flights()}
			fl := bookingtest.NewFlight(t, fx, 5, 5)
			b := bookingtest.NewBooking("cust-long", fl, 10)
			_, err := s.Bookings().Reserve(ctx, b)
			require.NoError(t, err)

			long := func(prefix string, r rune) *string {
				v := prefix + strings.Repeat(string(r), 10)
				return &v
			}
			cases := []struct {
				name string
				k    filter.KeyStringInput
				want int
			}{
				{"eq", filter.KeyStringInput{Eq: long("UNCONFIRMED", 'x')}, 0},
				{"beginsWith", filter.KeyStringInput{BeginsWith: long("UNCONFIRMED", 'x')}, 0},
				{"le", filter.KeyStringInput{Le: long("UNCONFIRMED", 'é')}, 1},
				{"lt", filter.KeyStringInput{Lt: long("UNCONFIRMED", 'A')}, 1},
				{"lt below", filter.KeyStringInput{Lt: long("UNCONFIRMEC", 'Z')}, 0},
				{"ge", filter.KeyStringInput{Ge: long("UNCONFIRMEC", 'Z')}, 1},
				{"gt", filter.KeyStringInput{Gt: long("UNCONFIRMED", 'A')}, 0},
				{"gt below", filter.KeyStringInput{Gt: long("A", 'A')}, 1},
				{"between", filter.KeyStringInput{Between: []*string{long("A", 'é'), long("V", 'é')}}, 1},
			}
			huge := strings.Repeat("U", 1500)
			_, err = s.Bookings().ByCustomer(ctx, booking.CustomerQuery{Customer: "cust-long", Status: &filter.KeyStringInput{Le: &huge}, Limit: 10})
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
			for _, c := range cases {
				p, err := s.Bookings().ByCustomer(ctx, booking.CustomerQuery{Customer: "cust-long", Status: &c.k, Limit: 10})
				require.NoError(t, err, c.name)
				require.Len(t, p.Items, c.want, c.name)
			}
		})
	}
}

// TestBookingTransactionsRetryCollisions: a transaction that collides with concurrent
// ones (TransactionConflict, as DynamoDB reports when many reservations of one flight
// overlap) is retried until it gets a real answer; one that keeps colliding ends as a
// Conflict, or as Unavailable when the caller's deadline comes first.
func TestBookingTransactionsRetryCollisions(t *testing.T) {
	collided := &types.TransactionCanceledException{
		Message: aws.String("Transaction cancelled [None, TransactionConflict, None, None]"),
		CancellationReasons: []types.CancellationReason{
			{Code: aws.String("None")}, {Code: aws.String("TransactionConflict")}, {Code: aws.String("None")}, {Code: aws.String("None")},
		},
	}
	inFlight := &types.TransactionConflictException{Message: aws.String("transaction in progress")}
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			api := dynamotest.NewCounter(dynamotest.Client(t, be))
			s := dynamotest.NewStore(t, be, api)
			fx := bookingtest.Fixture{Bookings: s.Bookings(), Loyalty: s.Loyalty(), Flights: s.Flights()}
			fl := bookingtest.NewFlight(t, fx, 5, 5)

			// collide makes the next n transactions collide, alternating both forms.
			collide := func(n int) {
				var mu sync.Mutex
				left := n
				api.Fail = func(op string) error {
					mu.Lock()
					defer mu.Unlock()
					if op != "TransactWriteItems" || left == 0 {
						return nil
					}
					left--
					if left%2 == 0 {
						return collided
					}
					return inFlight
				}
				api.Reset()
			}

			collide(6)
			b := bookingtest.NewBooking("cust-retry", fl, 10)
			existing, err := s.Bookings().Reserve(ctx, b)
			require.NoError(t, err)
			require.Empty(t, existing)
			require.Equal(t, 7, api.Count("TransactWriteItems"))

			collide(3)
			c, err := s.Bookings().Confirm(ctx, b, "ABC123", bookingtest.T0)
			require.NoError(t, err)
			require.Equal(t, 4, api.Count("TransactWriteItems"))
			points, err := s.Loyalty().Total(ctx, "cust-retry")
			require.NoError(t, err)
			require.Equal(t, int64(10), points, "a retried confirmation counts once")

			collide(1_000)
			_, err = s.Bookings().CheckIn(ctx, c, bookingtest.T0) // not a transaction
			require.NoError(t, err)
			_, err = s.Bookings().MarkCancelling(ctx, c, "", "", bookingtest.T0)
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
			require.Equal(t, 8, api.Count("TransactWriteItems"), "the booking retry budget")

			short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
			defer cancel()
			_, err = s.Bookings().Reserve(short, bookingtest.NewBooking("cust-retry-2", fl, 10))
			require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "the caller's deadline bounds the retries: %v", err)
			api.Fail = nil
			got, err := fx.Flights.Get(ctx, fl.ID)
			require.NoError(t, err)
			require.Equal(t, 4, got.SeatCapacity)
		})
	}
}

// TestPendingTakesEveryShard: when there are more markers than the sweep takes, every
// shard still contributes, so sagas stuck in one shard cannot starve the others.
func TestPendingTakesEveryShard(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			s := dynamotest.NewStore(t, be, nil)
			fx := bookingtest.Fixture{Bookings: s.Bookings(), Loyalty: s.Loyalty(), Flights: s.Flights()}
			fl := bookingtest.NewFlight(t, fx, 60, 60)
			shardOf := func(id string) uint32 {
				h := fnv.New32a()
				_, _ = h.Write([]byte(id))
				return h.Sum32() % 16
			}
			shards := map[uint32]bool{}
			for range 60 {
				b := bookingtest.NewBooking("cust-shards", fl, 1)
				_, err := s.Bookings().Reserve(ctx, b)
				require.NoError(t, err)
				shards[shardOf(b.ID)] = true
			}
			got, err := s.Bookings().Pending(ctx, len(shards))
			require.NoError(t, err)
			require.Len(t, got, len(shards))
			seen := map[uint32]bool{}
			for _, p := range got {
				seen[shardOf(p.BookingID)] = true
			}
			require.Equal(t, shards, seen)
		})
	}
}

// TestCancelNeverRevokesTwice: the revocation is conditional on the entry being ACTIVE, so
// a cancellation that finds it already revoked (or gone) cancels the booking and releases
// the seat without touching the total. The repository's own writes cannot get there (the
// version check comes first), so the entry is changed behind its back.
func TestCancelNeverRevokesTwice(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			c := dynamotest.Client(t, be)
			table := dynamotest.NewTable(t, c)
			s := dynamo.NewStore(c, table, dynamotest.Tokenizer(t))
			fx := bookingtest.Fixture{Bookings: s.Bookings(), Loyalty: s.Loyalty(), Flights: s.Flights()}
			fl := bookingtest.NewFlight(t, fx, 5, 5)
			repo := s.Bookings()
			key := func(pk, sk string) map[string]types.AttributeValue {
				return map[string]types.AttributeValue{
					"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk},
				}
			}
			for _, tamper := range []string{"revoked", "deleted"} {
				b := bookingtest.NewBooking("cust-twice", fl, 40)
				_, err := repo.Reserve(ctx, b)
				require.NoError(t, err)
				confirmed, err := repo.Confirm(ctx, b, "ABC123", bookingtest.T0)
				require.NoError(t, err)
				marked, err := repo.MarkCancelling(ctx, confirmed, "", "", bookingtest.T0)
				require.NoError(t, err)
				entry := key("LOYALTY#cust-twice", "ENTRY#"+b.ID)
				if tamper == "revoked" {
					_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
						TableName: aws.String(table), Key: entry,
						UpdateExpression:          aws.String("SET #s = :r"),
						ExpressionAttributeNames:  map[string]string{"#s": "status"},
						ExpressionAttributeValues: map[string]types.AttributeValue{":r": &types.AttributeValueMemberS{Value: "REVOKED"}},
					})
				} else {
					_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: entry})
				}
				require.NoError(t, err)
				before, err := s.Loyalty().Total(ctx, "cust-twice")
				require.NoError(t, err)

				out, err := repo.Cancel(ctx, marked, bookingtest.T0)
				require.NoError(t, err, tamper)
				require.Equal(t, booking.Cancelled, out.Status)
				got, err := repo.Get(ctx, b.ID)
				require.NoError(t, err)
				require.Equal(t, out, got)
				after, err := s.Loyalty().Total(ctx, "cust-twice")
				require.NoError(t, err)
				require.Equal(t, before, after, "%s entry: the total is not touched again", tamper)
				f, err := fx.Flights.Get(ctx, fl.ID)
				require.NoError(t, err)
				require.Equal(t, 5, f.SeatCapacity, "%s entry: the seat is still released", tamper)
			}
		})
	}
}
