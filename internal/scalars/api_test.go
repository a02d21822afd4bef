package scalars_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

// The signatures gqlgen's function-marshaler binding needs (gqlgen.yml maps each scalar to
// scalars.<Name>): a change here breaks code generation, so it fails to compile first.
var (
	_ func(string) graphql.Marshaler    = scalars.MarshalAWSDate
	_ func(any) (string, error)         = scalars.UnmarshalAWSDate
	_ func(string) graphql.Marshaler    = scalars.MarshalAWSTime
	_ func(any) (string, error)         = scalars.UnmarshalAWSTime
	_ func(time.Time) graphql.Marshaler = scalars.MarshalAWSDateTime
	_ func(any) (time.Time, error)      = scalars.UnmarshalAWSDateTime
	_ func(int64) graphql.Marshaler     = scalars.MarshalAWSTimestamp
	_ func(any) (int64, error)          = scalars.UnmarshalAWSTimestamp
	_ func(string) graphql.Marshaler    = scalars.MarshalAWSEmail
	_ func(any) (string, error)         = scalars.UnmarshalAWSEmail
	_ func(string) graphql.Marshaler    = scalars.MarshalAWSJSON
	_ func(any) (string, error)         = scalars.UnmarshalAWSJSON
	_ func(string) graphql.Marshaler    = scalars.MarshalAWSURL
	_ func(any) (string, error)         = scalars.UnmarshalAWSURL
	_ func(string) graphql.Marshaler    = scalars.MarshalAWSPhone
	_ func(any) (string, error)         = scalars.UnmarshalAWSPhone
	_ func(string) graphql.Marshaler    = scalars.MarshalAWSIPAddress
	_ func(any) (string, error)         = scalars.UnmarshalAWSIPAddress
)

// TestNeverPanics feeds every Unmarshal function odd Go values gqlgen never produces.
func TestNeverPanics(t *testing.T) {
	s := "x"
	odd := map[string]any{
		"nil":           nil,
		"typed nil map": map[string]any(nil),
		"typed nil ptr": (*string)(nil),
		"pointer":       &s,
		"chan":          make(chan int),
		"func":          func() {},
		"complex":       complex(1, 2),
		"map int keys":  map[int]int{1: 2},
		"struct":        struct{ A, b int }{1, 2},
		"NaN":           math.NaN(),
		"bytes":         []byte("\xff\x00"),
		"nested any":    []any{map[string]any{"a": []any{nil, math.Inf(1)}}},
		"empty string":  "",
		"huge string":   string(make([]byte, 4*scalars.MaxJSONLen)),
	}
	funcs := map[string]func(any) error{
		"AWSDate":      func(v any) error { _, err := scalars.UnmarshalAWSDate(v); return err },
		"AWSTime":      func(v any) error { _, err := scalars.UnmarshalAWSTime(v); return err },
		"AWSDateTime":  func(v any) error { _, err := scalars.UnmarshalAWSDateTime(v); return err },
		"AWSTimestamp": func(v any) error { _, err := scalars.UnmarshalAWSTimestamp(v); return err },
		"AWSEmail":     func(v any) error { _, err := scalars.UnmarshalAWSEmail(v); return err },
		"AWSJSON":      func(v any) error { _, err := scalars.UnmarshalAWSJSON(v); return err },
		"AWSURL":       func(v any) error { _, err := scalars.UnmarshalAWSURL(v); return err },
		"AWSPhone":     func(v any) error { _, err := scalars.UnmarshalAWSPhone(v); return err },
		"AWSIPAddress": func(v any) error { _, err := scalars.UnmarshalAWSIPAddress(v); return err },
	}
	for scalar, unmarshal := range funcs {
		for name, v := range odd {
			t.Run(scalar+"/"+name, func(t *testing.T) {
				var err error
				require.NotPanics(t, func() { err = unmarshal(v) })
				if scalar == "AWSJSON" && err == nil {
					return // structured values that encode are accepted (see UnmarshalAWSJSON)
				}
				requireBadRequest(t, err, scalar)
			})
		}
	}
}

// TestErrorsAreAppErrors checks the error contract the GraphQL edge relies on: every
// rejection is an *apperr.Error, code BadRequest, with no cause to leak.
func TestErrorsAreAppErrors(t *testing.T) {
	errs := map[string]error{
		"AWSDate":      scalars.ParseAWSDate("2021-02-30"),
		"AWSTime":      scalars.ParseAWSTime("24:00"),
		"AWSDateTime":  second(scalars.ParseAWSDateTime("1970-01-01T00:00")),
		"AWSTimestamp": second(scalars.UnmarshalAWSTimestamp(json.Number("1.5"))),
		"AWSEmail":     scalars.ValidEmail("user@localhost"),
		"AWSJSON":      scalars.ValidJSON("hello"),
		"AWSURL":       scalars.ValidURL("www.amazon.com"),
		"AWSPhone":     scalars.ValidPhone("555-0100"),
		"AWSIPAddress": scalars.ValidIPAddress("256.0.0.1"),
	}
	for scalar, err := range errs {
		t.Run(scalar, func(t *testing.T) {
			requireBadRequest(t, err, scalar)
			require.True(t, apperr.Is(err, apperr.BadRequest))
			var ae *apperr.Error
			require.ErrorAs(t, err, &ae)
			require.NoError(t, ae.Cause)
		})
	}
}
