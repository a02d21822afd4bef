package scalars

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// maxExactFloat is 2^53: every integer up to it is exact in a float64, and beyond it a
// float64 cannot say which integer the client meant.
const maxExactFloat = 1 << 53

// MarshalAWSTimestamp writes the seconds since the epoch as a JSON number, as AppSync does.
func MarshalAWSTimestamp(secs int64) graphql.Marshaler { return graphql.MarshalInt64(secs) }

// UnmarshalAWSTimestamp accepts an AWSTimestamp: an integer number of seconds before or
// after 1970-01-01T00:00Z, any value of a signed 64-bit integer. It accepts what gqlgen
// hands over for a number:
//
//   - a GraphQL Int literal (int64) or any other Go integer type that fits in an int64;
//   - a JSON variable (json.Number, since gqlgen decodes variables with UseNumber),
//     including integral values written in float syntax such as 1.7e9 or 1700000000.0,
//     evaluated exactly;
//   - a float64 (a GraphQL Float literal, or a decoder without UseNumber) that is whole
//     and at most 2^53 in magnitude, beyond which a float64 is no longer exact.
//
// Strings (even "1700000000"), booleans, null, fractions such as 1.5 and values beyond
// int64 are BadRequest errors: AppSync types AWSTimestamp as a number, not a string.
func UnmarshalAWSTimestamp(v any) (int64, error) {
	const scalar = "AWSTimestamp"
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int8:
		return int64(n), nil
	case int16:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case uint:
		return fromUnsigned(uint64(n))
	case uint8:
		return int64(n), nil
	case uint16:
		return int64(n), nil
	case uint32:
		return int64(n), nil
	case uint64:
		return fromUnsigned(n)
	case float32:
		return fromFloat(float64(n))
	case float64:
		return fromFloat(n)
	case json.Number:
		return fromNumberText(string(n))
	default:
		return 0, wrongType(scalar, v, expectTimestamp)
	}
}

func fromUnsigned(n uint64) (int64, error) {
	if n > math.MaxInt64 {
		return 0, invalidValue("AWSTimestamp", strconv.FormatUint(n, 10), "out of the 64-bit integer range", expectTimestamp)
	}
	return int64(n), nil
}

func fromFloat(f float64) (int64, error) {
	text := strconv.FormatFloat(f, 'g', -1, 64)
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, invalidValue("AWSTimestamp", text, "not a finite number", expectTimestamp)
	case f != math.Trunc(f):
		return 0, invalidValue("AWSTimestamp", text, "not a whole number of seconds", expectTimestamp)
	case math.Abs(f) > maxExactFloat:
		return 0, invalidValue("AWSTimestamp", text, "too large to be exact as a floating-point number; send it as an integer", expectTimestamp)
	}
	return int64(f), nil
}

// fromNumberText evaluates JSON number text exactly: it succeeds only when the number is
// an integer that fits in an int64, whatever its notation (12, -0, 1.20e3, 1200.000).
func fromNumberText(s string) (int64, error) {
	const scalar = "AWSTimestamp"
	if len(s) > MaxInputLen {
		return 0, invalidValue(scalar, s, "out of the 64-bit integer range", expectTimestamp)
	}
	if s == "" || s[0] == '+' {
		return 0, invalidValue(scalar, s, "not a number", expectTimestamp)
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	neg, t := false, s
	if strings.HasPrefix(t, "-") {
		neg, t = true, t[1:]
	}
	mant, exp := t, ""
	hasExp := false
	if k := strings.IndexAny(t, "eE"); k >= 0 {
		mant, exp, hasExp = t[:k], t[k+1:], true
	}
	intPart, frac := mant, ""
	hasFrac := false
	if k := strings.IndexByte(mant, '.'); k >= 0 {
		intPart, frac, hasFrac = mant[:k], mant[k+1:], true
	}
	if !allDigits(intPart) || (hasFrac && !allDigits(frac)) {
		return 0, invalidValue(scalar, s, "not a number", expectTimestamp)
	}
	e := 0
	if hasExp {
		digits := strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "-")
		if !allDigits(digits) {
			return 0, invalidValue(scalar, s, "not a number", expectTimestamp)
		}
		// Exponents beyond ±10000 are out of range for a non-zero mantissa (it has at most
		// MaxInputLen digits); capping them keeps the arithmetic below small.
		if digits = strings.TrimLeft(digits, "0"); len(digits) > 5 {
			digits = "99999"
		}
		e, _ = strconv.Atoi(digits) // "" (all zeros) gives 0
		if strings.HasPrefix(exp, "-") {
			e = -e
		}
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, nil // zero in any notation
	}
	e -= len(frac)
	for e < 0 && strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		e++
	}
	if e < 0 {
		return 0, invalidValue(scalar, s, "not a whole number of seconds", expectTimestamp)
	}
	if len(digits)+e > 19 {
		return 0, invalidValue(scalar, s, "out of the 64-bit integer range", expectTimestamp)
	}
	digits += strings.Repeat("0", e)
	if neg {
		digits = "-" + digits
	}
	i, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, invalidValue(scalar, s, "out of the 64-bit integer range", expectTimestamp)
	}
	return i, nil
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
