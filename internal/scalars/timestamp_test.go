package scalars_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

func TestAWSTimestampValid(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want int64
	}{
		// GraphQL Int literals arrive as int64.
		{"literal zero", int64(0), 0},
		{"literal", int64(1700000000), 1700000000},
		{"before the epoch", int64(-86400), -86400},
		{"int64 max", int64(math.MaxInt64), math.MaxInt64},
		{"int64 min", int64(math.MinInt64), math.MinInt64},
		// Other Go integer types.
		{"int", 5, 5},
		{"int8", int8(-8), -8},
		{"int16", int16(1600), 1600},
		{"int32", int32(7), 7},
		{"uint", uint(9), 9},
		{"uint8", uint8(1), 1},
		{"uint16", uint16(2), 2},
		{"uint32", uint32(math.MaxUint32), math.MaxUint32},
		{"uint64 max int64", uint64(math.MaxInt64), math.MaxInt64},
		// JSON variables arrive as json.Number.
		{"variable", json.Number("1700000000"), 1700000000},
		{"negative variable", json.Number("-1700000000"), -1700000000},
		{"variable max", json.Number("9223372036854775807"), math.MaxInt64},
		{"variable min", json.Number("-9223372036854775808"), math.MinInt64},
		{"exponent", json.Number("1.7e9"), 1700000000},
		{"upper exponent with sign", json.Number("1E+2"), 100},
		{"trailing zero fraction", json.Number("1700000000.000"), 1700000000},
		{"fraction and exponent", json.Number("1.20e3"), 1200},
		{"negative exponent still whole", json.Number("12000e-3"), 12},
		{"exponent with leading zeros", json.Number("1e000001"), 10},
		{"negative zero", json.Number("-0"), 0},
		{"zero with huge exponent", json.Number("0e-99999999999"), 0},
		{"max via exponent", json.Number("9.223372036854775807e18"), math.MaxInt64},
		// Float literals (or decoders without UseNumber) that are whole and exact.
		{"whole float", float64(1700000000), 1700000000},
		{"negative whole float", -5.0, -5},
		{"float32", float32(16), 16},
		{"float at 2^53", float64(1 << 53), 1 << 53},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := scalars.UnmarshalAWSTimestamp(c.in)
			require.NoError(t, err)
			require.Equal(t, c.want, got)

			// Round trip: the output is a JSON integer that reads back as the same value,
			// whether it comes back as a literal (int64) or a variable (json.Number).
			out := marshalGQL(t, scalars.MarshalAWSTimestamp(got))
			require.Equal(t, strconv.FormatInt(c.want, 10), out)
			again, err := scalars.UnmarshalAWSTimestamp(json.Number(out))
			require.NoError(t, err)
			require.Equal(t, c.want, again)
			lit, err := strconv.ParseInt(out, 10, 64)
			require.NoError(t, err)
			again, err = scalars.UnmarshalAWSTimestamp(lit)
			require.NoError(t, err)
			require.Equal(t, c.want, again)
		})
	}
}

func TestAWSTimestampInvalid(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string // part of the client message
	}{
		// AppSync types AWSTimestamp as a number: strings are rejected, even numeric ones.
		{"numeric string", "1700000000", "got a string"},
		{"date string", "1970-01-01T00:00Z", "got a string"},
		{"empty string", "", "got a string"},
		{"null", nil, "got null"},
		{"bool", true, "got a boolean"},
		{"object", map[string]any{"seconds": 1}, "got an object"},
		{"list", []any{int64(1)}, "got a list"},
		{"struct", struct{}{}, "got an unsupported value"},
		// Fractions, non-finite and inexact floats.
		{"fraction", 1.5, "not a whole number"},
		{"negative fraction", -0.25, "not a whole number"},
		{"NaN", math.NaN(), "not a finite number"},
		{"+Inf", math.Inf(1), "not a finite number"},
		{"-Inf", math.Inf(-1), "not a finite number"},
		{"float above 2^53", float64(1 << 60), "too large to be exact"},
		{"float32 fraction", float32(0.5), "not a whole number"},
		// json.Number: fractions, overflow, malformed text.
		{"number fraction", json.Number("1.5"), "not a whole number"},
		{"number small fraction", json.Number("1700000000.0001"), "not a whole number"},
		{"number negative exponent", json.Number("15e-1"), "not a whole number"},
		{"number overflow", json.Number("9223372036854775808"), "out of the 64-bit integer range"},
		{"number underflow", json.Number("-9223372036854775809"), "out of the 64-bit integer range"},
		{"number 1e19", json.Number("1e19"), "out of the 64-bit integer range"},
		{"number huge exponent", json.Number("1e999999999999"), "out of the 64-bit integer range"},
		{"number tiny exponent", json.Number("1e-999999999999"), "not a whole number"},
		{"number 20 digits", json.Number(strings.Repeat("9", 20)), "out of the 64-bit integer range"},
		{"number too long", json.Number(strings.Repeat("1", scalars.MaxInputLen+1)), "out of the 64-bit integer range"},
		{"number empty", json.Number(""), "not a number"},
		{"number plus", json.Number("+5"), "not a number"},
		{"number letters", json.Number("12a"), "not a number"},
		{"number hex", json.Number("0x10"), "not a number"},
		{"number dot exponent", json.Number("1.e5"), "not a number"},
		{"number leading dot", json.Number(".5"), "not a number"},
		{"number bare exponent", json.Number("1e"), "not a number"},
		{"number double sign", json.Number("--1"), "not a number"},
		{"number NaN", json.Number("NaN"), "not a number"},
		// Unsigned values beyond int64.
		{"uint64 max", uint64(math.MaxUint64), "out of the 64-bit integer range"},
		{"uint64 just above", uint64(math.MaxInt64) + 1, "out of the 64-bit integer range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := scalars.UnmarshalAWSTimestamp(c.in)
			requireBadRequest(t, err, "AWSTimestamp")
			require.Zero(t, got)
			require.Contains(t, apperr.MessageOf(err), c.want)
			require.Contains(t, apperr.MessageOf(err), "expected an integer number of seconds since 1970-01-01T00:00Z")
		})
	}
}

func TestMarshalAWSTimestamp(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 1700000000, math.MaxInt64, math.MinInt64} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			require.Equal(t, strconv.FormatInt(v, 10), marshalGQL(t, scalars.MarshalAWSTimestamp(v)))
		})
	}
}
