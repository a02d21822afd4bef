package scalars_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

func TestAWSEmail(t *testing.T) {
	label63 := strings.Repeat("d", 63)
	t.Run("valid", func(t *testing.T) {
		awsEmail.runValid(t, []string{
			"example@example.com", // the AppSync guide's mailto: example
			"username@example.com",
			"first.last@example.co.uk",
			"user+tag@sub.example.com",
			"a@b.co",
			"x!#$%&'*+-/=?^_`{|}~@example.com",
			"USER@EXAMPLE.COM",
			"user@xn--bcher-kva.example",
			"1234@123.com",
			"user@example-site.com",
			"o'brien@example.ie",
			"a.b.c.d@e.f.g.h",
			strings.Repeat("l", 64) + "@example.com",
			"user@" + label63 + ".com",
			// 254 bytes exactly.
			strings.Repeat("l", 64) + "@" + label63 + "." + label63 + "." + strings.Repeat("e", 61),
		})
	})
	t.Run("invalid", func(t *testing.T) {
		awsEmail.runInvalid(t, []string{
			"", "plainaddress", "@example.com", "user@", "@", "user@@example.com", "user@exa@mple.com",
			// One label: a missing TLD is almost always a typo.
			"user@localhost", "user@gmail",
			// Dots.
			".user@example.com", "user.@example.com", "us..er@example.com",
			"user@.example.com", "user@example.com.", "user@example..com",
			// Hyphens and other characters in the domain.
			"user@-example.com", "user@example-.com", "user@exa_mple.com", "user@example.com>",
			"user@exämple.com", "user@[10.0.0.1]",
			// Spaces, controls, quotes, comments, non-ASCII local parts.
			"us er@example.com", "user@exam ple.com", "user@example.com ", " user@example.com",
			"user\n@example.com", "user@example.com\x00", `"quoted"@example.com`, `"a b"@example.com`,
			"user(comment)@example.com", "usér@example.com", "用户@例子.广告", "John Doe <john@example.com>",
			"user,other@example.com", "user;@example.com", "user\\@example.com",
			// Length limits.
			strings.Repeat("l", 65) + "@example.com",
			"user@" + label63 + "d.com",
			strings.Repeat("l", 64) + "@" + label63 + "." + label63 + "." + strings.Repeat("e", 62),
			strings.Repeat("a", scalars.MaxInputLen+1),
			"user@example.com\xff",
		})
	})
	t.Run("wrong types", awsEmail.runWrongTypes)
}

func TestAWSEmailMessages(t *testing.T) {
	cases := map[string]string{
		"user.example.com":       "the @ is missing",
		"a@b@example.com":        "more than one @",
		"@example.com":           "the local part before @ is empty",
		"user@":                  "the domain after @ is empty",
		"user@localhost":         "at least two labels",
		"us er@example.com":      "the local part contains a space",
		"user@exam_ple.com":      "the domain contains the character '_'",
		"usér@example.com":       "the local part contains a non-ASCII character",
		"user..name@example.com": "doubled dot",
	}
	for in, want := range cases {
		t.Run(caseName(in), func(t *testing.T) {
			err := scalars.ValidEmail(in)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err))
			require.Contains(t, apperr.MessageOf(err), want)
			require.Contains(t, apperr.MessageOf(err), "expected an email address local-part@domain-part")
		})
	}
}
