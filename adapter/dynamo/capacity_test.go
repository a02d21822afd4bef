package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
)

func capKey(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		dynamo.AttrPK: &types.AttributeValueMemberS{Value: pk},
		dynamo.AttrSK: &types.AttributeValueMemberS{Value: "META"},
	}
}

// TestCapacityCountsEveryOperation: with a Capacity on the context, every kind of call the
// store makes (writes, a transaction, point and batch reads, a query) is counted, and on
// DynamoDB Local, which reports consumed capacity, reads add read units and writes write
// units. The caller's input is not modified (the middleware asks on a copy). Without a
// Capacity, nothing is asked for: DynamoDB Local then reports none.
func TestCapacityCountsEveryOperation(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := dynamotest.Client(t, b)
			table := dynamotest.NewTable(t, c)
			ctx, used := dynamo.WithCapacity(context.Background())

			put := &dynamodb.PutItemInput{TableName: aws.String(table), Item: capKey("cap#1")}
			_, err := c.PutItem(ctx, put)
			require.NoError(t, err)
			require.Empty(t, put.ReturnConsumedCapacity, "the caller's input is not written")
			_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: capKey("cap#1"),
				UpdateExpression: aws.String("SET n = :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "1"}}})
			require.NoError(t, err)
			_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String(table), Item: capKey("cap#2")}},
				{Put: &types.Put{TableName: aws.String(table), Item: capKey("cap#3")}},
			}})
			require.NoError(t, err)
			writes := used.Write()
			require.Zero(t, used.Read())

			_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: capKey("cap#1"), ConsistentRead: aws.Bool(true)})
			require.NoError(t, err)
			_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				table: {Keys: []map[string]types.AttributeValue{capKey("cap#2"), capKey("cap#3")}}}})
			require.NoError(t, err)
			_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("PK = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "cap#1"}}})
			require.NoError(t, err)
			_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: capKey("cap#3")})
			require.NoError(t, err)

			require.EqualValues(t, 7, used.Calls())
			t.Logf("%s: %d calls, %.1f RCU, %.1f WCU", b.Name, used.Calls(), used.Read(), used.Write())
			if b.Name == "dynamodb-local" {
				// Items under 1 KB: a put, an update and a delete are 1 WCU each; a transaction
				// of two puts is 2 on DynamoDB Local (AWS charges transactions double: 4); a
				// consistent get is 1 RCU, an eventually consistent batch of two 2 × 0.5, a
				// query of one item 0.5.
				require.InDelta(t, 4, writes, 0.01)
				require.InDelta(t, 5, used.Write(), 0.01)
				require.InDelta(t, 2.5, used.Read(), 0.01)

				out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: capKey("cap#1")})
				require.NoError(t, err)
				require.Nil(t, out.ConsumedCapacity, "without a Capacity on the context, capacity is not asked for")
				out, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: capKey("cap#1")})
				require.NoError(t, err)
				require.NotNil(t, out.ConsumedCapacity)
			}
		})
	}
}

// TestCapacitySumsParallelCallsIntoParents: calls made in parallel on one operation's
// context (as loaders and sagas make them) all add up, in the operation's Capacity and in
// the process-wide one it was derived from; a sibling operation's calls stay its own. Run
// with -race.
func TestCapacitySumsParallelCallsIntoParents(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := dynamotest.Client(t, b)
			table := dynamotest.NewTable(t, c)
			var process dynamo.Capacity
			root := dynamo.ContextWithCapacity(context.Background(), &process)
			op1, used1 := dynamo.WithCapacity(root)
			_, used2 := dynamo.WithCapacity(root)
			const n = 24
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					_, err := c.GetItem(op1, &dynamodb.GetItemInput{TableName: aws.String(table), Key: capKey(fmt.Sprint("p#", i))})
					require.NoError(t, err)
				})
			}
			wg.Wait()
			require.EqualValues(t, n, used1.Calls())
			require.EqualValues(t, n, process.Calls())
			require.Zero(t, used2.Calls())
			require.Same(t, used1, dynamo.CapacityFrom(op1))
			if b.Name == "dynamodb-local" {
				// An eventually consistent GetItem costs 0.5 RCU, found or not.
				require.InDelta(t, n*0.5, used1.Read(), 0.01)
				require.InDelta(t, n*0.5, process.Read(), 0.01)
			}
			var none *dynamo.Capacity
			require.Zero(t, none.Calls()+int64(none.Read()+none.Write()), "a nil Capacity reads as zero")
		})
	}
}
