package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/apperr"
)

var gsi1KeyAttrs = []string{AttrPK, AttrSK, AttrGSI1PK, AttrGSI1SK}

// Search is getFlightBySchedule: one Query on GSI1 (ROUTE#<departure>, sort key
// <arrival>#<departureDate>) with the composite key condition, filtered in pages.
func (r *FlightRepository) Search(ctx context.Context, q flight.ScheduleQuery) (flight.Page, error) {
	scope, err := scopeOf("flights.search", q.DepartureAirportCode, q.Key, q.Descending, q.Filter)
	if err != nil {
		return flight.Page{}, err
	}
	names := map[string]string{"#pk": AttrGSI1PK}
	values := map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: flightKeys.GSI1PK(q.DepartureAirportCode)}}
	cond := "#pk = :pk"
	if q.Key != nil {
		op, keys, err := q.Key.Op()
		if err != nil {
			return flight.Page{}, err
		}
		names["#sk"] = AttrGSI1SK
		sk := func(name string, k flight.ScheduleKey) string {
			values[name] = &types.AttributeValueMemberS{Value: scheduleSortKey(k, op == flight.OpBeginsWith)}
			return name
		}
		switch op {
		case flight.OpEq:
			cond += " AND #sk = " + sk(":sk", keys[0])
		case flight.OpLe:
			cond += " AND #sk <= " + sk(":sk", keys[0])
		case flight.OpLt:
			cond += " AND #sk < " + sk(":sk", keys[0])
		case flight.OpGe:
			cond += " AND #sk >= " + sk(":sk", keys[0])
		case flight.OpGt:
			cond += " AND #sk > " + sk(":sk", keys[0])
		case flight.OpBetween:
			if scheduleSortKey(keys[0], false) > scheduleSortKey(keys[1], false) {
				return flight.Page{}, apperr.New(apperr.BadRequest, "arrivalAirportCodeDepartureDate.between: the first key must not sort after the second")
			}
			cond += " AND #sk BETWEEN " + sk(":lo", keys[0]) + " AND " + sk(":hi", keys[1])
		case flight.OpBeginsWith:
			cond += " AND begins_with(#sk, " + sk(":sk", keys[0]) + ")"
		}
	}
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
			return flight.Page{}, err
		}
	}
	return r.page(ctx, in, q.Limit, q.Filter, gsi1KeyAttrs, nil, scope)
}
