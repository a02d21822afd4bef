package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/internal/apperr"
)

// UserBySub reads an account with its groups: one strongly consistent Query on the
// account's partition (a sign-in right after the sign-up or a group change must see it).
func (r *AccountStore) UserBySub(ctx context.Context, sub string) (*localidp.User, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: accountKeys.PK(sub)}},
		ConsistentRead:            aws.Bool(true),
	}
	var items []item
	for {
		out, err := r.s.api.Query(ctx, in)
		if err != nil {
			return nil, storeError("Query account", err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	u, ok, err := decodeAccount(items)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.New(apperr.NotFound, "account %s not found", sub)
	}
	return u, nil
}

// decoySub is a sub no account has (subs are random UUIDs, version 4).
const decoySub = "00000000-0000-0000-0000-000000000000"

// UserByEmail reads the email guard for the sub, then the account: strongly consistent
// reads on the table, no index (an index would be eventually consistent).
func (r *AccountStore) UserByEmail(ctx context.Context, email string) (*localidp.User, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.s.table),
		Key:            accountEmailKey(email),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, storeError("GetItem account email", err)
	}
	if len(out.Item) == 0 {
		// The same second read as for a known email (of an account that cannot exist), so
		// the store work, and with it the timing of a sign-in, does not tell whether the
		// email has an account.
		if _, err := r.UserBySub(ctx, decoySub); err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		return nil, apperr.New(apperr.NotFound, "no account for email %s", email)
	}
	var guard accountEmailItem
	if err := attributevalue.UnmarshalMap(out.Item, &guard); err != nil {
		return nil, storeError("decode account email", err)
	}
	return r.UserBySub(ctx, guard.Sub)
}
