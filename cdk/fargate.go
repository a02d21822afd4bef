package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecspatterns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// dockerExcludes keep the image's build context small: synth copies the context into
// cdk.out (and `cdk deploy` sends it to Docker), so nothing the image does not need.
// The repository's own .dockerignore, if any, applies on top of these.
var dockerExcludes = []string{
	".git",
	".ci",
	"**/node_modules",
	"cdk",
	"build",
	"**/cdk.out",
	"skygraph", // a binary from a local `go build`
	"**/*.test",
	".cognito",
	"test-results",
	"**/*.log",
	"**/*.coverprofile",
}

const (
	containerName = "server"
	containerPort = 8080
)

// FargateStack is the API on ECS Fargate behind an Application Load Balancer.
type FargateStack struct {
	awscdk.Stack
	Service     awsecspatterns.ApplicationLoadBalancedFargateService
	TaskRole    awsiam.Role
	Waitlist    *WaitlistNotifications
	Events      *EventCache
	TokenSecret awssecretsmanager.Secret
	WebACL      awswafv2.CfnWebACL // nil unless waf
}

// NewFargateStack declares the VPC, the cluster, the service with its ALB, autoscaling
// and, when asked, a WAF web ACL.
func NewFargateStack(scope constructs.Construct, id string, cfg Config, data *DataStack, auth *AuthStack) *FargateStack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Env:         cfg.Env(),
		Description: jsii.String("skygraph: the GraphQL API on ECS Fargate (ALB)"),
	})
	s := &FargateStack{Stack: stack}

	flowLogs := awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     cfg.Retention(),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(1), // tasks in private subnets reach Cognito's JWKS and the image registry
		// DynamoDB traffic stays off the NAT gateway (free, and no NAT data charges).
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"DynamoDB": {Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB()},
		},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"All": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			},
		},
	})
	cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                 vpc,
		ContainerInsightsV2: awsecs.ContainerInsights_ENABLED,
	})

	s.TaskRole = awsiam.NewRole(stack, jsii.String("TaskRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil),
		Description: jsii.String("skygraph API task: its table and its user pool groups"),
	})
	grantServerAccess(s.TaskRole, data, auth)
	s.TokenSecret = newTokenSecret(stack)

	appLogs := awslogs.NewLogGroup(stack, jsii.String("ServiceLogs"), &awslogs.LogGroupProps{
		Retention:     cfg.Retention(),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	env := serverEnvironment(cfg, data, auth)
	env["PORT"] = jsii.String("8080")
	env["AWS_REGION"] = awscdk.Aws_REGION()
	s.Waitlist = newWaitlistNotifications(stack, awscdk.Duration_Seconds(jsii.Number(60)))
	s.Waitlist.grantServer(s.TaskRole, env)
	// Several tasks serve subscriptions: each shares its events with the others through
	// the cache (one task keeps serving its own subscribers if the cache is unreachable).
	s.Events = newEventCache(stack, vpc)
	env["SKYGRAPH_REDIS_URL"] = s.Events.URL

	props := &awsecspatterns.ApplicationLoadBalancedFargateServiceProps{
		Cluster:        cluster,
		Cpu:            jsii.Number(256),
		MemoryLimitMiB: jsii.Number(512),
		DesiredCount:   jsii.Number(1),
		RuntimePlatform: &awsecs.RuntimePlatform{
			CpuArchitecture:       awsecs.CpuArchitecture_ARM64(),
			OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
		},
		TaskImageOptions: &awsecspatterns.ApplicationLoadBalancedTaskImageOptions{
			ContainerName: jsii.String(containerName),
			// Synth only copies the context into cdk.out; `cdk deploy` builds the image
			// (linux/arm64) with Docker and pushes it to the bootstrap ECR repository.
			Image: awsecs.ContainerImage_FromAsset(jsii.String(cfg.DockerContext), &awsecs.AssetImageProps{
				Platform: awsecrassets.Platform_LINUX_ARM64(),
				Exclude:  jsii.Strings(dockerExcludes...),
			}),
			ContainerPort: jsii.Number(containerPort),
			Environment:   &env,
			// Injected by ECS at task start from Secrets Manager: never in the task
			// definition, and only the execution role may read it.
			Secrets: &map[string]awsecs.Secret{
				"SKYGRAPH_TOKEN_SECRET": awsecs.Secret_FromSecretsManager(s.TokenSecret, nil),
			},
			TaskRole: s.TaskRole,
			LogDriver: awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{
				StreamPrefix: jsii.String("skygraph"),
				LogGroup:     appLogs,
			}),
		},
		PublicLoadBalancer: jsii.Bool(true),
		CircuitBreaker:     &awsecs.DeploymentCircuitBreaker{Rollback: jsii.Bool(true)},
		MinHealthyPercent:  jsii.Number(100),
		// The server's start (config, JWKS fetch) is quick; this only covers a cold pull.
		HealthCheckGracePeriod: awscdk.Duration_Seconds(jsii.Number(30)),
	}
	if cfg.CertificateArn != "" {
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Certificate"), jsii.String(cfg.CertificateArn))
		props.Protocol = awselasticloadbalancingv2.ApplicationProtocol_HTTPS
		props.RedirectHTTP = jsii.Bool(true)
		props.SslPolicy = awselasticloadbalancingv2.SslPolicy_RECOMMENDED_TLS
	} else {
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("skygraph:plainHttp"), jsii.String(
			"The ALB listens on plain HTTP, so tokens cross the internet unencrypted: deploy with "+
				"-c certificateArn=<ACM certificate ARN> for HTTPS (and a DNS name pointing at the ALB)."))
	}
	// WebSockets (subscriptions) stay open while idle between keep-alives: the default 60 s
	// would cut a quiet subscription at the first missed ka.
	props.IdleTimeout = awscdk.Duration_Seconds(jsii.Number(albIdleTimeoutSeconds))
	s.Service = awsecspatterns.NewApplicationLoadBalancedFargateService(stack, jsii.String("Service"), props)
	s.Events.allowFrom(s.Service.Service())

	tg := s.Service.TargetGroup()
	tg.ConfigureHealthCheck(&awselasticloadbalancingv2.HealthCheck{
		Path:                    jsii.String("/healthz"),
		HealthyHttpCodes:        jsii.String("200"),
		Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
		Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
		HealthyThresholdCount:   jsii.Number(2),
		UnhealthyThresholdCount: jsii.Number(3),
	})
	// The server drains for up to 25 s on SIGTERM (SKYGRAPH_SHUTDOWN_TIMEOUT); ECS waits
	// 30 s before SIGKILL. The ALB default of 300 s would only slow every deployment.
	tg.SetAttribute(jsii.String("deregistration_delay.timeout_seconds"), jsii.String("30"))

	scaling := s.Service.Service().AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(1),
		MaxCapacity: jsii.Number(4),
	})
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(60),
	})
	scaling.ScaleOnRequestCount(jsii.String("Requests"), &awsecs.RequestCountScalingProps{
		RequestsPerTarget: jsii.Number(500), // per task per minute
		TargetGroup:       tg,
	})

	alb := s.Service.LoadBalancer()
	alb.SetAttribute(jsii.String("routing.http.drop_invalid_header_fields.enabled"), jsii.String("true"))
	s.addAccessLogs(cfg, alb)
	if cfg.WAF {
		s.addWebACL(cfg, alb)
	}
	s.suppressFindings()

	scheme := "http"
	if cfg.CertificateArn != "" {
		scheme = "https"
	}
	awscdk.NewCfnOutput(stack, jsii.String("GraphqlUrl"), &awscdk.CfnOutputProps{
		Value: awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String(scheme + "://"), alb.LoadBalancerDnsName(), jsii.String("/graphql"),
		}),
		Description: jsii.String("GraphQL endpoint (ALB; with a certificate, use your DNS name for it)"),
	})
	return s
}

// addAccessLogs writes the ALB's access logs to an S3 bucket. ELB needs to know the region
// to name its log-delivery principal, so this needs -c region=…; without it the stack stays
// region-agnostic and ELB2 is suppressed with that reason.
func (s *FargateStack) addAccessLogs(cfg Config, alb awselasticloadbalancingv2.ApplicationLoadBalancer) {
	if cfg.Region == "" {
		cdknag.NagSuppressions_AddResourceSuppressions(alb, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-ELB2"),
			Reason: jsii.String("ALB access logging needs the stack's region (the ELB log-delivery principal is " +
				"regional) and this synth is region-agnostic; deploy with -c region=<region> to enable it. " +
				"Requests are still logged by the server (JSON, with request ids) and counted in ALB metrics."),
		}}, jsii.Bool(true))
		return
	}
	bucket := awss3.NewBucket(s.Stack, jsii.String("AccessLogsBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED, // ALB log delivery supports SSE-S3 only
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(float64(cfg.LogRetentionDays))),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("This bucket only receives the ALB's access logs (written by the ELB service, read " +
			"by operators); server access logs of a log bucket would need yet another log bucket."),
	}}, jsii.Bool(true))
	alb.LogAccessLogs(bucket, jsii.String("alb"))
}

// addWebACL puts an AWS WAF web ACL in front of the ALB: a per-IP rate limit and AWS's
// common rule set.
func (s *FargateStack) addWebACL(cfg Config, alb awselasticloadbalancingv2.ApplicationLoadBalancer) {
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(name),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	s.WebACL = awswafv2.NewCfnWebACL(s.Stack, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("REGIONAL"),
		Description:      jsii.String("skygraph: per-IP rate limit and AWS managed common rules"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility("skygraph"),
		Rules: &[]any{
			&awswafv2.CfnWebACL_RuleProperty{
				Name:     jsii.String("RateLimitPerIp"),
				Priority: jsii.Number(0),
				Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						Limit:            jsii.Number(float64(cfg.WAFRateLimit)),
						AggregateKeyType: jsii.String("IP"),
					},
				},
				VisibilityConfig: visibility("skygraph-rate-limit"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				Name:           jsii.String("AWSManagedRulesCommonRuleSet"),
				Priority:       jsii.Number(1),
				OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
						VendorName: jsii.String("AWS"),
						Name:       jsii.String("AWSManagedRulesCommonRuleSet"),
						// SizeRestrictions_BODY blocks bodies over 8 KB; GraphQL operations
						// (big queries, batched mutations) exceed that legitimately, and the
						// server enforces its own limit (SKYGRAPH_MAX_BODY_BYTES). Count only.
						RuleActionOverrides: &[]any{
							&awswafv2.CfnWebACL_RuleActionOverrideProperty{
								Name:        jsii.String("SizeRestrictions_BODY"),
								ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
							},
						},
					},
				},
				VisibilityConfig: visibility("skygraph-common-rules"),
			},
		},
	})
	awswafv2.NewCfnWebACLAssociation(s.Stack, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: alb.LoadBalancerArn(),
		WebAclArn:   s.WebACL.AttrArn(),
	})
}

// suppressFindings records why the remaining AwsSolutions findings of this stack are
// accepted. Each suppression names the one resource it is about.
func (s *FargateStack) suppressFindings() {
	// The task execution role (ECS's, not the server's) pulls the image: the CDK grants
	// the ECR pull actions on the one asset repository, but ecr:GetAuthorizationToken has
	// no resource-level permissions and can only be granted on "*".
	execRole := s.Service.TaskDefinition().ExecutionRole()
	cdknag.NagSuppressions_AddResourceSuppressions(execRole, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("ecr:GetAuthorizationToken does not support resource-level permissions (IAM service " +
			"authorization reference), so ECS's execution role must be granted it on \"*\"; it only issues a " +
			"registry login token, and every pull action is scoped to the CDK asset repository."),
		AppliesTo: &[]any{jsii.String("Resource::*")},
	}}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(s.Service.LoadBalancer(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-EC23"),
		Reason: jsii.String("The load balancer is the API's public endpoint: its security group must accept " +
			"0.0.0.0/0 on the listener ports. The tasks' security group accepts only the load balancer."),
	}}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(s.Service.TaskDefinition(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-ECS2"),
		Reason: jsii.String("The plain environment variables are non-secret identifiers and switches (table " +
			"name, user pool and client ids, feature flags); the one secret, SKYGRAPH_TOKEN_SECRET, is " +
			"injected from Secrets Manager."),
	}}, jsii.Bool(true))
}
