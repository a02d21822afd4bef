package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// grantServerAccess gives the server's role exactly what the server calls, on exactly the
// resources it calls it on: the same statements for the Lambda function and the Fargate
// task. No wildcard action, no wildcard resource: the index ARNs are named one by one.
func grantServerAccess(role awsiam.IRole, data *DataStack, auth *AuthStack) {
	tableArn := data.Table.TableArn()
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("SkygraphTable"),
		Actions:   jsii.Strings(tableActions...),
		Resources: &[]*string{tableArn},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("SkygraphTableIndexes"),
		Actions: jsii.Strings(indexActions...),
		Resources: &[]*string{
			jsii.String(*tableArn + "/index/" + indexGSI1),
			jsii.String(*tableArn + "/index/" + indexGSI2),
		},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("SkygraphUserPoolGroups"),
		Actions:   jsii.Strings(userPoolActions...),
		Resources: &[]*string{auth.Pool.UserPoolArn()},
	}))
	if data.Key != nil {
		// A table under a customer-managed key is readable only by principals that may use
		// the key through DynamoDB: the actions CDK's own table grants use, spelled out
		// (no GenerateDataKey*/ReEncrypt* wildcards) and only via the DynamoDB service.
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("SkygraphTableKey"),
			Actions: jsii.Strings(
				"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt",
				"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
				"kms:ReEncryptFrom", "kms:ReEncryptTo",
			),
			Resources: &[]*string{data.Key.KeyArn()},
			Conditions: &map[string]any{
				"StringEquals": map[string]any{
					"kms:ViaService": "dynamodb." + *awscdk.Aws_REGION() + ".amazonaws.com",
				},
			},
		}))
	}
}

// serverEnvironment is the configuration both runtimes give the server (README:
// Configuration). AWS_REGION is set by Lambda and by ECS themselves. The token secret is
// not a plain variable: see the callers.
func serverEnvironment(cfg Config, data *DataStack, auth *AuthStack) map[string]*string {
	env := map[string]*string{
		"SKYGRAPH_TABLE":                data.Table.TableName(),
		"SKYGRAPH_COGNITO_USER_POOL_ID": auth.Pool.UserPoolId(),
		"SKYGRAPH_COGNITO_CLIENT_IDS":   auth.Client.UserPoolClientId(),
		"SKYGRAPH_PLAYGROUND":           jsii.String("false"),
		"SKYGRAPH_INTROSPECTION":        jsii.String("false"),
		"SKYGRAPH_LOG_LEVEL":            jsii.String("info"),
	}
	if cfg.CorsOrigins != "" {
		env["SKYGRAPH_CORS_ORIGINS"] = jsii.String(cfg.CorsOrigins)
	}
	return env
}
