package scalars_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/scalars"
)

// The fuzz targets assert, for any string: no panic; a rejection is a BadRequest error
// naming the scalar; an accepted value survives marshal -> JSON -> unmarshal. Run one with
// e.g. `go test ./scalars/ -run '^$' -fuzz FuzzUnmarshalAWSDateTime -fuzztime 30s`; plain
// `go test` runs the seeds.

func FuzzUnmarshalAWSDateTime(f *testing.F) {
	for _, s := range []string{
		"1970-01-01T12:00:00.2Z", "1970-01-01T12:00:00.123456789Z", "2024-03-10T08:15-05:00",
		"2024-03-10T08:15:30+05:30:15", "0000-01-01T00:00Z", "9999-12-31T23:59:59.999999999Z",
		"9999-12-31T23:59:59-00:01", "2021-02-30T00:00Z", "1970-01-01T00:00", "1970-01-01T24:00Z",
		"1970-01-01T00:00+18:00", "1970-01-01T00:00:00.Z", "", "T", "Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := scalars.UnmarshalAWSDateTime(s)
		if err != nil {
			requireBadRequest(t, err, "AWSDateTime")
			require.True(t, got.IsZero())
			return
		}
		out := marshalGQL(t, scalars.MarshalAWSDateTime(got))
		var back string
		require.NoError(t, json.Unmarshal([]byte(out), &back))
		again, err := scalars.UnmarshalAWSDateTime(back)
		require.NoError(t, err, "output %q of accepted %q must be accepted", back, s)
		// Output keeps the instant to the millisecond (offsets are whole seconds, so the
		// sub-second part is the same in every zone).
		want := got.Add(-time.Duration(got.Nanosecond() % int(time.Millisecond)))
		require.True(t, again.Equal(want), "%q -> %q -> %v, want %v", s, back, again, want)
		require.Equal(t, back, scalars.FormatAWSDateTime(again), "output is a fixed point")
	})
}

func FuzzUnmarshalAWSJSON(f *testing.F) {
	for _, s := range []string{
		`{"upvotes": 10}`, `[1,2,3]`, `"AWSJSON example string"`, `1`, `true`, `null`, `hello`,
		`{"a":1,}`, `{'a':1}`, `-1.5e10`, `{"a":{"b":[null,false,"\u00e9"]}}`, "\"\xff\"", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := scalars.UnmarshalAWSJSON(s)
		if err != nil {
			requireBadRequest(t, err, "AWSJSON")
			require.Empty(t, got)
			return
		}
		require.Equal(t, s, got, "JSON text is kept as sent")
		require.True(t, json.Valid([]byte(got)))

		out := marshalGQL(t, scalars.MarshalAWSJSON(got))
		var back string
		require.NoError(t, json.Unmarshal([]byte(out), &back))
		require.Equal(t, got, back)
		again, err := scalars.UnmarshalAWSJSON(back)
		require.NoError(t, err)
		require.Equal(t, got, again)

		// The structured form of the same document is accepted too and means the same.
		decoded := decodeJSON(t, got)
		switch decoded.(type) {
		case nil:
			return // a structured null is GraphQL null, not AWSJSON
		case string:
			return // a Go string is always JSON text (see UnmarshalAWSJSON)
		}
		text, err := scalars.UnmarshalAWSJSON(decoded)
		require.NoError(t, err)
		require.True(t, reflect.DeepEqual(decoded, decodeJSON(t, text)), "%q re-encoded as %q", got, text)
	})
}

// decodeJSON decodes JSON text the way gqlgen decodes variables (numbers as json.Number).
func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// The remaining text scalars share one property check.
func fuzzStringScalar(f *testing.F, sc stringScalar, seeds []string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := sc.unmarshal(s)
		if err != nil {
			requireBadRequest(t, err, sc.name)
			requireBadRequest(t, sc.validate(s), sc.name)
			require.Empty(t, got)
			return
		}
		require.NoError(t, sc.validate(s))
		require.Equal(t, s, got)
		out := marshalGQL(t, sc.marshal(got))
		var back string
		require.NoError(t, json.NewDecoder(bytes.NewReader([]byte(out))).Decode(&back))
		require.Equal(t, s, back)
	})
}

func FuzzUnmarshalAWSDate(f *testing.F) {
	fuzzStringScalar(f, awsDate, []string{"1970-01-01", "1970-01-01Z", "1970-01-01-07:00", "1970-01-01+05:30:15", "2021-02-30", "2024-02-29"})
}

func FuzzUnmarshalAWSTime(f *testing.F) {
	fuzzStringScalar(f, awsTime, []string{"12:30Z", "12:30:24-07:00", "12:30:24.500+05:30", "24:00", "12:30:24.123456789"})
}

func FuzzUnmarshalAWSEmail(f *testing.F) {
	fuzzStringScalar(f, awsEmail, []string{"user@example.com", "a.b+c@d.co.uk", "user@localhost", `"q"@x.com`, "a@b@c.com"})
}

func FuzzUnmarshalAWSURL(f *testing.F) {
	fuzzStringScalar(f, awsURL, []string{"https://www.amazon.com/dp/B000NZW3KC/", "mailto:example@example.com", "www.amazon.com", "https://a.com//b", "localhost:8080", "http://[::1]:80/"})
}

func FuzzUnmarshalAWSPhone(f *testing.F) {
	fuzzStringScalar(f, awsPhone, []string{"+1 206-555-0100", "(206) 555-0100", "+44 20 7946 0958", "555-0100", "206--555-0100", "+(1)"})
}

func FuzzUnmarshalAWSIPAddress(f *testing.F) {
	fuzzStringScalar(f, awsIPAddress, []string{"123.12.34.56", "1a2b:3c4b::1234:4567", "123.45.67.89/16", "fe80::1%eth0", "[::1]", "::ffff:1.2.3.4/96"})
}

func FuzzUnmarshalAWSTimestamp(f *testing.F) {
	for _, s := range []string{"0", "-1", "1700000000", "1.7e9", "1.5", "9223372036854775808", "1e999999999", "-0.0e5", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := scalars.UnmarshalAWSTimestamp(json.Number(s))
		if err != nil {
			requireBadRequest(t, err, "AWSTimestamp")
			require.Zero(t, got)
			return
		}
		out := marshalGQL(t, scalars.MarshalAWSTimestamp(got))
		again, err := scalars.UnmarshalAWSTimestamp(json.Number(out))
		require.NoError(t, err)
		require.Equal(t, got, again)
	})
}
