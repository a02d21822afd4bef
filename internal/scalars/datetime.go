package scalars

import (
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// The three ISO 8601 scalars share one hand-written parser rather than time.Parse layouts:
// AppSync's grammar (optional seconds, 1-9 fraction digits, offsets with optional seconds,
// offset optional for AWSDate/AWSTime but compulsory for AWSDateTime) is not expressible as
// a Go layout, and time.Parse silently accepts things AppSync does not (such as a comma
// before the fraction).
//
// The rules, from the AppSync developer guide:
//
//	date    = YYYY "-" MM "-" DD                    a real Gregorian date, years 0000-9999
//	time    = hh ":" mm [ ":" ss [ "." 1*9DIGIT ] ] 00:00 to 23:59:59.999999999
//	offset  = "Z" / ("+" / "-") hh ":" mm [ ":" ss ]  at most 18:00 either way
//
// The seconds field of an offset is accepted "even though it is not part of the ISO 8601
// standard", as the guide says. The 18:00 cap is java.time.ZoneOffset's range (AppSync's
// own limit is undocumented); no real zone is beyond ±14:00. "T" and "Z" must be upper
// case, and there is no leap second (ss = 60), as in ISO 8601's extended format used by
// JavaScript's Date.toISOString.

// AWSDateTimeLayout is the time.Format layout of AWSDateTime output: UTC with exactly three
// fraction digits, the shape JavaScript's Date.prototype.toISOString produces, so a
// frontend can compare and sort the strings it receives.
const AWSDateTimeLayout = "2006-01-02T15:04:05.000Z"

// maxOffsetSeconds is the largest accepted offset magnitude, 18:00.
const maxOffsetSeconds = 18 * 60 * 60

// The instants an AWSDateTime may denote: those whose UTC form still has a four-digit
// year, so every accepted value can be written back with AWSDateTimeLayout and parsed again.
var (
	minDateTime = time.Date(0, time.January, 1, 0, 0, 0, 0, time.UTC)
	maxDateTime = time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC)
)

// ParseAWSDate checks that s is an AWSDate: an extended ISO 8601 calendar date YYYY-MM-DD,
// optionally followed by a time zone offset Z, ±hh:mm or ±hh:mm:ss. Valid examples from the
// AppSync guide: 1970-01-01, 1970-01-01Z, 1970-01-01-07:00, 1970-01-01+05:30. The date must
// exist (2021-02-30 and month 13 are rejected; 2024-02-29 is fine). It returns nil or a
// BadRequest *apperr.Error.
//
// AWSDate stays a string in Go because the value has no single instant: with or without an
// offset it names a calendar day, and keeping the client's text avoids inventing one.
func ParseAWSDate(s string) error {
	const scalar = "AWSDate"
	if err := checkText(scalar, s, MaxInputLen, expectDate); err != nil {
		return err
	}
	p := parser{s: s}
	if _, _, _, reason, ok := p.date(); !ok {
		return invalidValue(scalar, s, reason, expectDate)
	}
	if !p.done() {
		if _, reason, ok := p.offset(); !ok || !p.done() {
			return invalidValue(scalar, s, reason, expectDate)
		}
	}
	return nil
}

// ParseAWSTime checks that s is an AWSTime: hh:mm, hh:mm:ss or hh:mm:ss.fraction with 1 to 9
// fraction digits (the seconds are required when there is a fraction), optionally followed
// by an offset Z, ±hh:mm or ±hh:mm:ss. Valid examples from the AppSync guide: 12:30Z,
// 12:30:24-07:00, 12:30:24.500+05:30. Hours run 00-23, minutes and seconds 00-59, so 24:00
// and 12:60 are rejected. It returns nil or a BadRequest *apperr.Error.
func ParseAWSTime(s string) error {
	const scalar = "AWSTime"
	if err := checkText(scalar, s, MaxInputLen, expectTime); err != nil {
		return err
	}
	p := parser{s: s}
	if _, _, _, _, reason, ok := p.clock(); !ok {
		return invalidValue(scalar, s, reason, expectTime)
	}
	if !p.done() {
		if _, reason, ok := p.offset(); !ok || !p.done() {
			return invalidValue(scalar, s, reason, expectTime)
		}
	}
	return nil
}

// ParseAWSDateTime parses an AWSDateTime: YYYY-MM-DDThh:mm[:ss[.fraction]] followed by a
// compulsory offset Z, ±hh:mm or ±hh:mm:ss, with the date and time rules of ParseAWSDate
// and ParseAWSTime; for example 1970-01-01T12:00:00.277Z or 2024-03-10T08:15-05:00. The
// result carries the given offset as a fixed zone (UTC for Z and zero offsets) and keeps
// every fraction digit. The instant must fall within the years 0000-9999 in UTC, so that
// FormatAWSDateTime can write it back. It returns a BadRequest *apperr.Error on failure.
func ParseAWSDateTime(s string) (time.Time, error) {
	const scalar = "AWSDateTime"
	if err := checkText(scalar, s, MaxInputLen, expectDateTime); err != nil {
		return time.Time{}, err
	}
	p := parser{s: s}
	y, mo, d, reason, ok := p.date()
	if !ok {
		return time.Time{}, invalidValue(scalar, s, reason, expectDateTime)
	}
	if !p.lit('T') {
		return time.Time{}, invalidValue(scalar, s, "", expectDateTime)
	}
	h, mi, sec, ns, reason, ok := p.clock()
	if !ok {
		return time.Time{}, invalidValue(scalar, s, reason, expectDateTime)
	}
	if p.done() {
		return time.Time{}, invalidValue(scalar, s, "the time zone offset is required (Z for UTC)", expectDateTime)
	}
	off, reason, ok := p.offset()
	if !ok || !p.done() {
		return time.Time{}, invalidValue(scalar, s, reason, expectDateTime)
	}
	loc := time.UTC
	if off != 0 {
		loc = time.FixedZone("", off)
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, loc)
	if t.Before(minDateTime) || t.After(maxDateTime) {
		return time.Time{}, invalidValue(scalar, s, "the instant is outside the years 0000-9999 in UTC", expectDateTime)
	}
	return t, nil
}

// FormatAWSDateTime writes t as MarshalAWSDateTime does: converted to UTC, with exactly
// three fraction digits (truncated, not rounded), for example 2024-03-10T13:15:00.000Z.
// Any value ParseAWSDateTime accepted formats to a string it accepts again.
func FormatAWSDateTime(t time.Time) string {
	return t.UTC().Format(AWSDateTimeLayout)
}

// MarshalAWSDate writes an AWSDate string as a GraphQL String, unchanged.
func MarshalAWSDate(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSDate accepts a GraphQL String that ParseAWSDate accepts and returns it
// unchanged. Anything else (another type, null, an invalid date) is a BadRequest error.
func UnmarshalAWSDate(v any) (string, error) {
	s, err := stringInput("AWSDate", v, expectDate)
	if err != nil {
		return "", err
	}
	if err := ParseAWSDate(s); err != nil {
		return "", err
	}
	return s, nil
}

// MarshalAWSTime writes an AWSTime string as a GraphQL String, unchanged.
func MarshalAWSTime(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSTime accepts a GraphQL String that ParseAWSTime accepts and returns it
// unchanged. Anything else is a BadRequest error.
func UnmarshalAWSTime(v any) (string, error) {
	s, err := stringInput("AWSTime", v, expectTime)
	if err != nil {
		return "", err
	}
	if err := ParseAWSTime(s); err != nil {
		return "", err
	}
	return s, nil
}

// MarshalAWSDateTime writes t as a GraphQL String in FormatAWSDateTime's form (UTC,
// milliseconds). Normalising means clients get one comparable shape whatever offset the
// value was written with; the original offset and digits beyond the millisecond are not
// kept, which is also all a JavaScript Date can hold.
func MarshalAWSDateTime(t time.Time) graphql.Marshaler {
	return graphql.MarshalString(FormatAWSDateTime(t))
}

// UnmarshalAWSDateTime accepts a GraphQL String that ParseAWSDateTime accepts and returns
// the parsed time. Anything else is a BadRequest error.
func UnmarshalAWSDateTime(v any) (time.Time, error) {
	s, err := stringInput("AWSDateTime", v, expectDateTime)
	if err != nil {
		return time.Time{}, err
	}
	return ParseAWSDateTime(s)
}

// parser is a cursor over the ASCII grammar above. Each method consumes on success and
// returns ok=false (with an optional reason) on failure; callers stop at the first failure.
type parser struct {
	s string
	i int
}

func (p *parser) done() bool { return p.i == len(p.s) }

// lit consumes the byte c.
func (p *parser) lit(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// num consumes exactly n ASCII digits and returns their value.
func (p *parser) num(n int) (int, bool) {
	if len(p.s)-p.i < n {
		return 0, false
	}
	v := 0
	for _, c := range []byte(p.s[p.i : p.i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v, true
}

// date consumes YYYY-MM-DD and checks that the day exists.
func (p *parser) date() (y, m, d int, reason string, ok bool) {
	var okY, okM, okD bool
	y, okY = p.num(4)
	if !okY || !p.lit('-') {
		return 0, 0, 0, "", false
	}
	m, okM = p.num(2)
	if !okM || !p.lit('-') {
		return 0, 0, 0, "", false
	}
	d, okD = p.num(2)
	if !okD {
		return 0, 0, 0, "", false
	}
	if m < 1 || m > 12 {
		return 0, 0, 0, fmt.Sprintf("month %02d does not exist", m), false
	}
	if d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, fmt.Sprintf("%04d-%02d has no day %02d", y, m, d), false
	}
	return y, m, d, "", true
}

// clock consumes hh:mm[:ss[.fraction]] and returns the fraction in nanoseconds.
func (p *parser) clock() (h, m, sec, ns int, reason string, ok bool) {
	var okH, okM bool
	h, okH = p.num(2)
	if !okH || !p.lit(':') {
		return 0, 0, 0, 0, "", false
	}
	m, okM = p.num(2)
	if !okM {
		return 0, 0, 0, 0, "", false
	}
	if h > 23 {
		return 0, 0, 0, 0, fmt.Sprintf("hour %02d is out of range 00-23", h), false
	}
	if m > 59 {
		return 0, 0, 0, 0, fmt.Sprintf("minute %02d is out of range 00-59", m), false
	}
	if !p.lit(':') {
		return h, m, 0, 0, "", true
	}
	var okS bool
	sec, okS = p.num(2)
	if !okS {
		return 0, 0, 0, 0, "", false
	}
	if sec > 59 {
		return 0, 0, 0, 0, fmt.Sprintf("second %02d is out of range 00-59", sec), false
	}
	if !p.lit('.') {
		return h, m, sec, 0, "", true
	}
	digits := 0
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		if digits == 9 {
			return 0, 0, 0, 0, "the fraction of a second has more than 9 digits", false
		}
		ns = ns*10 + int(p.s[p.i]-'0')
		digits++
		p.i++
	}
	if digits == 0 {
		return 0, 0, 0, 0, "", false
	}
	for k := digits; k < 9; k++ {
		ns *= 10
	}
	return h, m, sec, ns, "", true
}

// offset consumes Z, ±hh:mm or ±hh:mm:ss and returns the offset east of UTC in seconds.
func (p *parser) offset() (secs int, reason string, ok bool) {
	if p.lit('Z') {
		return 0, "", true
	}
	sign := 1
	switch {
	case p.lit('+'):
	case p.lit('-'):
		sign = -1
	default:
		return 0, "", false
	}
	h, okH := p.num(2)
	if !okH || !p.lit(':') {
		return 0, "", false
	}
	m, okM := p.num(2)
	if !okM {
		return 0, "", false
	}
	sec := 0
	if p.lit(':') {
		var okS bool
		if sec, okS = p.num(2); !okS {
			return 0, "", false
		}
	}
	if m > 59 || sec > 59 {
		return 0, "the offset's minutes and seconds must be 00-59", false
	}
	total := h*3600 + m*60 + sec
	if total > maxOffsetSeconds {
		return 0, "the offset is beyond ±18:00", false
	}
	return sign * total, "", true
}

// daysIn returns the number of days in month m of year y (proleptic Gregorian calendar).
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}
