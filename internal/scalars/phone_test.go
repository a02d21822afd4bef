package scalars_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/scalars"
)

func TestAWSPhone(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		awsPhone.runValid(t, []string{
			// North American numbers, with and without the country code.
			"+1 206-555-0100", "+1-206-555-0100", "+12065550100", "+1 206 555 0100",
			"206-555-0100", "206 555 0100", "2065550100", "206 555-0100",
			"(206) 555-0100", "(206)555-0100", "(206)-555-0100", "+1 (206) 555-0100", "+1(206)555-0100",
			"1-800-555-0199", "1 800 555 0199", "18005550199", "1 (800) 555-0199",
			// International numbers: + and country code, 7 to 15 digits.
			"+44 20 7946 0958", "+442079460958", "+44 (20) 7946 0958", "+91-22-1234-5678",
			"+33 1 23 45 67 89", "+81-3-1234-5678", "+61 2 9876 5432", "+683 4002",
			"+49 1234 5678901 23",
		})
	})
	t.Run("invalid", func(t *testing.T) {
		awsPhone.runInvalid(t, []string{
			"", "+", "-", "()", "abc", "phone",
			// No country code, so NANP, but not 10 digits.
			"555-0100", "5550100", "206-555-010", "206-555-01000", "22065550100", "206 555 0100 1",
			// NANP area and exchange codes start with 2-9.
			"123-555-0100", "023-555-0100", "206-155-0100", "206-055-0100", "+1 123-555-0100", "1-800-155-0199",
			// Separators: only single spaces or hyphens between groups.
			"206.555.0100", "206/555/0100", "206_555_0100", "206--555-0100", "206 - 555 - 0100",
			"206  555 0100", "-206-555-0100", "206-555-0100-", " 206-555-0100", "206-555-0100 ",
			"206-555-0100\n", "206\t555\t0100",
			// The + must be followed directly by the country code.
			"+ 44 20 7946 0958", "+-44 20 7946 0958", "+(44) 20 7946 0958", "++44 20 7946 0958", "44+20",
			// Parentheses.
			"(206 555-0100", "206) 555-0100", "()206-555-0100", "(206) (555) 0100", "((206)) 555-0100",
			"(2-06) 555-0100",
			// Country codes and E.164 lengths.
			"+0 123 4567", "+44 123", "+12065550100 1", "+1 206-555-010", "+49 1234 5678901 234",
			"+" + strings.Repeat("9", 40),
			// Extensions, letters, Unicode digits.
			"206-555-0100 ext 12", "206-555-0100x12", "1-800-FLOWERS", "２０６-５５５-０１００",
			strings.Repeat("2", scalars.MaxInputLen+1), "206-555-0100\xff",
		})
	})
	t.Run("wrong types", awsPhone.runWrongTypes)
	t.Run("messages", func(t *testing.T) {
		for in, want := range map[string]string{
			"555-0100":           "must be a 10-digit North American number",
			"123-555-0100":       "area code 123 is not a North American area code",
			"206-155-0100":       "exchange code 155",
			"206.555.0100":       "contains the character '.'",
			"206--555-0100":      "single spaces or hyphens between digit groups",
			"+0 123 4567":        "never starts with 0",
			"+1 206-555-010":     "10 digits after the country code",
			"+44 123":            "7 to 15 digits",
			"(206) (555) 0100":   "only one group may be in parentheses",
			"+(44) 20 7946 0958": "must follow the + directly",
		} {
			err := scalars.ValidPhone(in)
			require.Equal(t, apperr.BadRequest, apperr.CodeOf(err), in)
			require.Contains(t, apperr.MessageOf(err), want, in)
		}
	})
}
