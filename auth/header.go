package auth

import (
	"errors"
	"strings"

	"github.com/skygraph/skygraph/internal/apperr"
)

// msgHeaderInvalid is the client-safe message of a malformed Authorization header (AppSync's
// wording). It never echoes the header.
const msgHeaderInvalid = "Valid authorization header not provided."

// TokenFromHeader extracts the token from an Authorization header value, the way AppSync
// reads it: either the bare JWT (what Amplify sends) or "Bearer <JWT>", the scheme matched
// case-insensitively (RFC 9110 §11.1), surrounding whitespace ignored.
//
// An empty (or blank) header is no credential: present is false and the caller is
// anonymous. Anything else is a credential: present is true, and a header that holds no
// usable token ("Bearer" alone, another scheme such as "Basic …", a value with inner
// spaces) is an Unauthorized error rather than anonymous access, so a client sending broken
// credentials learns it with a 401 instead of silently seeing public data only.
// The token itself is checked by Verifier.Verify.
func TokenFromHeader(value string) (token string, present bool, err error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", false, nil
	}
	i := strings.IndexAny(value, " \t")
	if i < 0 {
		if strings.EqualFold(value, "Bearer") {
			return "", true, headerInvalid(errors.New("bearer scheme without a token"))
		}
		return value, true, nil // a bare token, as AppSync accepts
	}
	if !strings.EqualFold(value[:i], "Bearer") {
		return "", true, headerInvalid(errors.New("unsupported authorization scheme or malformed token"))
	}
	token = strings.TrimSpace(value[i+1:]) // not empty: value was trimmed
	if strings.ContainsAny(token, " \t") {
		return "", true, headerInvalid(errors.New("malformed bearer token"))
	}
	return token, true, nil
}

// headerInvalid is the error of an Authorization header without a usable token.
func headerInvalid(cause error) *apperr.Error {
	return apperr.Wrap(cause, apperr.Unauthorized, msgHeaderInvalid)
}
