package scalars_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

// stringScalar bundles the functions of one of the seven string-typed scalars, so the same
// table-driven checks run for each.
type stringScalar struct {
	name      string
	validate  func(string) error
	unmarshal func(any) (string, error)
	marshal   func(string) graphql.Marshaler
}

var (
	awsDate      = stringScalar{"AWSDate", scalars.ParseAWSDate, scalars.UnmarshalAWSDate, scalars.MarshalAWSDate}
	awsTime      = stringScalar{"AWSTime", scalars.ParseAWSTime, scalars.UnmarshalAWSTime, scalars.MarshalAWSTime}
	awsEmail     = stringScalar{"AWSEmail", scalars.ValidEmail, scalars.UnmarshalAWSEmail, scalars.MarshalAWSEmail}
	awsJSON      = stringScalar{"AWSJSON", scalars.ValidJSON, scalars.UnmarshalAWSJSON, scalars.MarshalAWSJSON}
	awsURL       = stringScalar{"AWSURL", scalars.ValidURL, scalars.UnmarshalAWSURL, scalars.MarshalAWSURL}
	awsPhone     = stringScalar{"AWSPhone", scalars.ValidPhone, scalars.UnmarshalAWSPhone, scalars.MarshalAWSPhone}
	awsIPAddress = stringScalar{"AWSIPAddress", scalars.ValidIPAddress, scalars.UnmarshalAWSIPAddress, scalars.MarshalAWSIPAddress}
)

// runValid checks that every case is accepted by the validator and by Unmarshal, comes
// back unchanged, and survives marshal -> JSON decode -> unmarshal.
func (sc stringScalar) runValid(t *testing.T, cases []string) {
	t.Helper()
	for _, s := range cases {
		t.Run(caseName(s), func(t *testing.T) {
			require.NoError(t, sc.validate(s))
			got, err := sc.unmarshal(s)
			require.NoError(t, err)
			require.Equal(t, s, got)

			var back string
			require.NoError(t, json.Unmarshal([]byte(marshalGQL(t, sc.marshal(got))), &back))
			require.Equal(t, s, back)
			again, err := sc.unmarshal(back)
			require.NoError(t, err)
			require.Equal(t, s, again)
		})
	}
}

// runInvalid checks that every case is rejected by the validator and by Unmarshal with a
// BadRequest error naming the scalar.
func (sc stringScalar) runInvalid(t *testing.T, cases []string) {
	t.Helper()
	for _, s := range cases {
		t.Run(caseName(s), func(t *testing.T) {
			requireBadRequest(t, sc.validate(s), sc.name)
			got, err := sc.unmarshal(s)
			requireBadRequest(t, err, sc.name)
			require.Empty(t, got)
		})
	}
}

// nonStrings are inputs of the wrong kind for a text scalar, as gqlgen could hand them over
// (literals, JSON variables) plus Go values it never produces.
func nonStrings() map[string]any {
	return map[string]any{
		"null":        nil,
		"int64":       int64(42),
		"int":         7,
		"float64":     1.5,
		"json.Number": json.Number("1970"),
		"bool":        true,
		"object":      map[string]any{"a": "b"},
		"list":        []any{"1970-01-01"},
		"struct":      struct{ A string }{"x"},
		"pointer":     new(string),
		"func":        func() {},
		"error":       errors.New("x"),
	}
}

// runWrongTypes checks that non-string inputs are BadRequest errors that say what arrived.
func (sc stringScalar) runWrongTypes(t *testing.T) {
	t.Helper()
	for name, v := range nonStrings() {
		t.Run(name, func(t *testing.T) {
			got, err := sc.unmarshal(v)
			requireBadRequest(t, err, sc.name)
			require.Empty(t, got)
			require.Contains(t, apperr.MessageOf(err), "got ")
		})
	}
}

// requireBadRequest asserts err is an *apperr.Error with code BadRequest whose client
// message names the scalar and states what is expected.
func requireBadRequest(t *testing.T, err error, scalar string) {
	t.Helper()
	require.Error(t, err)
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, apperr.BadRequest, ae.Code)
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	msg := apperr.MessageOf(err)
	require.True(t, strings.HasPrefix(msg, "invalid "+scalar), "message %q should start with %q", msg, "invalid "+scalar)
	require.Contains(t, msg, "expected ")
	require.True(t, utf8.ValidString(msg))
	require.Less(t, len(msg), 600, "messages stay short whatever the input")
}

// marshalGQL runs a marshaler and checks that it wrote one valid JSON value.
func marshalGQL(t *testing.T, m graphql.Marshaler) string {
	t.Helper()
	var buf bytes.Buffer
	m.MarshalGQL(&buf)
	require.True(t, json.Valid(buf.Bytes()), "marshaled output %q is not valid JSON", buf.String())
	return buf.String()
}

// caseName makes a readable, bounded subtest name.
func caseName(s string) string {
	if s == "" {
		return "empty"
	}
	if len(s) > 48 {
		return fmt.Sprintf("%.40q...(%d_bytes)", s, len(s))
	}
	return fmt.Sprintf("%q", s)
}
