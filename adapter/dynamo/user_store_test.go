package dynamo_test

import (
	"testing"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	userdomain "github.com/skygraph/skygraph/domain/user"
	"github.com/skygraph/skygraph/domain/user/usertest"
)

func TestUserRepositoryContract(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			usertest.RunRepositoryContract(t, func(t *testing.T) userdomain.Repository {
				return dynamotest.NewStore(t, b, nil).Users()
			})
		})
	}
}
