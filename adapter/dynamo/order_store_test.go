package dynamo_test

import (
	"testing"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/order/ordertest"
)

func TestOrderRepositoryContract(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ordertest.RunRepositoryContract(t, func(t *testing.T) ordertest.Repos {
				s := dynamotest.NewStore(t, b, nil)
				return ordertest.Repos{Orders: s.Orders(), Products: s.Products()}
			})
		})
	}
}
