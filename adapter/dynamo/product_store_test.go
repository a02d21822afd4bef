package dynamo_test

import (
	"testing"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/product"
	"github.com/skygraph/skygraph/domain/product/producttest"
)

func TestProductRepositoryContract(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			producttest.RunRepositoryContract(t, func(t *testing.T) product.Repository {
				return dynamotest.NewStore(t, b, nil).Products()
			})
		})
	}
}
