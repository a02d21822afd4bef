package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/internal/apperr"
)

// CreateUser puts the email guard, the account and its memberships in one transaction,
// the first two conditional on not existing: of concurrent sign-ups with one email
// exactly one succeeds, the others get Conflict, and a refused sign-up writes nothing.
func (r *AccountStore) CreateUser(ctx context.Context, u *localidp.User) error {
	guard, err := attributevalue.MarshalMap(accountEmailItem{
		PK: accountKeys.EmailPK(u.Email), SK: accountKeys.EmailSK, Type: entityAccountEmail, Email: u.Email, Sub: u.Sub,
	})
	if err != nil {
		return storeError("encode account email", err)
	}
	acc, err := attributevalue.MarshalMap(newAccountItem(u))
	if err != nil {
		return storeError("encode account", err)
	}
	items := []types.TransactWriteItem{r.putNew(guard), r.putNew(acc)}
	for _, g := range u.Groups {
		m, err := attributevalue.MarshalMap(newAccountGroupItem(u.Sub, g, u.CreatedAt))
		if err != nil {
			return storeError("encode account group", err)
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.s.table), Item: m}})
	}
	failed, err := r.s.transact(ctx, "TransactWriteItems account", items)
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return apperr.New(apperr.Conflict, "an account with email %s or sub %s already exists", u.Email, u.Sub)
	}
	return nil
}

func (r *AccountStore) putNew(it item) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                aws.String(r.s.table),
		Item:                     it,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}}
}
