package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/internal/apperr"
)

// ConfirmUser marks the account confirmed and clears its code, in one UpdateItem
// conditional on the account existing unconfirmed: a code cannot confirm twice.
func (r *AccountStore) ConfirmUser(ctx context.Context, sub string, now time.Time) error {
	_, err := r.s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(r.s.table),
		Key:                 accountKey(sub),
		UpdateExpression:    aws.String("SET #c = :true, #code = :empty, #codeExp = :empty, #u = :now"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #c = :false"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#c": attrConfirmed, "#code": attrCode, "#codeExp": attrCodeExpiresAt, "#u": attrUpdatedAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":true":  &types.AttributeValueMemberBOOL{Value: true},
			":false": &types.AttributeValueMemberBOOL{Value: false},
			":empty": &types.AttributeValueMemberS{Value: ""},
			":now":   &types.AttributeValueMemberS{Value: formatTime(now)},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := isConditionFailed(err); ok {
		exists := len(ccf.Item) > 0
		if !exists {
			// Some endpoints omit the item; read it to tell "gone" from "already confirmed".
			_, gerr := r.UserBySub(ctx, sub)
			if gerr != nil && !apperr.Is(gerr, apperr.NotFound) {
				return gerr
			}
			exists = gerr == nil
		}
		if exists {
			return apperr.New(apperr.Conflict, "account %s is already confirmed", sub)
		}
		return apperr.New(apperr.NotFound, "account %s not found", sub)
	}
	return storeError("UpdateItem account confirm", err)
}

// AddUserGroup puts the membership item, in a transaction with a conditional touch of
// the account (updatedAt) so that no membership is created for an account that does not
// exist. Putting an existing membership again changes nothing but addedAt.
func (r *AccountStore) AddUserGroup(ctx context.Context, sub, group string, now time.Time) error {
	m, err := attributevalue.MarshalMap(newAccountGroupItem(sub, group, now))
	if err != nil {
		return storeError("encode account group", err)
	}
	return r.changeGroup(ctx, sub, now, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.s.table), Item: m}})
}

// RemoveUserGroup deletes the membership item (a no-op for a non-member), in a
// transaction with a conditional touch of the account, which must exist.
func (r *AccountStore) RemoveUserGroup(ctx context.Context, sub, group string, now time.Time) error {
	return r.changeGroup(ctx, sub, now, types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(r.s.table), Key: accountGroupKey(sub, group),
	}})
}

func (r *AccountStore) changeGroup(ctx context.Context, sub string, now time.Time, change types.TransactWriteItem) error {
	touch := types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(r.s.table),
		Key:                       accountKey(sub),
		UpdateExpression:          aws.String("SET #u = :now"),
		ConditionExpression:       aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#u": attrUpdatedAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberS{Value: formatTime(now)}},
	}}
	failed, err := r.s.transact(ctx, "TransactWriteItems account group", []types.TransactWriteItem{touch, change})
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return apperr.New(apperr.NotFound, "account %s not found", sub)
	}
	return nil
}

// DisableUser sets disabled on the account, conditional on it existing (NotFound
// otherwise). Setting it again changes nothing but updatedAt.
func (r *AccountStore) DisableUser(ctx context.Context, sub string, now time.Time) error {
	_, err := r.s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(r.s.table),
		Key:                      accountKey(sub),
		UpdateExpression:         aws.String("SET #d = :true, #u = :now"),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#d": attrDisabled, "#u": attrUpdatedAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":true": &types.AttributeValueMemberBOOL{Value: true},
			":now":  &types.AttributeValueMemberS{Value: formatTime(now)},
		},
	})
	if _, ok := isConditionFailed(err); ok {
		return apperr.New(apperr.NotFound, "account %s not found", sub)
	}
	return storeError("UpdateItem account disable", err)
}
