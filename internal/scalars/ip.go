package scalars

import (
	"net/netip"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// ValidIPAddress checks that s is an AWSIPAddress. The AppSync guide: "IPv4 addresses are
// expected in quad-dotted notation (123.12.34.56). IPv6 addresses are expected in
// non-bracketed, colon-separated format (1a2b:3c4b::1234:4567). You can include an optional
// CIDR suffix (123.45.67.89/16) to indicate subnet mask." Parsing is net/netip's, so:
//
//   - IPv4 is exactly four decimal octets 0-255 without leading zeros (010.0.0.1 is
//     ambiguous, octal to some parsers, and rejected);
//   - IPv6 is any RFC 4291 text form, including :: compression and an embedded IPv4 tail
//     (::ffff:192.0.2.1), but without brackets or a zone (fe80::1%eth0);
//   - the suffix /n is a decimal 0-32 for IPv4 and 0-128 for IPv6, without leading zeros
//     or sign; host bits may be set, as in the guide's own example 123.45.67.89/16.
//
// The value is not normalised. It returns nil or a BadRequest *apperr.Error.
func ValidIPAddress(s string) error {
	const scalar = "AWSIPAddress"
	if err := checkText(scalar, s, MaxInputLen, expectIP); err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(s, "["):
		return invalidValue(scalar, s, "IPv6 addresses must not be bracketed", expectIP)
	case strings.Contains(s, "%"):
		return invalidValue(scalar, s, "IPv6 zones (%eth0) are not allowed", expectIP)
	case strings.Contains(s, "/"):
		if _, err := netip.ParsePrefix(s); err != nil {
			reason := ""
			if addr, _, _ := strings.Cut(s, "/"); validAddr(addr) {
				reason = "the CIDR suffix must be /0 to /32 for IPv4 or /0 to /128 for IPv6"
			}
			return invalidValue(scalar, s, reason, expectIP)
		}
	default:
		if _, err := netip.ParseAddr(s); err != nil {
			return invalidValue(scalar, s, "", expectIP)
		}
	}
	return nil
}

func validAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// MarshalAWSIPAddress writes an AWSIPAddress string as a GraphQL String, unchanged.
func MarshalAWSIPAddress(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSIPAddress accepts a GraphQL String that ValidIPAddress accepts and returns it
// unchanged. Anything else is a BadRequest error.
func UnmarshalAWSIPAddress(v any) (string, error) {
	s, err := stringInput("AWSIPAddress", v, expectIP)
	if err != nil {
		return "", err
	}
	if err := ValidIPAddress(s); err != nil {
		return "", err
	}
	return s, nil
}
