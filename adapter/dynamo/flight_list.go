package dynamo

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/flight"
)

var gsi2KeyAttrs = []string{AttrPK, AttrSK, AttrGSI2PK, AttrGSI2SK}

// List pages through all flights in departure order: a Query on GSI2 (never a Scan of the
// table, which would read every entity), whose key-only items are fetched with
// BatchGetItem and filtered.
func (r *FlightRepository) List(ctx context.Context, q flight.ListQuery) (flight.Page, error) {
	scope, err := scopeOf("flights.list", q.Filter)
	if err != nil {
		return flight.Page{}, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(IndexGSI2),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI2PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: flightKeys.GSI2PK}},
	}
	if q.NextToken != "" {
		if in.ExclusiveStartKey, err = r.s.tokens.Open(q.NextToken, scope); err != nil {
			return flight.Page{}, err
		}
	}
	return r.page(ctx, in, q.Limit, q.Filter, gsi2KeyAttrs, r.s.resolveKeys, scope)
}

// page runs queryPage with a flight filter and decodes the result.
func (r *FlightRepository) page(ctx context.Context, in *dynamodb.QueryInput, limit int, f *flight.Filter,
	keyAttrs []string, resolve func(context.Context, []item) ([]item, error), scope string,
) (flight.Page, error) {
	var flights []*flight.Flight
	p, err := r.s.queryPage(ctx, in, limit, f != nil, keyAttrs, resolve, func(it item) (bool, error) {
		fl, err := decodeFlight(it)
		if err != nil {
			return false, err
		}
		if !f.Match(fl) {
			return false, nil
		}
		flights = append(flights, fl)
		return true, nil
	})
	if err != nil {
		return flight.Page{}, err
	}
	next, err := r.s.sealNext(p.next, scope)
	if err != nil {
		return flight.Page{}, storeError("seal nextToken", err)
	}
	return flight.Page{Items: flights, NextToken: next}, nil
}

// scopeOf describes a query canonically, to bind its nextTokens to it.
func scopeOf(pattern string, parts ...any) (string, error) {
	b, err := json.Marshal(parts)
	if err != nil {
		return "", storeError("token scope", err)
	}
	return pattern + "|" + string(b), nil
}
