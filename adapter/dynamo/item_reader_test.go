package dynamo

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
)

// handDecoders lists every item type decoded by hand (itemReader) with its decoder. A
// new hand decoder belongs here.
var handDecoders = []struct {
	name   string
	typ    reflect.Type
	decode func(item) (any, error)
}{
	{"flight", reflect.TypeFor[flightItem](), func(r item) (any, error) { return flightItemFrom(r) }},
	{"booking", reflect.TypeFor[bookingItem](), func(r item) (any, error) { return bookingItemFrom(r) }},
	{"order", reflect.TypeFor[orderItem](), func(r item) (any, error) { return orderItemFrom(r) }},
	{"product", reflect.TypeFor[productItem](), func(r item) (any, error) { return productItemFrom(r) }},
	{"user", reflect.TypeFor[userItem](), func(r item) (any, error) { return userItemFrom(r) }},
}

// fill sets every field of v (recursively) to a non-zero value derived from seed, so a
// field that a hand decoder forgets to read decodes as zero and the comparison fails.
func fill(t *testing.T, v reflect.Value, seed *int) {
	t.Helper()
	*seed++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strconv.Itoa(*seed))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*seed) * 1_000_003)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), seed)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fill(t, v.Index(i), seed)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), seed)
		}
	default:
		t.Fatalf("fill: no rule for %s: teach fill and itemReader the kind", v.Type())
	}
}

// TestHandDecodersReadEveryField: for each hand-decoded item type, a value with every
// field set is encoded with attributevalue.MarshalMap (as the writes do) and decoded by
// hand: it must equal the original and attributevalue.UnmarshalMap's result.
func TestHandDecodersReadEveryField(t *testing.T) {
	for _, d := range handDecoders {
		t.Run(d.name, func(t *testing.T) {
			seed := 0
			want := reflect.New(d.typ)
			fill(t, want.Elem(), &seed)
			raw, err := attributevalue.MarshalMap(want.Interface())
			require.NoError(t, err)

			got, err := d.decode(raw)
			require.NoError(t, err)
			require.True(t, reflect.DeepEqual(want.Elem().Interface(), got), "hand decoder:\n%+v\nwant:\n%+v", got, want.Elem().Interface())

			viaReflection := reflect.New(d.typ)
			require.NoError(t, attributevalue.UnmarshalMap(raw, viaReflection.Interface()))
			require.True(t, reflect.DeepEqual(viaReflection.Elem().Interface(), got))
		})
	}
}

// TestHandDecodersZeroAndErrors: missing and NULL attributes decode to zero values (nil
// pointers), numbers and wrong kinds fail where attributevalue fails.
func TestHandDecodersZeroAndErrors(t *testing.T) {
	null := &types.AttributeValueMemberNULL{Value: true}
	for _, d := range handDecoders {
		t.Run(d.name, func(t *testing.T) {
			got, err := d.decode(item{})
			require.NoError(t, err)
			require.True(t, reflect.DeepEqual(reflect.Zero(d.typ).Interface(), got), "%+v", got)

			nulls := item{}
			for i := range d.typ.NumField() {
				nulls[d.typ.Field(i).Tag.Get("dynamodbav")] = null
			}
			got, err = d.decode(nulls)
			require.NoError(t, err)
			require.True(t, reflect.DeepEqual(reflect.Zero(d.typ).Interface(), got), "%+v", got)

			for i := range d.typ.NumField() {
				f := d.typ.Field(i)
				name := f.Tag.Get("dynamodbav")
				var bad types.AttributeValue
				switch f.Type.Kind() {
				case reflect.String, reflect.Int, reflect.Int64, reflect.Pointer, reflect.Slice:
					bad = &types.AttributeValueMemberBOOL{Value: true}
				case reflect.Bool:
					bad = &types.AttributeValueMemberS{Value: "true"}
				}
				raw := item{name: bad}
				_, handErr := d.decode(raw)
				reflErr := attributevalue.UnmarshalMap(raw, reflect.New(d.typ).Interface())
				require.Error(t, handErr, "%s = %T", name, bad)
				require.Error(t, reflErr, "%s = %T (attributevalue)", name, bad)
			}
		})
	}
}

func TestItemReaderNumbers(t *testing.T) {
	n := func(s string) item { return item{"n": &types.AttributeValueMemberN{Value: s}} }

	r := itemReader{raw: n("-42")}
	require.Equal(t, -42, r.int("n"))
	require.Equal(t, int64(-42), r.int64("n", 64))
	require.Equal(t, "-42", r.str("n"), "a number decodes into a string as attributevalue does")
	require.Equal(t, -42, *r.intPtr("n"))
	require.NoError(t, r.err)

	for _, s := range []string{"1.5", "1e3", "x", "99999999999999999999"} {
		r := itemReader{raw: n(s)}
		_ = r.int64("n", 64)
		require.Error(t, r.err, s)
		var v struct {
			N int64 `dynamodbav:"n"`
		}
		require.Error(t, attributevalue.UnmarshalMap(n(s), &v), s)
	}
	r = itemReader{raw: item{"n": &types.AttributeValueMemberS{Value: "1"}}}
	require.Nil(t, r.intPtr("n"))
	require.Error(t, r.err)
}

// BenchmarkDecodeFlight compares decoding one stored flight by reflection
// (attributevalue.UnmarshalMap, as before) and by hand (flightItemFrom), each followed
// by the conversion to the domain type.
func BenchmarkDecodeFlight(b *testing.B) {
	seats := 3
	f := flightItem{ID: "f1", DepartureDate: "2030-01-01", DepartureAirportCode: "LGW", DepartureAirportName: "Gatwick",
		DepartureCity: "London", DepartureLocale: "Europe/London", ArrivalDate: "2030-01-01", ArrivalAirportCode: "MAD",
		ArrivalAirportName: "Barajas", ArrivalCity: "Madrid", ArrivalLocale: "Europe/Madrid", TicketPrice: 100,
		TicketCurrency: "EUR", FlightNumber: 1812, SeatAllocation: &seats, SeatCapacity: 200, TotalSeats: 200,
		CreatedAt: "2030-01-01T00:00:00.123Z", UpdatedAt: "2030-01-01T00:00:00.123Z", Version: 3,
		PK: "FLIGHT#f1", SK: "META", GSI1PK: "a", GSI1SK: "b", GSI2PK: "c", GSI2SK: "d", Type: "Flight"}
	raw, err := attributevalue.MarshalMap(f)
	require.NoError(b, err)
	b.Run("reflection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var it flightItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				b.Fatal(err)
			}
			if _, err := it.flight(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeFlight(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
