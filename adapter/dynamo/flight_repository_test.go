package dynamo_test

import (
	"testing"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/flight"
	"github.com/skygraph/skygraph/domain/flight/flighttest"
)

func TestFlightRepositoryContract(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			flighttest.RunRepositoryContract(t, func(t *testing.T) flight.Repository {
				return dynamotest.NewStore(t, b, nil).Flights()
			})
		})
	}
}
