package main

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Background jobs the function runs when EventBridge invokes it with {"skygraph-job": name}
// instead of an HTTP event (the server dispatches on that field).
var scheduledJobs = []struct{ ID, Name string }{
	{"BookingRecovery", "booking-recovery"},
	{"WaitlistNotifier", "waitlist-notifier"},
}

// jobField is the field of a scheduled event that names the job.
const jobField = "skygraph-job"

// accessLogFormat is one JSON object per request (HTTP API $context variables).
var accessLogFormat = func() string {
	b, err := json.Marshal(map[string]string{
		"requestId":          "$context.requestId",
		"requestTime":        "$context.requestTime",
		"ip":                 "$context.identity.sourceIp",
		"userAgent":          "$context.identity.userAgent",
		"httpMethod":         "$context.httpMethod",
		"path":               "$context.path",
		"routeKey":           "$context.routeKey",
		"protocol":           "$context.protocol",
		"status":             "$context.status",
		"responseLength":     "$context.responseLength",
		"responseLatency":    "$context.responseLatency",
		"integrationStatus":  "$context.integrationStatus",
		"integrationLatency": "$context.integrationLatency",
		"integrationError":   "$context.integrationErrorMessage",
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// LambdaStack is the API on AWS Lambda behind an API Gateway HTTP API.
type LambdaStack struct {
	awscdk.Stack
	Function    awslambda.Function
	Role        awsiam.Role
	Api         awsapigatewayv2.HttpApi
	Stage       awsapigatewayv2.HttpStage
	TokenSecret awssecretsmanager.Secret
	JobsDLQ     awssqs.Queue // nil unless jobsDlq
	Waitlist    *WaitlistNotifications
}

// lambdaFunctionName is the API function's physical name, which the user pool's
// PostConfirmation trigger refers to (one deployment per account and region, as the fixed
// stack names already imply).
const lambdaFunctionName = "skygraph-api"

// NewLambdaStack declares the function, its HTTP API, the schedules of the background jobs
// and everything they need. assetDir holds the linux/arm64 `bootstrap`.
func NewLambdaStack(scope constructs.Construct, id string, cfg Config, data *DataStack, auth *AuthStack, assetDir string) *LambdaStack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Env:         cfg.Env(),
		Description: jsii.String("skygraph: the GraphQL API on AWS Lambda (HTTP API)"),
	})
	s := &LambdaStack{Stack: stack}

	logGroup := awslogs.NewLogGroup(stack, jsii.String("FunctionLogs"), &awslogs.LogGroupProps{
		Retention:     cfg.Retention(),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// An explicit role instead of the default one, which would carry the AWS managed
	// AWSLambdaBasicExecutionRole policy (log writes to every log group of the account).
	s.Role = awsiam.NewRole(stack, jsii.String("FunctionRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("skygraph API function: its table, its user pool groups, its log group, its secret"),
	})
	logGroup.GrantWrite(s.Role)
	grantServerAccess(s.Role, data, auth)

	s.TokenSecret = newTokenSecret(stack)
	s.TokenSecret.GrantRead(s.Role, nil)

	env := serverEnvironment(cfg, data, auth)
	// Lambda environment variables are visible to anyone who may read the function's
	// configuration, so the secret itself is not one: the server reads
	// SKYGRAPH_TOKEN_SECRET_ARN from Secrets Manager once per cold start.
	env["SKYGRAPH_TOKEN_SECRET_ARN"] = s.TokenSecret.SecretArn()
	s.Waitlist = newWaitlistNotifications(stack, awscdk.Duration_Seconds(jsii.Number(6*29)))
	s.Waitlist.grantServer(s.Role, env)

	var onFailure awslambda.IDestination
	if cfg.JobsDLQ {
		s.JobsDLQ = newJobsDLQ(stack)
		// Only EventBridge invokes the function asynchronously (the HTTP API and the
		// Function URL invoke it synchronously), so this destination receives exactly the
		// scheduled-job invocations that failed.
		onFailure = awslambdadestinations.NewSqsDestination(s.JobsDLQ)
	}

	props := &awslambda.FunctionProps{
		FunctionName:  jsii.String(lambdaFunctionName), // the user pool's trigger names it (auth.go)
		Description:   jsii.String("skygraph GraphQL API, background jobs and the Cognito PostConfirmation trigger"),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(assetDir), nil),
		MemorySize:    jsii.Number(512),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(29)), // under the HTTP API's 30 s integration limit
		Role:          s.Role,
		LogGroup:      logGroup,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Environment:   &env,
		// A job runs every minute and is an idempotent sweep: the next tick is the retry.
		RetryAttempts: jsii.Number(0),
		MaxEventAge:   awscdk.Duration_Seconds(jsii.Number(60)),
		OnFailure:     onFailure,
	}
	if cfg.ReservedConcurrency > 0 {
		props.ReservedConcurrentExecutions = jsii.Number(float64(cfg.ReservedConcurrency))
	}
	s.Function = awslambda.NewFunction(stack, jsii.String("Function"), props)

	s.Waitlist.subscribe(s.Function)
	// Cognito invokes the function as the pool's PostConfirmation trigger: only this pool.
	s.Function.AddPermission(jsii.String("CognitoPostConfirmation"), &awslambda.Permission{
		Principal:     awsiam.NewServicePrincipal(jsii.String("cognito-idp.amazonaws.com"), nil),
		SourceArn:     auth.Pool.UserPoolArn(),
		SourceAccount: awscdk.Aws_ACCOUNT_ID(),
	})
	s.addHTTPAPI(cfg)
	if cfg.FunctionURL {
		// Public by design, like the HTTP API: the server verifies Cognito tokens itself
		// (see addHTTPAPI). A Function URL has no throttling or access log of its own;
		// reservedConcurrency is its only ceiling.
		url := s.Function.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_NONE})
		awscdk.NewCfnOutput(stack, jsii.String("FunctionUrl"), &awscdk.CfnOutputProps{
			Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{url.Url(), jsii.String("graphql")}),
			Description: jsii.String("GraphQL endpoint through the Function URL"),
		})
	}
	s.addSchedules()
	return s
}

// addHTTPAPI puts an HTTP API (payload format 2.0) in front of the function.
//
// No API Gateway authorizer: the server verifies Cognito tokens itself, with AppSync's
// semantics, which a JWT authorizer cannot express. Anonymous requests must reach the
// server (public fields such as flight reads answer them; protected fields return an
// Unauthorized error per field), an invalid token must produce a GraphQL-shaped 401, and
// authorization is per field and per object (@aws_cognito_user_pools, @auth), not per
// route. An authorizer would reject the anonymous calls and duplicate the verification.
func (s *LambdaStack) addHTTPAPI(cfg Config) {
	stack := s.Stack
	s.Api = awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("skygraph GraphQL API"),
		CreateDefaultStage: jsii.Bool(false), // declared below, with throttling and access logs
	})
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Server"), s.Function,
		&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
		})
	// Only the paths the server serves in production: GraphQL (all methods: POST, GET for
	// queries, OPTIONS for CORS preflight) and the health check. Any other path is a 404
	// from API Gateway that never invokes (or bills) the function. No $default route.
	routes := s.Api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/graphql"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
		Integration: integration,
	})
	health := s.Api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/healthz"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: integration,
	})
	for _, r := range append(*routes, *health...) {
		cdknag.NagSuppressions_AddResourceSuppressions(r, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("Authorization is done by the server, not API Gateway: it verifies Cognito JWTs " +
				"(RS256, iss, token_use, aud/client_id, exp) and applies AppSync's per-field rules; anonymous " +
				"callers must reach it for the schema's public fields, which a route authorizer would reject."),
		}}, jsii.Bool(true))
	}

	accessLogs := awslogs.NewLogGroup(stack, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     cfg.Retention(),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	s.Stage = awsapigatewayv2.NewHttpStage(stack, jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    s.Api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(cfg.ThrottleRate),
			BurstLimit: jsii.Number(float64(cfg.ThrottleBurst)),
		},
	})
	// The L2 stage takes access-log settings only as an interface that Go cannot
	// implement through jsii; the L1 property is the same thing.
	cfnStage := s.Stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})

	awscdk.NewCfnOutput(stack, jsii.String("GraphqlUrl"), &awscdk.CfnOutputProps{
		Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{s.Stage.Url(), jsii.String("graphql")}),
		Description: jsii.String("GraphQL endpoint (HTTP API)"),
	})
}

// addSchedules invokes the function every minute for each background job.
func (s *LambdaStack) addSchedules() {
	for _, job := range scheduledJobs {
		target := &awseventstargets.LambdaFunctionProps{
			Event:         awsevents.RuleTargetInput_FromObject(map[string]any{jobField: job.Name}),
			RetryAttempts: jsii.Number(2),
			MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(1)),
		}
		if s.JobsDLQ != nil {
			// Events EventBridge could not deliver (throttled, function missing) land here too.
			target.DeadLetterQueue = s.JobsDLQ
		}
		awsevents.NewRule(s.Stack, jsii.String(job.ID+"Schedule"), &awsevents.RuleProps{
			Description: jsii.String("skygraph background job " + job.Name),
			Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(1))),
			Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(s.Function, target)},
		})
	}
}

// newJobsDLQ is the dead-letter queue of the scheduled jobs: encrypted, TLS only.
func newJobsDLQ(stack awscdk.Stack) awssqs.Queue {
	q := awssqs.NewQueue(stack, jsii.String("JobsDLQ"), &awssqs.QueueProps{
		// SQS-managed encryption: EventBridge and Lambda can write to it without a key
		// policy (the AWS managed aws/sqs key would refuse EventBridge).
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(q, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself a dead-letter queue (the EventBridge targets' DLQ and the " +
			"function's on-failure destination for scheduled jobs); cdk-nag only recognises SQS redrive DLQs."),
	}}, jsii.Bool(true))
	return q
}

// newTokenSecret generates the key that seals nextTokens (SKYGRAPH_TOKEN_SECRET): random,
// never in the template, shared by every instance of the API.
func newTokenSecret(stack awscdk.Stack) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(stack, jsii.String("TokenSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("skygraph: key sealing GraphQL pagination tokens (SKYGRAPH_TOKEN_SECRET)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String("Not a credential: it only seals opaque pagination tokens (AES-GCM), and rotating it " +
			"invalidates every nextToken in flight. It never leaves the account; rotate by hand (update the " +
			"secret, then restart the service) if it is ever exposed."),
	}}, jsii.Bool(true))
	return secret
}
