package booking_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// TestMaxTicketPriceIsPayable: the dearest ticket the catalog accepts can be captured.
func TestMaxTicketPriceIsPayable(t *testing.T) {
	require.NoError(t, payment.ValidateAmount("amount", int64(flight.MaxTicketPrice)*100))
	require.Error(t, payment.ValidateAmount("amount", int64(flight.MaxTicketPrice+1)*100),
		"MaxTicketPrice may be raised only with payment.MaxAmount")
}

func ptr[T any](v T) *T { return &v }

// TestStatusKeyConditions: every ModelStringKeyConditionInput operator compares the
// status string, as DynamoDB compares the sort key.
func TestStatusKeyConditions(t *testing.T) {
	all := []booking.Status{booking.Cancelled, booking.Confirmed, booking.Unconfirmed}
	for name, c := range map[string]struct {
		k    *filter.KeyStringInput
		want []booking.Status
	}{
		"none":            {nil, all},
		"eq":              {&filter.KeyStringInput{Eq: ptr("CONFIRMED")}, []booking.Status{booking.Confirmed}},
		"eq prefix only":  {&filter.KeyStringInput{Eq: ptr("CONF")}, nil},
		"le":              {&filter.KeyStringInput{Le: ptr("CONFIRMED")}, []booking.Status{booking.Cancelled, booking.Confirmed}},
		"lt":              {&filter.KeyStringInput{Lt: ptr("CONFIRMED")}, []booking.Status{booking.Cancelled}},
		"ge":              {&filter.KeyStringInput{Ge: ptr("CONFIRMED")}, []booking.Status{booking.Confirmed, booking.Unconfirmed}},
		"gt":              {&filter.KeyStringInput{Gt: ptr("CONFIRMED")}, []booking.Status{booking.Unconfirmed}},
		"between":         {&filter.KeyStringInput{Between: []*string{ptr("CANCELLED"), ptr("CONFIRMED")}}, []booking.Status{booking.Cancelled, booking.Confirmed}},
		"beginsWith":      {&filter.KeyStringInput{BeginsWith: ptr("C")}, []booking.Status{booking.Cancelled, booking.Confirmed}},
		"beginsWith full": {&filter.KeyStringInput{BeginsWith: ptr("UNCONFIRMED")}, []booking.Status{booking.Unconfirmed}},
	} {
		r, err := booking.StatusRange(c.k)
		require.NoError(t, err, name)
		var got []booking.Status
		for _, s := range all {
			if r.Match(s) {
				got = append(got, s)
			}
		}
		require.Equal(t, c.want, got, name)
	}
	for name, k := range map[string]*filter.KeyStringInput{
		"two operators":    {Eq: ptr("A"), Lt: ptr("B")},
		"no operator":      {},
		"reversed between": {Between: []*string{ptr("Z"), ptr("A")}},
		"short between":    {Between: []*string{ptr("A")}},
		"huge operand":     {Le: ptr(strings.Repeat("C", 33))},
	} {
		_, err := booking.StatusRange(k)
		require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), name)
	}
}

// TestFilter: ModelBookingFilterInput semantics, including an unset bookingReference
// behaving as an absent attribute.
func TestFilter(t *testing.T) {
	b := &booking.Booking{
		ID: "b1", Customer: "c1", PaymentToken: "ch_12345678", Status: booking.Unconfirmed,
		CreatedAt: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC),
	}
	confirmed := booking.Confirmed
	for name, c := range map[string]struct {
		f    *booking.Filter
		want bool
	}{
		"nil":                {nil, true},
		"status eq":          {&booking.Filter{Status: &booking.StatusInput{Eq: &confirmed}}, false},
		"status ne":          {&booking.Filter{Status: &booking.StatusInput{Ne: &confirmed}}, true},
		"reference exists":   {&booking.Filter{BookingReference: &filter.StringInput{AttributeExists: ptr(true)}}, false},
		"reference absent":   {&booking.Filter{BookingReference: &filter.StringInput{AttributeExists: ptr(false)}}, true},
		"checkedIn eq false": {&booking.Filter{CheckedIn: &filter.BooleanInput{Eq: ptr(false)}}, true},
		"createdAt prefix":   {&booking.Filter{CreatedAt: &filter.StringInput{BeginsWith: ptr("2026-11-21T08:00")}}, true},
		"or":                 {&booking.Filter{Or: []*booking.Filter{{ID: &filter.StringInput{Eq: ptr("x")}}, {Customer: &filter.StringInput{Eq: ptr("c1")}}}}, true},
		"not":                {&booking.Filter{Not: &booking.Filter{Customer: &filter.StringInput{Eq: ptr("c1")}}}, false},
	} {
		require.NoError(t, c.f.Validate("filter"), name)
		require.Equal(t, c.want, c.f.Match(b), name)
	}
	bad := booking.Status("PENDING")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf((&booking.Filter{Status: &booking.StatusInput{Eq: &bad}}).Validate("filter")))
}

// TestStatusEnum: only the three statuses cross the GraphQL boundary (the sample's
// processBooking returned a PENDING its own enum did not have).
func TestStatusEnum(t *testing.T) {
	var s booking.Status
	require.NoError(t, s.UnmarshalGQL("CANCELLED"))
	require.Equal(t, booking.Cancelled, s)
	require.Error(t, s.UnmarshalGQL("PENDING"))
	require.Error(t, s.UnmarshalGQL(1))
	var buf bytes.Buffer
	booking.Confirmed.MarshalGQL(&buf)
	require.Equal(t, `"CONFIRMED"`, buf.String())
}
