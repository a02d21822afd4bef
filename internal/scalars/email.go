package scalars

import (
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// Email length limits: RFC 5321 caps the local part at 64 octets and a forward or reverse
// path at 256, which leaves 254 for the address itself; a DNS label is at most 63.
const (
	maxEmailLen  = 254
	maxLocalLen  = 64
	maxLabelLen  = 63
	emailSpecial = "!#$%&'*+-/=?^_`{|}~"
)

// ValidEmail checks that s is an AWSEmail. The AppSync guide says only "an email address in
// the format local-part@domain-part as defined by RFC 822"; full RFC 822 also allows
// comments, quoted strings and folding whitespace that no frontend sends and few mail
// systems accept, so this accepts the common "dot-atom" form:
//
//   - exactly one @, with at most 254 bytes in all;
//   - a local part of 1-64 ASCII letters, digits and !#$%&'*+-/=?^_`{|}~, in runs
//     separated by single dots (no leading, trailing or doubled dot);
//   - a domain of at least two dot-separated labels (user@localhost and user@gmail are
//     rejected, which catches a common typo), each 1-63 ASCII letters, digits or hyphens,
//     not starting or ending with a hyphen.
//
// Quoted local parts ("a b"@example.com), IP-literal domains (user@[10.0.0.1]) and
// non-ASCII addresses (RFC 6531) are rejected; IDN domains are accepted in their punycode
// form (user@xn--bcher-kva.example). It returns nil or a BadRequest *apperr.Error.
func ValidEmail(s string) error {
	const scalar = "AWSEmail"
	if err := checkText(scalar, s, MaxInputLen, expectEmail); err != nil {
		return err
	}
	if len(s) > maxEmailLen {
		return invalidValue(scalar, s, fmt.Sprintf("longer than %d characters", maxEmailLen), expectEmail)
	}
	local, domain, found := strings.Cut(s, "@")
	if !found {
		return invalidValue(scalar, s, "the @ is missing", expectEmail)
	}
	if strings.Contains(domain, "@") {
		return invalidValue(scalar, s, "more than one @", expectEmail)
	}
	if reason := checkLocalPart(local); reason != "" {
		return invalidValue(scalar, s, reason, expectEmail)
	}
	if reason := checkDomain(domain); reason != "" {
		return invalidValue(scalar, s, reason, expectEmail)
	}
	return nil
}

func checkLocalPart(local string) string {
	switch {
	case local == "":
		return "the local part before @ is empty"
	case len(local) > maxLocalLen:
		return fmt.Sprintf("the local part is longer than %d characters", maxLocalLen)
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return "the local part has a leading, trailing or doubled dot"
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isAlnum(c) && c != '.' && !strings.ContainsRune(emailSpecial, rune(c)) {
			return "the local part contains " + describeChar(local, i)
		}
	}
	return ""
}

func checkDomain(domain string) string {
	if domain == "" {
		return "the domain after @ is empty"
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "the domain needs at least two labels, such as example.com"
	}
	for _, l := range labels {
		switch {
		case l == "":
			return "the domain has an empty label (a leading, trailing or doubled dot)"
		case len(l) > maxLabelLen:
			return fmt.Sprintf("a domain label is longer than %d characters", maxLabelLen)
		case l[0] == '-' || l[len(l)-1] == '-':
			return "a domain label starts or ends with a hyphen"
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return "the domain contains " + describeChar(l, i)
			}
		}
	}
	return ""
}

// MarshalAWSEmail writes an AWSEmail string as a GraphQL String, unchanged.
func MarshalAWSEmail(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSEmail accepts a GraphQL String that ValidEmail accepts and returns it
// unchanged (no case folding: the local part is case-sensitive in principle). Anything else
// is a BadRequest error.
func UnmarshalAWSEmail(v any) (string, error) {
	s, err := stringInput("AWSEmail", v, expectEmail)
	if err != nil {
		return "", err
	}
	if err := ValidEmail(s); err != nil {
		return "", err
	}
	return s, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// describeChar names the character at byte i of s for an error message, spelling out the
// invisible ones.
func describeChar(s string, i int) string {
	switch c := s[i]; {
	case c == ' ':
		return "a space"
	case c < 0x20 || c == 0x7f:
		return "a control character"
	case c >= 0x80:
		return "a non-ASCII character"
	default:
		return fmt.Sprintf("the character %q", c)
	}
}
