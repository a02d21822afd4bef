package scalars

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/99designs/gqlgen/graphql"
)

// hostSchemes are the WHATWG URL Standard's "special" schemes other than file: their URLs
// are meaningless without a host, so http:/path and https:// are rejected.
var hostSchemes = map[string]bool{"http": true, "https": true, "ws": true, "wss": true, "ftp": true}

// ValidURL checks that s is an AWSURL. The AppSync guide: "A URL as defined by RFC 1738.
// For example, https://www.amazon.com/dp/B000NZW3KC/ or mailto:example@example.com. URLs
// must contain a schema (http, mailto) and can't contain two forward slashes (//) in the
// path part." Precisely, s must
//
//   - parse as a URI (net/url, which follows RFC 3986, RFC 1738's successor) and have a
//     scheme, any syntactically valid one (http, https, mailto, ftp, file, tel, urn, s3,
//     myapp, ...); www.amazon.com and //example.com have none and are rejected;
//   - have no "//" in its path: after the authority for hierarchical URLs
//     (https://example.com//a is rejected, https://example.com/a?next=//b is fine), or in
//     the whole part after the scheme for opaque ones (mailto:, urn:, tel:);
//   - have a non-empty host for http, https, ws, wss and ftp, and a port, if any, within
//     0-65535;
//   - have something after the scheme (https: and mailto: alone are rejected);
//   - contain no whitespace or control characters (percent-encode them); other characters,
//     including non-ASCII ones, are accepted as browsers send them;
//   - not be a bare host and port such as localhost:8080, which RFC 3986 would read as the
//     scheme "localhost" but is always a missing http://.
//
// It checks syntax only: a javascript: URL is a valid URL, and nothing here makes a URL safe
// to render or fetch. It returns nil or a BadRequest *apperr.Error.
func ValidURL(s string) error {
	const scalar = "AWSURL"
	if err := checkText(scalar, s, MaxInputLen, expectURL); err != nil {
		return err
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return invalidValue(scalar, s, "it contains whitespace or a control character (percent-encode it)", expectURL)
	}
	u, err := url.Parse(s)
	if err != nil {
		return invalidValue(scalar, s, "", expectURL)
	}
	if u.Scheme == "" {
		return invalidValue(scalar, s, "the scheme (such as https:) is missing", expectURL)
	}
	if u.Opaque != "" {
		if looksLikePort(u.Opaque) {
			return invalidValue(scalar, s, "it looks like a host and port without a scheme (add https://)", expectURL)
		}
		if strings.Contains(u.Opaque, "//") {
			return invalidValue(scalar, s, "the path contains //", expectURL)
		}
		return nil
	}
	if u.Host == "" && u.Path == "" && u.RawQuery == "" && u.Fragment == "" {
		return invalidValue(scalar, s, "nothing follows the scheme", expectURL)
	}
	if u.Host != "" && u.Hostname() == "" {
		return invalidValue(scalar, s, "the host is empty", expectURL)
	}
	if hostSchemes[u.Scheme] && u.Host == "" {
		return invalidValue(scalar, s, "a "+u.Scheme+" URL needs a host", expectURL)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n > 65535 {
			return invalidValue(scalar, s, "the port is out of range 0-65535", expectURL)
		}
	}
	if strings.Contains(u.EscapedPath(), "//") {
		return invalidValue(scalar, s, "the path contains //", expectURL)
	}
	return nil
}

// looksLikePort reports whether the opaque part of a URI is a port number, optionally
// followed by a path, query or fragment: what url.Parse makes of "localhost:8080/x".
func looksLikePort(opaque string) bool {
	end := strings.IndexAny(opaque, "/?#")
	if end < 0 {
		end = len(opaque)
	}
	return allDigits(opaque[:end])
}

// MarshalAWSURL writes an AWSURL string as a GraphQL String, unchanged.
func MarshalAWSURL(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSURL accepts a GraphQL String that ValidURL accepts and returns it unchanged
// (not normalised: the client's text is what AppSync would store). Anything else is a
// BadRequest error.
func UnmarshalAWSURL(v any) (string, error) {
	s, err := stringInput("AWSURL", v, expectURL)
	if err != nil {
		return "", err
	}
	if err := ValidURL(s); err != nil {
		return "", err
	}
	return s, nil
}
