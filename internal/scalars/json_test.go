package scalars_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

func TestAWSJSON(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		awsJSON.runValid(t, []string{
			// The AppSync service description's own examples: maps, lists and scalars.
			`{"upvotes": 10}`, `[1,2,3]`, `"AWSJSON example string"`, `1`, `true`,
			`null`, `false`, `{}`, `[]`, `-1.5e10`, `0`,
			` {"a": [1, {"b": null}], "c": "d"} `, "{\n\t\"a\": 1\n}",
			`{"emoji":"😀","escaped":"\u00e9\n\"q\""}`, `"é"`, `[[[[[]]]]]`,
			`{"a":1,"a":2}`, // duplicate keys are valid JSON (RFC 8259 says SHOULD be unique)
			`"` + strings.Repeat("x", scalars.MaxJSONLen-2) + `"`, // exactly the limit
		})
	})
	t.Run("invalid", func(t *testing.T) {
		awsJSON.runInvalid(t, []string{
			// Unquoted strings, as the AppSync guide warns.
			"", "hello", "AWSJSON example string", "undefined", "NaN", "Infinity",
			// Broken or non-standard JSON.
			"{", "}", `{'a':1}`, `{"a":1,}`, `[1,2`, `[1,]`, `{a:1}`, `{"a" 1}`, `01`, `.5`, `+1`,
			`{"a":1}{"b":2}`, `[1] [2]`, `"unterminated`, `"tab	inside"`, `// comment`, `{"a":1} // c`,
			"\ufeff{}", // a byte order mark is not JSON
			// Invalid UTF-8 and oversized input.
			"\"\xff\"", `"` + strings.Repeat("x", scalars.MaxJSONLen-1) + `"`,
		})
	})
	t.Run("null", func(t *testing.T) {
		got, err := scalars.UnmarshalAWSJSON(nil)
		requireBadRequest(t, err, "AWSJSON")
		require.Empty(t, got)
	})
}

// TestAWSJSONStructured covers the documented leniency: values already decoded from a JSON
// variable or a GraphQL object/list literal are re-encoded to JSON text.
func TestAWSJSONStructured(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"object with sorted keys", map[string]any{"b": json.Number("1"), "a": json.Number("2.50")}, `{"a":2.50,"b":1}`},
		{"nested", map[string]any{"seats": []any{map[string]any{"row": int64(1), "ok": true}}, "note": nil}, `{"note":null,"seats":[{"ok":true,"row":1}]}`},
		{"list", []any{int64(1), "x", true, nil}, `[1,"x",true,null]`},
		{"empty object", map[string]any{}, `{}`},
		{"empty list", []any{}, `[]`},
		{"number variable", json.Number("42"), `42`},
		{"number literal", int64(-7), `-7`},
		{"float literal", 1.5, `1.5`},
		{"boolean", true, `true`},
		{"string inside", map[string]any{"html": "<b>&</b>"}, `{"html":"\u003cb\u003e\u0026\u003c/b\u003e"}`},
		{"raw message", json.RawMessage(`{"a": 1}`), `{"a": 1}`},
		{"bytes as text", []byte(`[1]`), `[1]`},
		{"map with int keys", map[int]int{1: 2}, `{"1":2}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := scalars.UnmarshalAWSJSON(c.in)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
			require.NoError(t, scalars.ValidJSON(got))

			// The output is the text as a GraphQL String, which reads back unchanged.
			out := marshalGQL(t, scalars.MarshalAWSJSON(got))
			var back string
			require.NoError(t, json.Unmarshal([]byte(out), &back))
			require.Equal(t, got, back)
			again, err := scalars.UnmarshalAWSJSON(back)
			require.NoError(t, err)
			require.Equal(t, got, again)
		})
	}
}

type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("boom") }

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("nope") }

func TestAWSJSONStructuredInvalid(t *testing.T) {
	huge := make([]any, scalars.MaxJSONLen/2)
	for i := range huge {
		huge[i] = int64(1)
	}
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"NaN", math.NaN(), "cannot be encoded as JSON"},
		{"NaN inside", map[string]any{"x": math.Inf(1)}, "got an object that cannot be encoded as JSON"},
		{"bad number text", json.Number("abc"), "cannot be encoded as JSON"},
		{"channel", make(chan int), "cannot be encoded as JSON"},
		{"func", func() {}, "cannot be encoded as JSON"},
		{"panicking marshaler", panicky{}, "cannot be encoded as JSON"},
		{"failing marshaler", failing{}, "cannot be encoded as JSON"},
		{"invalid raw message", json.RawMessage(`{`), "not valid JSON"},
		{"too large once encoded", huge, "longer than 1048576 bytes once encoded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := scalars.UnmarshalAWSJSON(c.in)
			requireBadRequest(t, err, "AWSJSON")
			require.Empty(t, got)
			require.Contains(t, apperr.MessageOf(err), c.want)
		})
	}
}

func TestMarshalAWSJSON(t *testing.T) {
	// AppSync returns AWSJSON as a string holding the JSON text, not as nested JSON.
	require.Equal(t, `"{\"a\":1}"`, marshalGQL(t, scalars.MarshalAWSJSON(`{"a":1}`)))
	require.Equal(t, `"[1,2,3]"`, marshalGQL(t, scalars.MarshalAWSJSON(`[1,2,3]`)))
	require.Equal(t, `"\"text\""`, marshalGQL(t, scalars.MarshalAWSJSON(`"text"`)))
	require.Equal(t, `"{\n\t\"a\": \"\\u00e9\"\n}"`, marshalGQL(t, scalars.MarshalAWSJSON("{\n\t\"a\": \"\\u00e9\"\n}")))
}

func TestAWSJSONMessages(t *testing.T) {
	err := scalars.ValidJSON("hello")
	require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
	require.Equal(t, `invalid AWSJSON "hello": not valid JSON; expected a string containing valid JSON (RFC 8259), such as {"a": 1}, [1, 2] or "text" with its quotes`, apperr.MessageOf(err))

	// A huge input is echoed only in part.
	big := `{"a":"` + strings.Repeat("x", scalars.MaxJSONLen) + `"}`
	err = scalars.ValidJSON(big)
	require.Contains(t, apperr.MessageOf(err), "longer than 1048576 bytes")
	require.Contains(t, apperr.MessageOf(err), "…")
	require.Less(t, len(apperr.MessageOf(err)), 400)
}
