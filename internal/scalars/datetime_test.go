package scalars_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

func TestAWSDate(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		awsDate.runValid(t, []string{
			// The AppSync guide's own examples.
			"1970-01-01", "1970-01-01Z", "1970-01-01-07:00", "1970-01-01+05:30",
			// Offset with seconds, which the guide explicitly allows.
			"1970-01-01+05:30:15", "1970-01-01-00:00", "2021-12-31+18:00", "2021-12-31-18:00",
			// Calendar edges.
			"2024-02-29", "2000-02-29", "1600-02-29", "2021-04-30", "2021-12-31",
			"0000-01-01", "9999-12-31", "0000-02-29",
		})
	})
	t.Run("invalid", func(t *testing.T) {
		awsDate.runInvalid(t, []string{
			"",
			// Days and months that do not exist.
			"2021-02-30", "2021-13-01", "2021-00-10", "2021-01-00", "2021-04-31", "2021-01-32",
			"1900-02-29", "2023-02-29", "2100-02-29",
			// Not YYYY-MM-DD.
			"21-01-01", "2021-1-01", "2021-01-1", "20210101", "2021/01/01", "01-01-2021",
			"10000-01-01", "-2017-05-01", "+2021-01-01", "２０２１-01-01", "abc",
			" 2021-01-01", "2021-01-01 ", "2021-01-01\n",
			// A time, or a broken offset.
			"2021-01-01T00:00Z", "2021-01-01z", "2021-01-01+5:30", "2021-01-01+0530",
			"2021-01-01+05", "2021-01-01+05:30:", "2021-01-01+05:60", "2021-01-01+05:30:60",
			"2021-01-01+18:01", "2021-01-01+19:00", "2021-01-01Z+05:00", "2021-01-01ZZ",
			// Invalid UTF-8 and oversized input.
			"2021-01-01\xff", "2021-01-01" + strings.Repeat("Z", scalars.MaxInputLen),
		})
	})
	t.Run("wrong types", awsDate.runWrongTypes)
}

func TestAWSTime(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		awsTime.runValid(t, []string{
			// The AppSync guide's own examples.
			"12:30Z", "12:30:24-07:00", "12:30:24.500+05:30",
			"12:30", "12:30:24", "00:00", "00:00:00Z", "23:59", "23:59:59",
			// 1 to 9 fraction digits.
			"12:30:24.5", "12:30:24.12", "12:30:24.123456789Z", "23:59:59.999999999",
			"12:30+05:30:15", "12:30:24-00:00", "12:30+18:00",
		})
	})
	t.Run("invalid", func(t *testing.T) {
		awsTime.runInvalid(t, []string{
			"", "24:00", "24:00:00", "25:00", "12:60", "12:30:60", "99:99",
			"12:30:24.", "12:30:24.1234567890", "12:30.5", "12:30:24.-5",
			"1:30", "12:3", "12", "1230", "12:30:24,5", "noon", "T12:30",
			"12:30 ", " 12:30", "12:30:24Z05:00", "12:30:24+5", "12:30:24.5z",
			"12:30:24.500+05:30:1", "12:30+24:00", "12:30+18:00:01", "12:30-",
			"1970-01-01T12:30Z", "12:30:24\xff",
		})
	})
	t.Run("wrong types", awsTime.runWrongTypes)
}

func TestAWSDateTimeValid(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	cases := []struct {
		in         string
		instant    time.Time
		offsetSecs int
		out        string
	}{
		// The AppSync service description's own examples.
		{"1970-01-01T12:00:00.2Z", utc(1970, 1, 1, 12, 0, 0, 200000000), 0, "1970-01-01T12:00:00.200Z"},
		{"1970-01-01T12:00:00.277Z", utc(1970, 1, 1, 12, 0, 0, 277000000), 0, "1970-01-01T12:00:00.277Z"},
		{"1970-01-01T12:00:00.123456789Z", utc(1970, 1, 1, 12, 0, 0, 123456789), 0, "1970-01-01T12:00:00.123Z"},
		// Seconds are optional.
		{"1970-01-01T00:00Z", utc(1970, 1, 1, 0, 0, 0, 0), 0, "1970-01-01T00:00:00.000Z"},
		{"2024-03-10T08:15-05:00", utc(2024, 3, 10, 13, 15, 0, 0), -5 * 3600, "2024-03-10T13:15:00.000Z"},
		{"2024-03-10T08:15:30+05:30", utc(2024, 3, 10, 2, 45, 30, 0), 5*3600 + 30*60, "2024-03-10T02:45:30.000Z"},
		{"2024-03-10T08:15:30+05:30:15", utc(2024, 3, 10, 2, 45, 15, 0), 5*3600 + 30*60 + 15, "2024-03-10T02:45:15.000Z"},
		// Offsets that move the UTC date (across a leap day, a year).
		{"2024-02-29T23:59:59.999-01:00", utc(2024, 3, 1, 0, 59, 59, 999000000), -3600, "2024-03-01T00:59:59.999Z"},
		{"2023-12-31T23:30:00-18:00", utc(2024, 1, 1, 17, 30, 0, 0), -18 * 3600, "2024-01-01T17:30:00.000Z"},
		{"2021-06-01T00:00:00+00:00", utc(2021, 6, 1, 0, 0, 0, 0), 0, "2021-06-01T00:00:00.000Z"},
		{"2021-06-01T00:00:00-00:00", utc(2021, 6, 1, 0, 0, 0, 0), 0, "2021-06-01T00:00:00.000Z"},
		// Range edges: the UTC instant must have a four-digit year.
		{"0000-01-01T00:00Z", utc(0, 1, 1, 0, 0, 0, 0), 0, "0000-01-01T00:00:00.000Z"},
		{"0000-01-01T00:00-01:00", utc(0, 1, 1, 1, 0, 0, 0), -3600, "0000-01-01T01:00:00.000Z"},
		{"9999-12-31T23:59:59.999999999Z", utc(9999, 12, 31, 23, 59, 59, 999999999), 0, "9999-12-31T23:59:59.999Z"},
		{"9999-12-31T23:59:59+01:00", utc(9999, 12, 31, 22, 59, 59, 0), 3600, "9999-12-31T22:59:59.000Z"},
	}
	for _, c := range cases {
		t.Run(caseName(c.in), func(t *testing.T) {
			parsed, err := scalars.ParseAWSDateTime(c.in)
			require.NoError(t, err)
			require.True(t, parsed.Equal(c.instant), "got %v, want %v", parsed, c.instant)
			_, off := parsed.Zone()
			require.Equal(t, c.offsetSecs, off, "the parsed time keeps the given offset")

			got, err := scalars.UnmarshalAWSDateTime(c.in)
			require.NoError(t, err)
			require.True(t, got.Equal(parsed))

			out := marshalGQL(t, scalars.MarshalAWSDateTime(got))
			require.Equal(t, `"`+c.out+`"`, out)
			require.Equal(t, c.out, scalars.FormatAWSDateTime(got))

			// Round trip: the output parses back to the same instant, to the millisecond.
			var back string
			require.NoError(t, json.Unmarshal([]byte(out), &back))
			again, err := scalars.UnmarshalAWSDateTime(back)
			require.NoError(t, err)
			require.True(t, again.Equal(c.instant.Truncate(time.Millisecond)), "got %v", again)
			require.Equal(t, c.out, scalars.FormatAWSDateTime(again))
		})
	}
}

func TestAWSDateTimeInvalid(t *testing.T) {
	for _, s := range []string{
		"",
		// The offset is compulsory for AWSDateTime.
		"1970-01-01T00:00", "1970-01-01T00:00:00", "1970-01-01T00:00:00.000",
		// Only a date, or only a time.
		"1970-01-01", "1970-01-01Z", "12:00:00Z",
		// Separators and case.
		"1970-01-01 00:00Z", "1970-01-01t00:00Z", "1970-01-01T00:00z", "1970-01-01T00:00:00+0000",
		"1970-01-01T00:00:00,5Z", "1970-01-01T00Z", "1970-01-01T0:00Z",
		// Out-of-range fields.
		"1970-01-01T24:00Z", "1970-01-01T23:60Z", "1970-01-01T23:59:60Z", "2021-02-30T00:00Z",
		"2021-13-01T00:00Z", "1970-01-01T00:00+19:00", "1970-01-01T00:00+18:00:01", "1970-01-01T00:00+05:61",
		// Fractions.
		"1970-01-01T00:00:00.Z", "1970-01-01T00:00:00.1234567890Z", "1970-01-01T00:00.5Z",
		// Instants outside 0000-9999 in UTC, and negative years.
		"9999-12-31T23:59:59-00:01", "0000-01-01T00:00+00:01", "-2017-01-01T00:00Z", "-9999-01-01T00:00Z",
		// Other junk.
		"1970-01-01T00:00:00Z ", " 1970-01-01T00:00:00Z", "1970-01-01T00:00:00ZZ", "1697040000", "now",
		"1970-01-01T00:00:00Z\x00", "1970-01-01T00:00:00\xffZ",
		"1970-01-01T00:00:00." + strings.Repeat("9", scalars.MaxInputLen) + "Z",
	} {
		t.Run(caseName(s), func(t *testing.T) {
			parsed, err := scalars.ParseAWSDateTime(s)
			requireBadRequest(t, err, "AWSDateTime")
			require.True(t, parsed.IsZero())
			got, err := scalars.UnmarshalAWSDateTime(s)
			requireBadRequest(t, err, "AWSDateTime")
			require.True(t, got.IsZero())
		})
	}
}

func TestAWSDateTimeWrongTypes(t *testing.T) {
	inputs := nonStrings()
	inputs["time.Time"] = time.Now() // a Go value, never a GraphQL input
	for name, v := range inputs {
		t.Run(name, func(t *testing.T) {
			got, err := scalars.UnmarshalAWSDateTime(v)
			requireBadRequest(t, err, "AWSDateTime")
			require.True(t, got.IsZero())
		})
	}
}

func TestMarshalAWSDateTime(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	cases := []struct {
		name string
		in   time.Time
		want string
	}{
		{"utc", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), "2024-05-01T10:00:00.000Z"},
		{"converted to UTC", time.Date(2024, 5, 1, 9, 30, 0, 0, tokyo), "2024-05-01T00:30:00.000Z"},
		{"fraction truncated not rounded", time.Date(2024, 5, 1, 10, 0, 0, 999999999, time.UTC), "2024-05-01T10:00:00.999Z"},
		{"zero value", time.Time{}, "0001-01-01T00:00:00.000Z"},
		{"from unix seconds", time.Unix(1700000000, 5e6), "2023-11-14T22:13:20.005Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, `"`+c.want+`"`, marshalGQL(t, scalars.MarshalAWSDateTime(c.in)))
			back, err := scalars.ParseAWSDateTime(c.want)
			require.NoError(t, err)
			require.True(t, back.Equal(c.in.Truncate(time.Millisecond)))
		})
	}
}

func TestDateTimeMessages(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"brief example", scalars.ParseAWSDate("2021-02-30"),
			`invalid AWSDate "2021-02-30": 2021-02 has no day 30; expected a calendar date YYYY-MM-DD with an optional offset such as Z or +05:30`},
		{"month", scalars.ParseAWSDate("2021-13-01"), `invalid AWSDate "2021-13-01": month 13 does not exist;`},
		{"syntax only", scalars.ParseAWSDate("01/02/2021"), `invalid AWSDate "01/02/2021": expected a calendar date`},
		{"hour", scalars.ParseAWSTime("24:00"), `invalid AWSTime "24:00": hour 24 is out of range 00-23;`},
		{"minute", scalars.ParseAWSTime("12:60"), `minute 60 is out of range 00-59`},
		{"fraction", scalars.ParseAWSTime("12:00:00.1234567890"), `more than 9 digits`},
		{"offset", scalars.ParseAWSTime("12:00+19:00"), `beyond ±18:00`},
		{"missing offset", second(scalars.ParseAWSDateTime("2024-01-01T10:00:00")), `the time zone offset is required (Z for UTC)`},
		{"range", second(scalars.ParseAWSDateTime("9999-12-31T23:59:59-00:01")), `outside the years 0000-9999`},
		{"wrong type", second(scalars.UnmarshalAWSDateTime(int64(1700000000))), `invalid AWSDateTime: got a number, expected a string holding a date and time`},
		{"null", second(scalars.UnmarshalAWSDate(nil)), `invalid AWSDate: got null, expected a string`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(c.err))
			require.Contains(t, apperr.MessageOf(c.err), c.want)
		})
	}
}

// second returns the error of a (value, error) pair.
func second[T any](_ T, err error) error { return err }
