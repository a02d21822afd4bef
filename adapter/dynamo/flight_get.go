package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Get reads one flight by id (GetItem, strongly consistent: seatCapacity must be current).
func (r *FlightRepository) Get(ctx context.Context, id string) (*flight.Flight, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.s.table),
		Key:            flightKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, storeError("GetItem flight", err)
	}
	if len(out.Item) == 0 {
		return nil, apperr.New(apperr.NotFound, "flight %s not found", id)
	}
	return decodeFlight(out.Item)
}

// GetMany reads flights by id with BatchGetItem (the FlightByID loader's batch function).
func (r *FlightRepository) GetMany(ctx context.Context, ids []string) (map[string]*flight.Flight, error) {
	return getMany(ctx, r.s, ids, flightKey, decodeFlight, func(f *flight.Flight) string { return f.ID })
}
