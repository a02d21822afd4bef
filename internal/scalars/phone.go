package scalars

import (
	"fmt"

	"github.com/99designs/gqlgen/graphql"
)

// Phone digit bounds. E.164 caps an international number at 15 digits including the
// country code; the shortest in service (Niue, Saint Helena: a 3-digit country code and
// 4-digit subscriber numbers) have 7.
const (
	minIntlDigits = 7
	maxIntlDigits = 15
)

// ValidPhone checks that s is an AWSPhone. The AppSync guide: "Phone numbers can contain
// either spaces or hyphens to separate digit groups. Phone numbers without a country code
// are assumed to be US/North American numbers adhering to the North American Numbering
// Plan (NANP)." Precisely, s is
//
//	[+] group (separator group)*
//
// where a group is a run of ASCII digits, and a separator is a single space or hyphen. One
// group may be wrapped in parentheses, as an area code usually is; no separator is needed
// next to it ("(206)555-0100", "+1(206)555-0100"). Nothing else is allowed: no dots,
// slashes, letters or extensions ("x123"), no leading, trailing or doubled separators, and
// the + must be followed directly by the country code's digits. Then, counting digits only:
//
//   - with a +, the number is international (E.164): 7 to 15 digits, not starting with 0;
//     if the country code is 1 it is a NANP number and must have 1 + 10 digits;
//   - without a +, it is a NANP number: 10 digits, or 11 starting with the country code 1
//     ("1-800-555-0199").
//
// A NANP number's area code and exchange code (its first two 3-digit blocks) must start
// with 2-9. For example +1 206-555-0100, 206-555-0100, (206) 555-0100, +44 20 7946 0958 and
// +91-22-1234-5678 are valid; 555-0100 (7 digits), 206.555.0100 and 123-555-0100 are not.
// It returns nil or a BadRequest *apperr.Error.
func ValidPhone(s string) error {
	const scalar = "AWSPhone"
	if err := checkText(scalar, s, MaxInputLen, expectPhone); err != nil {
		return err
	}
	digits, plus, reason := scanPhone(s)
	if reason == "" {
		reason = checkPhoneDigits(digits, plus)
	}
	if reason != "" {
		return invalidValue(scalar, s, reason, expectPhone)
	}
	return nil
}

// scanPhone checks the shape of a phone number and returns its digits (at most
// maxIntlDigits+1 of them; more is reported through the count check) and whether it
// starts with +.
func scanPhone(s string) (digits []byte, plus bool, reason string) {
	i := 0
	if s != "" && s[0] == '+' {
		plus, i = true, 1
	}
	expectGroup := true // a group must come next: at the start and after a separator
	groups, parens := 0, 0
	add := func(c byte) {
		if len(digits) <= maxIntlDigits {
			digits = append(digits, c)
		}
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == '(':
			if c == '(' {
				if parens > 0 {
					return nil, false, "only one group may be in parentheses"
				}
				if plus && groups == 0 {
					return nil, false, "the country code must follow the + directly"
				}
				j := i + 1
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					add(s[j])
					j++
				}
				if j == i+1 || j == len(s) || s[j] != ')' {
					return nil, false, "parentheses must enclose a group of digits"
				}
				i, parens = j+1, parens+1
			} else {
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					add(s[i])
					i++
				}
			}
			groups++
			expectGroup = false
		case c == ' ' || c == '-':
			if expectGroup {
				return nil, false, "separators must be single spaces or hyphens between digit groups"
			}
			expectGroup = true
			i++
		default:
			return nil, false, "it contains " + describeChar(s, i)
		}
	}
	if groups == 0 {
		return nil, false, "there are no digits"
	}
	if expectGroup {
		return nil, false, "separators must be single spaces or hyphens between digit groups"
	}
	return digits, plus, ""
}

// checkPhoneDigits applies the digit-count and numbering-plan rules to the digits alone.
func checkPhoneDigits(digits []byte, plus bool) string {
	n := len(digits)
	if plus {
		switch {
		case digits[0] == '0':
			return "a country code never starts with 0"
		case digits[0] == '1':
			if n != 11 {
				return "a +1 (North American) number has 10 digits after the country code"
			}
			return checkNANP(digits[1:])
		case n < minIntlDigits || n > maxIntlDigits:
			return fmt.Sprintf("an international number has %d to %d digits including the country code", minIntlDigits, maxIntlDigits)
		}
		return ""
	}
	switch {
	case n == 10:
		return checkNANP(digits)
	case n == 11 && digits[0] == '1':
		return checkNANP(digits[1:])
	}
	return "a number without a + and country code must be a 10-digit North American number"
}

// checkNANP checks a 10-digit NANP number NXX-NXX-XXXX: N is 2-9.
func checkNANP(d []byte) string {
	if d[0] < '2' {
		return fmt.Sprintf("area code %s is not a North American area code (it must start with 2-9)", d[:3])
	}
	if d[3] < '2' {
		return fmt.Sprintf("exchange code %s is not a North American exchange code (it must start with 2-9)", d[3:6])
	}
	return ""
}

// MarshalAWSPhone writes an AWSPhone string as a GraphQL String, unchanged.
func MarshalAWSPhone(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSPhone accepts a GraphQL String that ValidPhone accepts and returns it
// unchanged: AppSync stores a phone number as the string the client sent, separators and
// all. Anything else is a BadRequest error.
func UnmarshalAWSPhone(v any) (string, error) {
	s, err := stringInput("AWSPhone", v, expectPhone)
	if err != nil {
		return "", err
	}
	if err := ValidPhone(s); err != nil {
		return "", err
	}
	return s, nil
}
