package flight

import (
	"github.com/skygraph/skygraph/internal/apperr"
)

// ScheduleKey is one value of the ByDepartureSchedule index's composite sort key
// (arrivalAirportCode#departureDate). Parts are used left to right: a departureDate
// without an arrivalAirportCode cannot be expressed, as in Amplify.
type ScheduleKey struct {
	ArrivalAirportCode *string
	DepartureDate      *string
}

// ScheduleCondition is Amplify's ModelFlightByDepartureScheduleCompositeKeyConditionInput.
// Exactly one operator may be set.
type ScheduleCondition struct {
	Eq, Le, Lt, Ge, Gt *ScheduleKey
	Between            []*ScheduleKey
	BeginsWith         *ScheduleKey
}

// ScheduleOp names the operator of a ScheduleCondition.
type ScheduleOp string

// The key condition operators DynamoDB supports on a sort key.
const (
	OpEq         ScheduleOp = "eq"
	OpLe         ScheduleOp = "le"
	OpLt         ScheduleOp = "lt"
	OpGe         ScheduleOp = "ge"
	OpGt         ScheduleOp = "gt"
	OpBetween    ScheduleOp = "between"
	OpBeginsWith ScheduleOp = "beginsWith"
)

// Op returns the condition's operator and its operand(s) (two for between). It returns a
// BadRequest unless exactly one operator is set with well-formed keys.
func (c *ScheduleCondition) Op() (ScheduleOp, []ScheduleKey, error) {
	const field = "arrivalAirportCodeDepartureDate"
	var (
		op   ScheduleOp
		keys []*ScheduleKey
		n    int
	)
	for _, o := range []struct {
		op ScheduleOp
		k  []*ScheduleKey
		ok bool
	}{
		{OpEq, []*ScheduleKey{c.Eq}, c.Eq != nil},
		{OpLe, []*ScheduleKey{c.Le}, c.Le != nil},
		{OpLt, []*ScheduleKey{c.Lt}, c.Lt != nil},
		{OpGe, []*ScheduleKey{c.Ge}, c.Ge != nil},
		{OpGt, []*ScheduleKey{c.Gt}, c.Gt != nil},
		{OpBetween, c.Between, c.Between != nil},
		{OpBeginsWith, []*ScheduleKey{c.BeginsWith}, c.BeginsWith != nil},
	} {
		if o.ok {
			n++
			op, keys = o.op, o.k
		}
	}
	if n != 1 {
		return "", nil, apperr.New(apperr.BadRequest, "%s: set exactly one of eq, le, lt, ge, gt, between, beginsWith", field)
	}
	if op == OpBetween && (len(keys) != 2 || keys[0] == nil || keys[1] == nil) {
		return "", nil, apperr.New(apperr.BadRequest, "%s.between: takes exactly two keys", field)
	}
	out := make([]ScheduleKey, len(keys))
	for i, k := range keys {
		if k.ArrivalAirportCode == nil {
			return "", nil, apperr.New(apperr.BadRequest, "%s.%s: arrivalAirportCode is required", field, op)
		}
		if k.DepartureDate == nil && op == OpEq {
			// eq on a partial composite key would match only an item whose sort key is
			// the bare code, which never exists: say so instead of returning nothing.
			return "", nil, apperr.New(apperr.BadRequest, "%s.eq: needs both arrivalAirportCode and departureDate (use beginsWith for a prefix)", field)
		}
		out[i] = *k
	}
	return op, out, nil
}
