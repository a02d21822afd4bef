// Command cdk is skygraph's AWS CDK app: the DynamoDB table, the Cognito user pool, and
// the GraphQL API on AWS Lambda (HTTP API) or ECS Fargate (ALB). See README.md.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	if _, err := NewSkygraph(app); err != nil {
		fmt.Fprintln(os.Stderr, err)
		jsii.Close()
		os.Exit(1)
	}
	app.Synth(nil)
}
