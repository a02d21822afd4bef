package embedded_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/embedded"
)

// TestTablesDeletedWhileInUse attacks minidyn's unlocked table map: writes and
// transactions keep running on a table while it is deleted (what a test's clean-up does
// while a request its client abandoned is still being served), and the server is closed
// while calls are still arriving. Under -race this was a DATA RACE (DeleteTable against
// getTable) and a nil-pointer panic in prepareTransact; every call must now simply succeed
// or fail.
func TestTablesDeletedWhileInUse(t *testing.T) {
	srv, err := embedded.Start()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	api, err := dynamo.NewClient(ctx, dynamo.ClientOptions{Endpoint: srv.URL, Region: "us-east-1", StaticCredentials: true, AccessKeyID: srv.AccessKeyID})
	if err != nil {
		t.Fatal(err)
	}
	once := func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 } // a refused call fails at once
	const rounds, writers = 8, 8
	for round := range rounds {
		name := fmt.Sprintf("t%d", round)
		if err := dynamo.CreateTable(ctx, api, name); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		started := make(chan struct{}, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					item := map[string]types.AttributeValue{
						"PK": &types.AttributeValueMemberS{Value: fmt.Sprintf("w%d", w)},
						"SK": &types.AttributeValueMemberS{Value: fmt.Sprint(i)},
					}
					_, _ = api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
						{Put: &types.Put{TableName: aws.String(name), Item: item}},
					}}, once)
					if i == 0 {
						started <- struct{}{}
					}
					_, _ = api.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: item}, once)
				}
			}()
		}
		<-started
		if _, err := api.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Fatalf("delete table: %v", err)
		}
		if round == rounds-1 {
			// The last round closes the server under the writers' feet.
			if err := srv.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
		}
		wg.Wait()
	}
}
