package dynamo

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/booking"
)

// ByCustomer is getBookingByStatus: one Query on GSI1 (CUSTOMER#<customer>, sort key
// BOOKING#<status>#<id>) with the status condition turned into a sort-key condition
// (statusKeyCondition), filtered in pages. Every item is also checked against the status
// condition itself, so the result is exactly "compare the status string", whatever the
// operand holds.
func (r *BookingRepository) ByCustomer(ctx context.Context, q booking.CustomerQuery) (booking.Page, error) {
	rng, err := booking.StatusRange(q.Status)
	if err != nil {
		return booking.Page{}, err
	}
	scope, err := scopeOf("bookings.byCustomer", q.Customer, rng, q.Descending, q.Filter)
	if err != nil {
		return booking.Page{}, err
	}
	names := map[string]string{"#pk": AttrGSI1PK, "#sk": AttrGSI1SK}
	values := map[string]types.AttributeValue{":pk": stringValue(bookingKeys.GSI1PK(q.Customer))}
	cond := "#pk = :pk AND " + statusKeyCondition(rng, values)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(!q.Descending),
	}
	if q.NextToken != "" {
		if in.ExclusiveStartKey, err = r.s.tokens.Open(q.NextToken, scope); err != nil {
			return booking.Page{}, err
		}
	}
	filtered := q.Filter != nil || rng.Op != booking.KeyAny
	return r.page(ctx, in, q.Limit, filtered, gsi1KeyAttrs, nil, scope, func(b *booking.Booking) bool {
		return rng.Match(b.Status) && q.Filter.Match(b)
	})
}

// statusKeyCondition is the condition on GSI1SK (#sk) that selects the statuses in rng,
// adding its operands to values. Sort keys are P+status+"#"+id with P = "BOOKING#", and
// statuses and ids only hold letters, digits, '-' and '_', all of which sort after '$'
// (and '$' right after '#'). So for an operand A:
//
//	status = A            begins_with(#sk, P+A+"#")
//	status begins with A  begins_with(#sk, P+A)
//	status ≥ A            #sk ≥ P+A
//	status > A            #sk > P+A+"$"   (past every P+A+"#"+id)
//	status ≤ A            #sk < P+A+"$"
//	status < A            #sk < P+A       (before every P+A+"#"+id)
//	between A and B       #sk BETWEEN P+A AND P+B+"$"
//
// Upper bounds need care when A holds a character that sorts at or before '$': a status
// is then ≤ A exactly when it is ≤ A cut before that character (every status character
// sorts after it), so the bound is that of ≤ on the cut operand, for < as well. Operands
// are short (booking.StatusRange bounds them), so every key fits. The condition may
// select more than asked (begins_with on an operand holding '#'), never less: the caller
// checks every item against rng.
func statusKeyCondition(rng booking.KeyRange, values map[string]types.AttributeValue) string {
	val := func(name, v string) string {
		values[name] = stringValue(bookingStatusPrefix + v)
		return name
	}
	switch rng.Op {
	case booking.KeyEq:
		return "begins_with(#sk, " + val(":sk", rng.A+bookingStatusSeparator) + ")"
	case booking.KeyBeginsWith:
		return "begins_with(#sk, " + val(":sk", rng.A) + ")"
	case booking.KeyLe:
		return "#sk < " + val(":sk", statusUpper(rng.A, true))
	case booking.KeyLt:
		return "#sk < " + val(":sk", statusUpper(rng.A, false))
	case booking.KeyGe:
		return "#sk >= " + val(":sk", rng.A)
	case booking.KeyGt:
		return "#sk > " + val(":sk", rng.A+"$")
	case booking.KeyBetween:
		// BETWEEN needs lo ≤ hi; when the cut upper bound sorts first nothing matches, and
		// BETWEEN hi AND hi selects nothing either (no key ends in '$').
		hi := statusUpper(rng.B, true)
		lo := min(rng.A, hi)
		return "#sk BETWEEN " + val(":lo", lo) + " AND " + val(":hi", hi)
	default:
		return "begins_with(#sk, " + val(":sk", "") + ")"
	}
}

// statusUpper is the exclusive upper bound (after P) of the sort keys of the statuses
// ≤ a (inclusive) or < a.
func statusUpper(a string, inclusive bool) string {
	if i := strings.IndexFunc(a, func(c rune) bool { return c <= '$' }); i >= 0 {
		a, inclusive = a[:i], true
	}
	if inclusive {
		return a + "$"
	}
	return a
}

// page runs queryPage over booking items, keeps those match accepts, and seals the resume
// key into a nextToken bound to scope.
func (r *BookingRepository) page(ctx context.Context, in *dynamodb.QueryInput, limit int, filtered bool,
	keyAttrs []string, resolve func(context.Context, []item) ([]item, error), scope string, match func(*booking.Booking) bool,
) (booking.Page, error) {
	if limit <= 0 {
		limit = booking.DefaultLimit
	}
	var out []*booking.Booking
	p, err := r.s.queryPage(ctx, in, limit, filtered, keyAttrs, resolve, func(it item) (bool, error) {
		b, err := decodeBooking(it)
		if err != nil {
			return false, err
		}
		if !match(b) {
			return false, nil
		}
		out = append(out, b)
		return true, nil
	})
	if err != nil {
		return booking.Page{}, err
	}
	next, err := r.s.sealNext(p.next, scope)
	if err != nil {
		return booking.Page{}, storeError("seal nextToken", err)
	}
	return booking.Page{Items: out, NextToken: next}, nil
}
