package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableDefinition is the single table's key schema and indexes, for local and test use
// (production tables come from the CDK app, which declares the same names).
func TableDefinition(name string) *dynamodb.CreateTableInput {
	s := func(attr string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(attr), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(hash, rng string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			s(AttrPK), s(AttrSK), s(AttrGSI1PK), s(AttrGSI1SK), s(AttrGSI2PK), s(AttrGSI2SK),
		},
		KeySchema: key(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{
				IndexName:  aws.String(IndexGSI1),
				KeySchema:  key(AttrGSI1PK, AttrGSI1SK),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			},
			{
				IndexName:  aws.String(IndexGSI2),
				KeySchema:  key(AttrGSI2PK, AttrGSI2SK),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			},
		},
	}
}

// CreateTable creates the table if it does not exist and waits until it and its indexes
// are ACTIVE. An existing table is left alone (its definition is not compared).
func CreateTable(ctx context.Context, api API, name string) error {
	_, err := api.CreateTable(ctx, TableDefinition(name))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ready, err := tableReady(ctx, api, name)
		if err != nil {
			return err
		}
		if ready {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("table %s: not ACTIVE after 2 minutes", name)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tableReady reports whether the table and its indexes are ACTIVE. minidyn v0.8.2 leaves
// TableStatus empty; an empty status is taken as ready, because no real endpoint omits it.
func tableReady(ctx context.Context, api API, name string) (bool, error) {
	out, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return false, fmt.Errorf("describe table %s: %w", name, err)
	}
	t := out.Table
	if t.TableStatus != "" && t.TableStatus != types.TableStatusActive {
		return false, nil
	}
	for _, g := range t.GlobalSecondaryIndexes {
		if g.IndexStatus != "" && g.IndexStatus != types.IndexStatusActive {
			return false, nil
		}
	}
	return true, nil
}

// Ping checks that the table is reachable, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	if err != nil {
		return fmt.Errorf("describe table %s: %w", s.table, err)
	}
	return nil
}
