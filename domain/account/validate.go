package account

import (
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/skygraph/skygraph/internal/apperr"
)

// The groups the user pool has. Group names are case-sensitive, as in Cognito.
const (
	// GroupAdmin may manage group membership and the catalogue.
	GroupAdmin = "Admin"
	// GroupRestaurantOwner may manage the waitlists of their restaurants.
	GroupRestaurantOwner = "RestaurantOwner"
)

// Limits, from Cognito's API where it has one.
const (
	// MaxEmailLength is RFC 5321's limit on a forward path, which no deliverable address exceeds.
	MaxEmailLength = 254
	// MinPasswordLength is Cognito's default password policy.
	MinPasswordLength = 8
	// MaxPasswordLength is Cognito's limit on a password.
	MaxPasswordLength = 256
	// MaxNameLength bounds the display name (characters).
	MaxNameLength = 100
	// MaxGroupNameLength and MaxUsernameLength are Cognito's limits on a GroupName and a
	// Username (here, a sub).
	MaxGroupNameLength = 128
	MaxUsernameLength  = 128
	// MaxCodeLength is Cognito's limit on a ConfirmationCode.
	MaxCodeLength = 2048
	// MaxRefreshTokenLength bounds what is sent to a provider; Cognito's are about 1.8 KB.
	MaxRefreshTokenLength = 8192
)

// passwordSymbols are the characters Cognito's password policy counts as symbols.
const passwordSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// cognitoName is Cognito's pattern for group names and usernames.
// Compiled on first use, not at package init: counted repetitions and Unicode classes make
// these costly to compile, and init runs on every start (a Lambda cold start included).
var cognitoName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`) })

// NormalizeEmail trims and lower-cases an email, the form every provider stores and
// compares, so letter case never creates a second account.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidateEmail checks that email (already normalised) is one plain address: no display
// name, no comments, a dotted domain, at most MaxEmailLength bytes.
func ValidateEmail(email string) error {
	bad := apperr.New(apperr.BadRequest, "email: must be a valid email address")
	if email == "" {
		return apperr.New(apperr.BadRequest, "email: required")
	}
	if len(email) > MaxEmailLength {
		return bad
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email || strings.ContainsAny(email, "\"\\ ") {
		return bad
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return bad
	}
	return nil
}

// ValidatePassword applies Cognito's default password policy: at least 8 characters, with
// an upper-case and a lower-case letter, a digit and a symbol, no leading or trailing
// space. The messages are Cognito's, so a frontend built for Cognito shows the same text.
func ValidatePassword(password string) error {
	policy := func(why string) error {
		return apperr.New(apperr.BadRequest, "Password did not conform with policy: %s", why)
	}
	if !utf8.ValidString(password) {
		return policy("Password must be valid UTF-8")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return policy("Password not long enough")
	}
	if n > MaxPasswordLength {
		return policy("Password is too long")
	}
	if strings.TrimSpace(password) != password {
		return policy("Password must not begin or end with a space")
	}
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(passwordSymbols, r):
			symbol = true
		}
	}
	switch {
	case !upper:
		return policy("Password must have uppercase characters")
	case !lower:
		return policy("Password must have lowercase characters")
	case !digit:
		return policy("Password must have numeric characters")
	case !symbol:
		return policy("Password must have symbol characters")
	}
	return nil
}

// NormalizeName trims a display name.
func NormalizeName(name string) string { return strings.TrimSpace(name) }

// ValidateName checks a (normalised) display name: 1 to MaxNameLength characters, no
// control characters (they would corrupt logs and e-mails).
func ValidateName(name string) error {
	if name == "" {
		return apperr.New(apperr.BadRequest, "name: required")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLength {
		return apperr.New(apperr.BadRequest, "name: must be 1 to %d characters", MaxNameLength)
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return apperr.New(apperr.BadRequest, "name: must not contain control characters")
	}
	return nil
}

// ValidateGroup checks a group name against Cognito's rules (1 to 128 letters, digits,
// punctuation or symbols; no spaces).
func ValidateGroup(group string) error {
	if group == "" {
		return apperr.New(apperr.BadRequest, "group: required")
	}
	if len(group) > MaxGroupNameLength || !cognitoName().MatchString(group) {
		return apperr.New(apperr.BadRequest, "group: must be 1 to %d letters, digits, punctuation or symbols", MaxGroupNameLength)
	}
	return nil
}

// NormalizeUser normalises a user reference of a group operation: an email (anything with
// an '@') is trimmed and lower-cased, a sub is trimmed.
func NormalizeUser(user string) string {
	user = strings.TrimSpace(user)
	if IsEmail(user) {
		return NormalizeEmail(user)
	}
	return user
}

// IsEmail reports whether a user reference is an email rather than a sub. A sub never
// contains '@' (Cognito's are UUIDs), so the '@' decides.
func IsEmail(user string) bool { return strings.Contains(user, "@") }

// ValidateUser checks a (normalised) user reference: a valid email, or a sub that Cognito
// would accept as a username.
func ValidateUser(user string) error {
	if user == "" {
		return apperr.New(apperr.BadRequest, "userId: required")
	}
	if IsEmail(user) {
		if ValidateEmail(user) != nil {
			return apperr.New(apperr.BadRequest, "userId: must be a user's sub or email")
		}
		return nil
	}
	if len(user) > MaxUsernameLength || !cognitoName().MatchString(user) {
		return apperr.New(apperr.BadRequest, "userId: must be a user's sub or email")
	}
	return nil
}
