package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AuthStack holds the Cognito user pool, its app client and groups.
type AuthStack struct {
	awscdk.Stack
	Pool   awscognito.UserPool
	Client awscognito.UserPoolClient
}

// NewAuthStack declares the user pool the server verifies tokens against
// (SKYGRAPH_COGNITO_USER_POOL_ID) and the one app client (SKYGRAPH_COGNITO_CLIENT_IDS)
// that frontends and the server's signUp/signIn mutations use.
func NewAuthStack(scope constructs.Construct, id string, cfg Config) *AuthStack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Env:         cfg.Env(),
		Description: jsii.String("skygraph: Cognito user pool, app client and groups"),
	})
	s := &AuthStack{Stack: stack}

	s.Pool = awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		// Users sign up and in with their email as the username (cognito/provider.go).
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		SelfSignUpEnabled:   jsii.Bool(true),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email:    &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
			Fullname: &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(8),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		// Threat protection (the former "advanced security") needs the Plus plan: it
		// blocks sign-ins with compromised credentials and adapts to risky sign-ins.
		// AdvancedSecurityMode is deprecated in this CDK version; cdk-nag's COG8 asks for
		// the Plus plan. Plus is billed per monthly active user, so an idle pool costs 0.
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(true),
		RemovalPolicy:                awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(s.Pool, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG2"),
		Reason: jsii.String("MFA is not required: the server's signIn mutation implements USER_PASSWORD_AUTH " +
			"without the MFA challenge round trip, and Plus-plan threat protection (FULL_FUNCTION) blocks " +
			"sign-ins with compromised credentials and challenges risky ones instead."),
	}}, jsii.Bool(true))

	if cfg.Flavour != flavourFargate {
		// The PostConfirmation trigger is the API function (lambda.go's dispatch creates the
		// confirmed user's profile). The pool names it by its fixed name rather than by a
		// reference: the function's stack already refers to this one (pool id, client id),
		// and a reference back would be a cycle. The function's stack grants Cognito the
		// invoke permission (LambdaStack.allowPostConfirmation).
		fn := awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":lambda:"), awscdk.Aws_REGION(),
			jsii.String(":"), awscdk.Aws_ACCOUNT_ID(), jsii.String(":function:" + lambdaFunctionName),
		})
		cfn := s.Pool.Node().DefaultChild().(awscognito.CfnUserPool)
		cfn.SetLambdaConfig(&awscognito.CfnUserPool_LambdaConfigProperty{PostConfirmation: fn})
	}

	s.Client = s.Pool.AddClient(jsii.String("AppClient"), &awscognito.UserPoolClientOptions{
		// A public client: browsers and mobile apps cannot keep a secret, and the server's
		// InitiateAuth calls send none (no SECRET_HASH).
		GenerateSecret: jsii.Bool(false),
		// USER_PASSWORD_AUTH for the server's signIn mutation, SRP for Amplify frontends;
		// ALLOW_REFRESH_TOKEN_AUTH is always added by CDK.
		AuthFlows:                  &awscognito.AuthFlow{UserPassword: jsii.Bool(true), UserSrp: jsii.Bool(true)},
		DisableOAuth:               jsii.Bool(true), // no hosted UI, no redirect URLs to defend
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(30)),
	})

	for i, g := range []string{groupAdmin, groupRestaurantOwner} {
		awscognito.NewUserPoolGroup(stack, jsii.String("Group"+g), &awscognito.UserPoolGroupProps{
			UserPool:   s.Pool,
			GroupName:  jsii.String(g),
			Precedence: jsii.Number(float64(i * 10)),
		})
	}

	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{
		Value:       s.Pool.UserPoolId(),
		Description: jsii.String("Cognito user pool (SKYGRAPH_COGNITO_USER_POOL_ID)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{
		Value:       s.Client.UserPoolClientId(),
		Description: jsii.String("Cognito app client (SKYGRAPH_COGNITO_CLIENT_IDS)"),
	})
	return s
}
