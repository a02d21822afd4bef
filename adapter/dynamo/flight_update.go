package dynamo

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Update writes next over prev in one UpdateItem, conditional on prev.Version.
//
// Seats are never written from the stale copy: bookings change seatCapacity without
// touching version, so the update either leaves it alone, shifts it atomically by the
// totalSeats change (refusing to go below zero), or sets it explicitly when the caller
// asked for a value.
func (r *FlightRepository) Update(ctx context.Context, prev, next *flight.Flight) error {
	full, err := attributevalue.MarshalMap(newFlightItem(next))
	if err != nil {
		return storeError("encode flight", err)
	}
	names := map[string]string{"#v": attrVersion}
	values := map[string]types.AttributeValue{
		":v":   &types.AttributeValueMemberN{Value: strconv.FormatInt(prev.Version, 10)},
		":one": &types.AttributeValueMemberN{Value: "1"},
	}
	set := []string{"#v = #v + :one"}
	cond := "#v = :v"
	i := 0
	for name, v := range full {
		switch name {
		case AttrPK, AttrSK, attrVersion, attrSeatCapacity:
			continue
		}
		i++
		n, val := "#a"+strconv.Itoa(i), ":a"+strconv.Itoa(i)
		names[n], values[val] = name, v
		set = append(set, n+" = "+val)
	}
	switch delta, relative := flight.SeatsShift(prev, next); {
	case relative && delta != 0:
		names["#seats"] = attrSeatCapacity
		values[":d"] = &types.AttributeValueMemberN{Value: strconv.Itoa(delta)}
		set = append(set, "#seats = #seats + :d")
		if delta < 0 {
			values[":negd"] = &types.AttributeValueMemberN{Value: strconv.Itoa(-delta)}
			cond += " AND #seats >= :negd"
		}
	case !relative:
		names["#seats"] = attrSeatCapacity
		values[":seats"] = &types.AttributeValueMemberN{Value: strconv.Itoa(next.SeatCapacity)}
		set = append(set, "#seats = :seats")
	}
	expr := "SET " + strings.Join(set, ", ")
	_, err = r.s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(r.s.table),
		Key:                                 flightKey(prev.ID),
		UpdateExpression:                    aws.String(expr),
		ConditionExpression:                 aws.String("attribute_exists(PK) AND " + cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := isConditionFailed(err); ok {
		return r.explainFailedWrite(ctx, ccf, prev)
	}
	return storeError("UpdateItem flight", err)
}

// explainFailedWrite tells why a conditional write on a flight failed: gone, edited
// concurrently, or too many seats sold for the new totalSeats. It uses the item DynamoDB
// returned with the failure (ReturnValuesOnConditionCheckFailure) and reads it when the
// endpoint returned none (minidyn omits it on DeleteItem).
func (r *FlightRepository) explainFailedWrite(ctx context.Context, ccf *types.ConditionalCheckFailedException, prev *flight.Flight) error {
	var (
		cur *flight.Flight
		err error
	)
	if len(ccf.Item) > 0 {
		cur, err = decodeFlight(ccf.Item)
	} else {
		cur, err = r.Get(ctx, prev.ID)
	}
	if err != nil {
		return err
	}
	if cur.Version != prev.Version {
		return apperr.New(apperr.Conflict, "flight %s was changed concurrently", prev.ID)
	}
	return apperr.New(apperr.BadRequest, "totalSeats: %d seats are sold, so totalSeats cannot go below that",
		cur.TotalSeats-cur.SeatCapacity)
}
