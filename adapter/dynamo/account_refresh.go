package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/internal/apperr"
)

// PutRefreshToken stores a refresh token under its hash, with the table's TTL attribute
// set to its expiry so DynamoDB deletes it afterwards.
func (r *AccountStore) PutRefreshToken(ctx context.Context, t localidp.RefreshToken) error {
	av, err := attributevalue.MarshalMap(refreshTokenItem{
		PK: accountKeys.RefreshPK(t.Hash), SK: accountKeys.RefreshSK, Type: entityRefreshToken,
		Sub: t.Sub, AuthTime: formatTime(t.AuthTime), ExpiresAt: t.ExpiresAt.Unix(),
	})
	if err != nil {
		return storeError("encode refresh token", err)
	}
	_, err = r.s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.s.table), Item: av})
	return storeError("PutItem refresh token", err)
}

// RefreshToken reads a refresh token by hash. An expired token that TTL has not deleted
// yet is returned; the provider checks ExpiresAt.
func (r *AccountStore) RefreshToken(ctx context.Context, hash string) (*localidp.RefreshToken, error) {
	out, err := r.s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.s.table),
		Key:            refreshTokenKey(hash),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, storeError("GetItem refresh token", err)
	}
	if len(out.Item) == 0 {
		return nil, apperr.New(apperr.NotFound, "refresh token not found")
	}
	var it refreshTokenItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, storeError("decode refresh token", err)
	}
	authTime, err := parseTime(it.AuthTime)
	if err != nil {
		return nil, storeError("decode refresh token", fmt.Errorf("authTime: %w", err))
	}
	return &localidp.RefreshToken{Hash: hash, Sub: it.Sub, AuthTime: authTime, ExpiresAt: unixTime(it.ExpiresAt)}, nil
}
