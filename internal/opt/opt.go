// Package opt turns Go zero values into GraphQL nulls. DynamoDB leaves an unset attribute
// out, Go reads it back as the zero value, and the API must show it as null (as AppSync
// does): one helper for every domain type and resolver that presents such a field.
package opt

import "time"

// String is s, or nil when s is empty (unset).
func String(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Time is t, or nil when t is the zero time (unset).
func Time(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
