package dynamo

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/skygraph/skygraph/domain/loyalty"
)

// loyaltyTotalItem is a customer's running total. It is only ever changed by adding to
// or subtracting from points, in the transactions that confirm and cancel bookings.
type loyaltyTotalItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Type     string `dynamodbav:"_type"`
	Customer string `dynamodbav:"customer"`
	Points   int64  `dynamodbav:"points"`
}

// loyaltyEntryItem is one booking's points (loyalty.Entry).
type loyaltyEntryItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"_type"`
	Customer  string `dynamodbav:"customer"`
	BookingID string `dynamodbav:"bookingId"`
	Points    int64  `dynamodbav:"points"`
	Status    string `dynamodbav:"status"`
	CreatedAt string `dynamodbav:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

// Attribute names used in loyalty expressions; they must match the tags above.
const (
	attrLoyaltyPoints   = "points"
	attrLoyaltyStatus   = "status"
	attrLoyaltyCustomer = "customer"
)

func loyaltyTotalKey(customer string) item {
	return primaryKey(loyaltyKeys.PK(customer), loyaltyKeys.TotalSK)
}

func loyaltyEntryKey(customer, bookingID string) item {
	return primaryKey(loyaltyKeys.PK(customer), loyaltyKeys.EntrySK(bookingID))
}

func newLoyaltyEntryItem(e *loyalty.Entry) loyaltyEntryItem {
	return loyaltyEntryItem{
		PK: loyaltyKeys.PK(e.Customer), SK: loyaltyKeys.EntrySK(e.BookingID), Type: entityLoyaltyEntry,
		Customer: e.Customer, BookingID: e.BookingID, Points: e.Points, Status: string(e.Status),
		CreatedAt: formatTime(e.CreatedAt), UpdatedAt: formatTime(e.UpdatedAt),
	}
}

func decodeLoyaltyEntry(raw item) (*loyalty.Entry, error) {
	var it loyaltyEntryItem
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return nil, storeError("decode loyalty entry", err)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return nil, storeError("decode loyalty entry", fmt.Errorf("entry %s: createdAt: %w", it.BookingID, err))
	}
	updated, err := parseTime(it.UpdatedAt)
	if err != nil {
		return nil, storeError("decode loyalty entry", fmt.Errorf("entry %s: updatedAt: %w", it.BookingID, err))
	}
	return &loyalty.Entry{
		Customer: it.Customer, BookingID: it.BookingID, Points: it.Points, Status: loyalty.EntryStatus(it.Status),
		CreatedAt: created, UpdatedAt: updated,
	}, nil
}
