package scalars

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Input size caps. No valid value of the text scalars comes near 2 KiB (a URL is the
// longest in practice, and browsers themselves cap those around 2 KiB), so anything longer
// is rejected before it is parsed. AWSJSON carries documents and gets more room; 1 MiB is
// well above what a GraphQL argument should carry while still bounding the work.
const (
	// MaxInputLen is the longest accepted input, in bytes, for every text scalar but AWSJSON.
	MaxInputLen = 2 << 10
	// MaxJSONLen is the longest accepted AWSJSON text, in bytes.
	MaxJSONLen = 1 << 20
)

// maxShown bounds how much of a rejected value is echoed in an error message, so a huge
// input does not make a huge error (and log line).
const maxShown = 64

// The expected formats, as client-facing phrases used in every error message.
const (
	expectDate      = "a calendar date YYYY-MM-DD with an optional offset such as Z or +05:30"
	expectTime      = "a time hh:mm[:ss[.fraction]] with an optional offset such as Z or -07:00"
	expectDateTime  = "a date and time YYYY-MM-DDThh:mm[:ss[.fraction]] with a required offset such as Z or +05:30"
	expectTimestamp = "an integer number of seconds since 1970-01-01T00:00Z"
	expectEmail     = "an email address local-part@domain-part such as user@example.com"
	expectJSON      = "a string containing valid JSON (RFC 8259), such as {\"a\": 1}, [1, 2] or \"text\" with its quotes"
	expectURL       = "a URL with a scheme, such as https://www.example.com/path or mailto:user@example.com, and no // in the path"
	expectPhone     = "a phone number such as +1 206-555-0100, (206) 555-0100 or +44 20 7946 0958: digit groups separated by single spaces or hyphens, with an optional + and country code"
	expectIP        = "an IPv4 address such as 123.12.34.56 or an IPv6 address such as 1a2b:3c4b::1234:4567, with an optional CIDR suffix such as /16"
)

// invalidValue reports a value of the right Go type that breaks the scalar's format. reason
// is optional detail ("2021-02 has no day 30"); the expected format is always appended.
func invalidValue(scalar, value, reason, expect string) error {
	if reason != "" {
		return apperr.New(apperr.BadRequest, "invalid %s %s: %s; expected %s", scalar, shown(value), reason, expect)
	}
	return apperr.New(apperr.BadRequest, "invalid %s %s: expected %s", scalar, shown(value), expect)
}

// wrongType reports an input of a kind the scalar never accepts (a number for AWSDate, a
// string for AWSTimestamp, null, ...). It names the kind in GraphQL/JSON terms, not Go ones.
func wrongType(scalar string, v any, expect string) error {
	return apperr.New(apperr.BadRequest, "invalid %s: got %s, expected %s", scalar, kindOf(v), expect)
}

// shown quotes value for a message, cut to maxShown runes so messages stay small.
func shown(value string) string {
	if !utf8.ValidString(value) {
		value = strings.ToValidUTF8(value, "\uFFFD")
	}
	if utf8.RuneCountInString(value) <= maxShown {
		return fmt.Sprintf("%q", value)
	}
	cut := 0
	for i := range value {
		if cut == maxShown {
			return fmt.Sprintf("%q (%d bytes)", value[:i]+"…", len(value))
		}
		cut++
	}
	return fmt.Sprintf("%q", value)
}

// kindOf names the JSON/GraphQL kind of an unmarshalled input value.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return "a number"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	default:
		return fmt.Sprintf("an unsupported value (%T)", v)
	}
}

// checkText applies the checks every text scalar shares: a length cap and valid UTF-8.
// Invalid UTF-8 is rejected because the value would otherwise be written back as invalid
// JSON; a GraphQL request decoded by encoding/json cannot contain it anyway.
func checkText(scalar, s string, limit int, expect string) error {
	if len(s) > limit {
		return invalidValue(scalar, s, fmt.Sprintf("longer than %d bytes", limit), expect)
	}
	if !utf8.ValidString(s) {
		return invalidValue(scalar, s, "not valid UTF-8", expect)
	}
	return nil
}

// stringInput extracts the string a text scalar needs from an unmarshalled input value.
func stringInput(scalar string, v any, expect string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", wrongType(scalar, v, "a string holding "+expect)
	}
	return s, nil
}
