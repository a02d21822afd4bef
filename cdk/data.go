package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DataStack holds the single DynamoDB table (and its customer-managed key, when asked).
type DataStack struct {
	awscdk.Stack
	Table awsdynamodb.TableV2
	Key   awskms.Key // nil unless tableKms
}

// NewDataStack declares the table with exactly the keys and indexes of
// dynamo.TableDefinition. TableV2 (AWS::DynamoDB::GlobalTable) is used even for one region,
// so adding replica regions later is an in-place update, not a table replacement.
func NewDataStack(scope constructs.Construct, id string, cfg Config) *DataStack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Env:         cfg.Env(),
		Description: jsii.String("skygraph: the single DynamoDB table"),
	})
	s := &DataStack{Stack: stack}

	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	encryption := awsdynamodb.TableEncryptionV2_AwsManagedKey()
	if cfg.TableKMS {
		s.Key = awskms.NewKey(stack, jsii.String("TableKey"), &awskms.KeyProps{
			Description:       jsii.String("skygraph: encrypts the DynamoDB table"),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
		var replicaKeys *map[string]*string
		if len(cfg.ReplicaRegions) > 0 {
			m := map[string]*string{}
			for _, r := range cfg.ReplicaRegions {
				m[r] = jsii.String(cfg.ReplicaKeyArns[r])
			}
			replicaKeys = &m
		}
		encryption = awsdynamodb.TableEncryptionV2_CustomerManagedKey(s.Key, replicaKeys)
	}
	var replicas []*awsdynamodb.ReplicaTableProps
	for _, r := range cfg.ReplicaRegions {
		replicas = append(replicas, &awsdynamodb.ReplicaTableProps{Region: jsii.String(r)})
	}

	s.Table = awsdynamodb.NewTableV2(stack, jsii.String("Table"), &awsdynamodb.TablePropsV2{
		PartitionKey: str(attrPK),
		SortKey:      str(attrSK),
		GlobalSecondaryIndexes: &[]*awsdynamodb.GlobalSecondaryIndexPropsV2{
			{IndexName: jsii.String(indexGSI1), PartitionKey: str(attrGSI1PK), SortKey: str(attrGSI1SK), ProjectionType: awsdynamodb.ProjectionType_ALL},
			{IndexName: jsii.String(indexGSI2), PartitionKey: str(attrGSI2PK), SortKey: str(attrGSI2SK), ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY},
		},
		Billing: awsdynamodb.Billing_OnDemand(nil),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
		Encryption:          encryption,
		TimeToLiveAttribute: jsii.String(attrTTL),
		Replicas:            &replicas,
	})

	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{
		Value:       s.Table.TableName(),
		Description: jsii.String("DynamoDB table (SKYGRAPH_TABLE)"),
	})
	return s
}
