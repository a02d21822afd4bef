package dynamo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/internal/apperr"
)

// bookingItem is a booking as stored (key formats in keys.go, bookingKeys).
type bookingItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	GSI2PK string `dynamodbav:"GSI2PK"`
	GSI2SK string `dynamodbav:"GSI2SK"`
	Type   string `dynamodbav:"_type"`

	ID string `dynamodbav:"id"`
	// Customer is the owner's sub; getBookingByStatus finds it through GSI1.
	Customer         string `dynamodbav:"customer"`
	FlightID         string `dynamodbav:"bookingOutboundFlightId"`
	PaymentToken     string `dynamodbav:"paymentToken"`
	Status           string `dynamodbav:"status"`
	Stage            string `dynamodbav:"stage"`
	CheckedIn        bool   `dynamodbav:"checkedIn"`
	BookingReference string `dynamodbav:"bookingReference"`
	Amount           int64  `dynamodbav:"amount"`
	Currency         string `dynamodbav:"currency"`
	Points           int64  `dynamodbav:"points"`
	// PendingSince, FailureCode and FailureMessage are "" when unset, and are cleared by
	// writing "" (never REMOVE, which minidyn v0.8.2 ignores next to SET).
	PendingSince   string `dynamodbav:"pendingSince"`
	FailureCode    string `dynamodbav:"failureCode"`
	FailureMessage string `dynamodbav:"failureMessage"`
	Departure      string `dynamodbav:"departure"`
	CreatedAt      string `dynamodbav:"createdAt"`
	UpdatedAt      string `dynamodbav:"updatedAt"`
	Version        int64  `dynamodbav:"version"`
}

// bookingGuardItem holds the booking made with one (customer, paymentToken).
type bookingGuardItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"_type"`
	BookingID string `dynamodbav:"bookingId"`
	Customer  string `dynamodbav:"customer"`
}

// Attribute names used in booking expressions; they must match the tags above.
const (
	attrBookingStatus         = "status"
	attrBookingStage          = "stage"
	attrBookingCheckedIn      = "checkedIn"
	attrBookingReference      = "bookingReference"
	attrBookingPendingSince   = "pendingSince"
	attrBookingFailureCode    = "failureCode"
	attrBookingFailureMessage = "failureMessage"
	attrBookingGuardID        = "bookingId"
)

func bookingKey(id string) item { return primaryKey(bookingKeys.PK(id), bookingKeys.SK) }

func bookingGuardKey(customer, paymentToken string) item {
	return primaryKey(bookingKeys.GuardPK(customer, paymentToken), bookingKeys.GuardSK)
}

func newBookingItem(b *booking.Booking) bookingItem {
	return bookingItem{
		PK: bookingKeys.PK(b.ID), SK: bookingKeys.SK,
		GSI1PK: bookingKeys.GSI1PK(b.Customer), GSI1SK: bookingKeys.GSI1SK(string(b.Status), b.ID),
		GSI2PK: bookingKeys.GSI2PK, GSI2SK: bookingKeys.GSI2SK(b.ID),
		Type: entityBooking,
		ID:   b.ID, Customer: b.Customer, FlightID: b.FlightID, PaymentToken: b.PaymentToken,
		Status: string(b.Status), Stage: string(b.Stage), CheckedIn: b.CheckedIn, BookingReference: b.BookingReference,
		Amount: b.Amount, Currency: b.Currency, Points: b.Points, PendingSince: formatTime(b.PendingSince),
		FailureCode: string(b.FailureCode), FailureMessage: b.FailureMessage, Departure: b.Departure,
		CreatedAt: formatTime(b.CreatedAt), UpdatedAt: formatTime(b.UpdatedAt), Version: b.Version,
	}
}

// bookingItemFrom is attributevalue.UnmarshalMap(raw, &bookingItem{}) without reflection
// (itemReader); item_reader_test.go fails when a field of bookingItem is not read here.
func bookingItemFrom(raw item) (bookingItem, error) {
	r := itemReader{raw: raw}
	it := bookingItem{
		PK: r.str(AttrPK), SK: r.str(AttrSK),
		GSI1PK: r.str(AttrGSI1PK), GSI1SK: r.str(AttrGSI1SK), GSI2PK: r.str(AttrGSI2PK), GSI2SK: r.str(AttrGSI2SK),
		Type:             r.str(AttrType),
		ID:               r.str("id"),
		Customer:         r.str("customer"),
		FlightID:         r.str("bookingOutboundFlightId"),
		PaymentToken:     r.str("paymentToken"),
		Status:           r.str(attrBookingStatus),
		Stage:            r.str(attrBookingStage),
		CheckedIn:        r.bool(attrBookingCheckedIn),
		BookingReference: r.str(attrBookingReference),
		Amount:           r.int64("amount", 64),
		Currency:         r.str("currency"),
		Points:           r.int64("points", 64),
		PendingSince:     r.str(attrBookingPendingSince),
		FailureCode:      r.str(attrBookingFailureCode),
		FailureMessage:   r.str(attrBookingFailureMessage),
		Departure:        r.str("departure"),
		CreatedAt:        r.str("createdAt"),
		UpdatedAt:        r.str(attrUpdatedAt),
		Version:          r.int64(attrVersion, 64),
	}
	return it, r.err
}

func decodeBooking(raw item) (*booking.Booking, error) {
	it, err := bookingItemFrom(raw)
	if err != nil {
		return nil, storeError("decode booking", err)
	}
	b := &booking.Booking{
		ID: it.ID, Customer: it.Customer, FlightID: it.FlightID, PaymentToken: it.PaymentToken,
		Status: booking.Status(it.Status), Stage: booking.Stage(it.Stage), CheckedIn: it.CheckedIn,
		BookingReference: it.BookingReference, Amount: it.Amount, Currency: it.Currency, Points: it.Points,
		FailureCode: apperr.Code(it.FailureCode), FailureMessage: it.FailureMessage, Departure: it.Departure,
		Version: it.Version,
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
		src  string
	}{
		{"pendingSince", &b.PendingSince, it.PendingSince},
		{"createdAt", &b.CreatedAt, it.CreatedAt},
		{"updatedAt", &b.UpdatedAt, it.UpdatedAt},
	} {
		var err error
		if *f.dst, err = parseTime(f.src); err != nil {
			return nil, storeError("decode booking", fmt.Errorf("booking %s: %s: %w", it.ID, f.name, err))
		}
	}
	return b, nil
}

// Expression values shared by the booking writes.
func stringValue(s string) *types.AttributeValueMemberS {
	return &types.AttributeValueMemberS{Value: s}
}

func intValue(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// bookingUpdate is one conditional update of a booking item inside a transaction: SET
// assignments (expression text over the names and values given) and a condition that
// always includes version = prev.Version, and the version bump.
func (r *BookingRepository) bookingUpdate(prev *booking.Booking, set, cond string,
	names map[string]string, values map[string]types.AttributeValue,
) types.TransactWriteItem {
	names["#v"] = attrVersion
	names["#u"] = attrUpdatedAt
	values[":v"] = intValue(prev.Version)
	values[":one"] = intValue(1)
	expr := "SET " + set + ", #v = #v + :one"
	c := "#v = :v"
	if cond != "" {
		c += " AND " + cond
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(r.s.table),
		Key:                       bookingKey(prev.ID),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String(c),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}

// pendingPut stores the pending marker of booking id (saga_pending.go).
func (r *BookingRepository) pendingPut(id string, since time.Time) (types.TransactWriteItem, error) {
	return bookingMarkers.put(r.s.table, id, formatTime(since))
}

// pendingDelete deletes the pending marker of booking id (there may be none).
func (r *BookingRepository) pendingDelete(id string) types.TransactWriteItem {
	return bookingMarkers.delete(r.s.table, id)
}

// bookingConflict is the Conflict of a conditional booking write that found the booking
// at another version or stage.
func bookingConflict(id string) error {
	return apperr.New(apperr.Conflict, "booking %s was changed concurrently; read it again", id)
}
