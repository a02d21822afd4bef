package scalars

import (
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/skygraph/skygraph/internal/apperr"
)

// ValidJSON checks that s is AWSJSON text: valid JSON per RFC 8259, at most MaxJSONLen
// bytes. Any JSON value is accepted at the top level, as AppSync does: objects
// ({"upvotes": 10}), arrays ([1,2,3]) and scalars (1, true, null, "text" with its quotes).
// An unquoted word such as hello is not JSON and is rejected, as the guide says ("Unquoted
// strings or otherwise invalid JSON result in a GraphQL validation error"). It returns nil
// or a BadRequest *apperr.Error.
func ValidJSON(s string) error {
	const scalar = "AWSJSON"
	if err := checkText(scalar, s, MaxJSONLen, expectJSON); err != nil {
		return err
	}
	if !json.Valid([]byte(s)) {
		return invalidValue(scalar, s, "not valid JSON", expectJSON)
	}
	return nil
}

// MarshalAWSJSON writes the JSON text as a GraphQL String, which is how AppSync returns
// AWSJSON: the client receives "{\"a\":1}" and parses it itself.
func MarshalAWSJSON(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSJSON returns AWSJSON input as JSON text.
//
// A GraphQL String is the AppSync form: it must hold valid JSON (see ValidJSON) and is
// returned unchanged. Note that a string is always taken as JSON text, never as a JSON
// string value: to pass the JSON string "hello", send "\"hello\"".
//
// As a documented leniency beyond AppSync, an already structured value is accepted too
// and re-encoded with encoding/json: an object, list, number or boolean given as a JSON
// variable ({"meta": {"a": 1}} rather than {"meta": "{\"a\":1}"}) or as a GraphQL object or
// list literal. Clients written against other GraphQL servers' JSON scalars send that form,
// and rejecting a value whose meaning is unambiguous would only break them. Object keys come
// out sorted, numbers keep their JSON text. null, values that cannot be encoded (NaN,
// channels, ...) and encodings over MaxJSONLen are BadRequest errors.
func UnmarshalAWSJSON(v any) (string, error) {
	const scalar = "AWSJSON"
	switch x := v.(type) {
	case string:
		if err := ValidJSON(x); err != nil {
			return "", err
		}
		return x, nil
	case nil:
		return "", wrongType(scalar, v, expectJSON)
	case json.RawMessage:
		return UnmarshalAWSJSON(string(x))
	case []byte:
		return UnmarshalAWSJSON(string(x))
	}
	b, err := encodeJSON(v)
	if err != nil {
		return "", apperr.Wrap(err, apperr.BadRequest, "invalid %s: got %s that cannot be encoded as JSON, expected %s", scalar, kindOf(v), expectJSON)
	}
	if len(b) > MaxJSONLen {
		return "", invalidValue(scalar, string(b), fmt.Sprintf("longer than %d bytes once encoded", MaxJSONLen), expectJSON)
	}
	return string(b), nil
}

// encodeJSON is json.Marshal that turns a panic (from some type's MarshalJSON method) into
// an error, so UnmarshalAWSJSON never panics whatever it is handed.
func encodeJSON(v any) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("encoding %T panicked: %v", v, r)
		}
	}()
	return json.Marshal(v)
}
