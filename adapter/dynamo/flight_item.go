package dynamo

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/flight"
)

// flightItem is a flight as stored. Keys are derived from the fields (keys.go); the
// domain type never carries them, so key formats cannot leak into the API.
type flightItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	GSI2PK string `dynamodbav:"GSI2PK"`
	GSI2SK string `dynamodbav:"GSI2SK"`
	Type   string `dynamodbav:"_type"`

	ID                   string `dynamodbav:"id"`
	DepartureDate        string `dynamodbav:"departureDate"`
	DepartureAirportCode string `dynamodbav:"departureAirportCode"`
	DepartureAirportName string `dynamodbav:"departureAirportName"`
	DepartureCity        string `dynamodbav:"departureCity"`
	DepartureLocale      string `dynamodbav:"departureLocale"`
	ArrivalDate          string `dynamodbav:"arrivalDate"`
	ArrivalAirportCode   string `dynamodbav:"arrivalAirportCode"`
	ArrivalAirportName   string `dynamodbav:"arrivalAirportName"`
	ArrivalCity          string `dynamodbav:"arrivalCity"`
	ArrivalLocale        string `dynamodbav:"arrivalLocale"`
	TicketPrice          int    `dynamodbav:"ticketPrice"`
	TicketCurrency       string `dynamodbav:"ticketCurrency"`
	FlightNumber         int    `dynamodbav:"flightNumber"`
	// SeatAllocation is stored as NULL when absent (not omitted), so that an update can
	// clear it with SET alone: minidyn v0.8.2 ignores REMOVE next to SET.
	SeatAllocation *int   `dynamodbav:"seatAllocation"`
	SeatCapacity   int    `dynamodbav:"seatCapacity"`
	TotalSeats     int    `dynamodbav:"totalSeats"`
	CreatedAt      string `dynamodbav:"createdAt"`
	UpdatedAt      string `dynamodbav:"updatedAt"`
	Version        int64  `dynamodbav:"version"`
}

// Attribute names used in expressions; they must match the tags above.
const (
	attrVersion      = "version"
	attrSeatCapacity = "seatCapacity"
	attrTotalSeats   = "totalSeats"
)

func flightKey(id string) item {
	return primaryKey(flightKeys.PK(id), flightKeys.SK)
}

func newFlightItem(f *flight.Flight) flightItem {
	return flightItem{
		PK:                   flightKeys.PK(f.ID),
		SK:                   flightKeys.SK,
		GSI1PK:               flightKeys.GSI1PK(f.DepartureAirportCode),
		GSI1SK:               flightKeys.GSI1SK(f.ArrivalAirportCode, f.DepartureDate),
		GSI2PK:               flightKeys.GSI2PK,
		GSI2SK:               flightKeys.GSI2SK(f.DepartureDate, f.ID),
		Type:                 entityFlight,
		ID:                   f.ID,
		DepartureDate:        f.DepartureDate,
		DepartureAirportCode: f.DepartureAirportCode,
		DepartureAirportName: f.DepartureAirportName,
		DepartureCity:        f.DepartureCity,
		DepartureLocale:      f.DepartureLocale,
		ArrivalDate:          f.ArrivalDate,
		ArrivalAirportCode:   f.ArrivalAirportCode,
		ArrivalAirportName:   f.ArrivalAirportName,
		ArrivalCity:          f.ArrivalCity,
		ArrivalLocale:        f.ArrivalLocale,
		TicketPrice:          f.TicketPrice,
		TicketCurrency:       f.TicketCurrency,
		FlightNumber:         f.FlightNumber,
		SeatAllocation:       f.SeatAllocation,
		SeatCapacity:         f.SeatCapacity,
		TotalSeats:           f.TotalSeats,
		CreatedAt:            f.CreatedAt.UTC().Format(time.RFC3339Nano),
		UpdatedAt:            f.UpdatedAt.UTC().Format(time.RFC3339Nano),
		Version:              f.Version,
	}
}

func (it flightItem) flight() (*flight.Flight, error) {
	created, err := time.Parse(time.RFC3339Nano, it.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("flight %s: createdAt: %w", it.ID, err)
	}
	updated, err := time.Parse(time.RFC3339Nano, it.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("flight %s: updatedAt: %w", it.ID, err)
	}
	return &flight.Flight{
		ID:                   it.ID,
		DepartureDate:        it.DepartureDate,
		DepartureAirportCode: it.DepartureAirportCode,
		DepartureAirportName: it.DepartureAirportName,
		DepartureCity:        it.DepartureCity,
		DepartureLocale:      it.DepartureLocale,
		ArrivalDate:          it.ArrivalDate,
		ArrivalAirportCode:   it.ArrivalAirportCode,
		ArrivalAirportName:   it.ArrivalAirportName,
		ArrivalCity:          it.ArrivalCity,
		ArrivalLocale:        it.ArrivalLocale,
		TicketPrice:          it.TicketPrice,
		TicketCurrency:       it.TicketCurrency,
		FlightNumber:         it.FlightNumber,
		SeatAllocation:       it.SeatAllocation,
		SeatCapacity:         it.SeatCapacity,
		TotalSeats:           it.TotalSeats,
		CreatedAt:            created,
		UpdatedAt:            updated,
		Version:              it.Version,
	}, nil
}

// flightItemFrom is attributevalue.UnmarshalMap(raw, &flightItem{}) without reflection
// (itemReader); item_reader_test.go fails when a field of flightItem is not read here.
func flightItemFrom(raw item) (flightItem, error) {
	r := itemReader{raw: raw}
	it := flightItem{
		PK:                   r.str(AttrPK),
		SK:                   r.str(AttrSK),
		GSI1PK:               r.str(AttrGSI1PK),
		GSI1SK:               r.str(AttrGSI1SK),
		GSI2PK:               r.str(AttrGSI2PK),
		GSI2SK:               r.str(AttrGSI2SK),
		Type:                 r.str(AttrType),
		ID:                   r.str("id"),
		DepartureDate:        r.str("departureDate"),
		DepartureAirportCode: r.str("departureAirportCode"),
		DepartureAirportName: r.str("departureAirportName"),
		DepartureCity:        r.str("departureCity"),
		DepartureLocale:      r.str("departureLocale"),
		ArrivalDate:          r.str("arrivalDate"),
		ArrivalAirportCode:   r.str("arrivalAirportCode"),
		ArrivalAirportName:   r.str("arrivalAirportName"),
		ArrivalCity:          r.str("arrivalCity"),
		ArrivalLocale:        r.str("arrivalLocale"),
		TicketPrice:          r.int("ticketPrice"),
		TicketCurrency:       r.str("ticketCurrency"),
		FlightNumber:         r.int("flightNumber"),
		SeatAllocation:       r.intPtr("seatAllocation"),
		SeatCapacity:         r.int(attrSeatCapacity),
		TotalSeats:           r.int(attrTotalSeats),
		CreatedAt:            r.str("createdAt"),
		UpdatedAt:            r.str(attrUpdatedAt),
		Version:              r.int64(attrVersion, 64),
	}
	return it, r.err
}

func decodeFlight(raw item) (*flight.Flight, error) {
	it, err := flightItemFrom(raw)
	if err != nil {
		return nil, storeError("decode flight", err)
	}
	f, err := it.flight()
	if err != nil {
		return nil, storeError("decode flight", err)
	}
	return f, nil
}

func primaryKey(pk, sk string) item {
	return item{AttrPK: &types.AttributeValueMemberS{Value: pk}, AttrSK: &types.AttributeValueMemberS{Value: sk}}
}
