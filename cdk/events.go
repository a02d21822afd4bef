package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/jsii-runtime-go"
)

// valkeyPort is the serverless cache's endpoint port (its reader endpoint, 6380, is not
// used: pub/sub needs the primary).
const valkeyPort = 6379

// albIdleTimeoutSeconds is how long the ALB keeps a connection that carries no bytes. The
// server sends a keep-alive on every WebSocket at least every 30 s (AppSync protocol's ka,
// app/websocket.go's realtimeKeepAlive; graphql-ws pings every 10 s), so 120 s tolerates
// three lost ka's. Amplify itself gives up after connectionTimeoutMs (300 s) without one.
const albIdleTimeoutSeconds = 120

// EventCache is the ElastiCache Serverless (Valkey) cache through which the Fargate tasks
// share subscription events (Redis pub/sub; SKYGRAPH_REDIS_URL). Serverless caches accept
// TLS connections only, hence rediss://.
type EventCache struct {
	Cache         awselasticache.CfnServerlessCache
	SecurityGroup awsec2.SecurityGroup
	// URL is rediss://<endpoint>:<port>, resolved at deploy time.
	URL *string
}

// newEventCache declares the cache in the VPC's private subnets behind a security group
// that accepts nothing until allowFrom names the service's tasks.
func newEventCache(stack awscdk.Stack, vpc awsec2.IVpc) *EventCache {
	sg := awsec2.NewSecurityGroup(stack, jsii.String("EventCacheSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("skygraph event cache (Valkey pub/sub): the API tasks only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	subnets := vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS})
	var subnetIDs []any
	for _, id := range *subnets.SubnetIds {
		subnetIDs = append(subnetIDs, id)
	}
	cache := awselasticache.NewCfnServerlessCache(stack, jsii.String("EventCache"), &awselasticache.CfnServerlessCacheProps{
		Engine:             jsii.String("valkey"),
		MajorEngineVersion: jsii.String("8"),
		// Unique per account and region (a second deployment must not collide), lowercase.
		ServerlessCacheName: jsii.String("skygraph-events-" + strings.ToLower(*awscdk.Names_UniqueResourceName(sg, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(20)}))),
		Description:         jsii.String("skygraph: subscription events shared between the API tasks (pub/sub only, nothing stored)"),
		SecurityGroupIds:    &[]any{sg.SecurityGroupId()},
		SubnetIds:           &subnetIDs,
		// Pub/sub stores nothing: the smallest limits keep a runaway from costing money.
		CacheUsageLimits: &awselasticache.CfnServerlessCache_CacheUsageLimitsProperty{
			DataStorage:   &awselasticache.CfnServerlessCache_DataStorageProperty{Unit: jsii.String("GB"), Maximum: jsii.Number(1)},
			EcpuPerSecond: &awselasticache.CfnServerlessCache_ECPUPerSecondProperty{Maximum: jsii.Number(5000)},
		},
	})
	url := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("rediss://"), cache.AttrEndpointAddress(), jsii.String(":"), cache.AttrEndpointPort(),
	})
	return &EventCache{Cache: cache, SecurityGroup: sg, URL: url}
}

// allowFrom lets the service's tasks (and nothing else) reach the cache.
func (c *EventCache) allowFrom(tasks awsec2.IConnectable) {
	c.SecurityGroup.Connections().AllowFrom(tasks, awsec2.Port_Tcp(jsii.Number(valkeyPort)),
		jsii.String("skygraph API tasks publish and subscribe to events"))
}
