package main

import (
	"strconv"
	"strings"
	"testing"
)

// logicalID returns the id of the one resource of typ whose id starts with prefix.
func logicalID(t *testing.T, tpl map[string]any, typ, prefix string) string {
	t.Helper()
	var ids []string
	for id := range resources(tpl, typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%d %s resources named %s*, want 1: %v", len(ids), typ, prefix, ids)
	}
	return ids[0]
}

// The Fargate flavour shares subscription events through an ElastiCache Serverless Valkey
// cache: TLS (rediss://) in the tasks' SKYGRAPH_REDIS_URL, in the private subnets, behind a
// security group that admits the service's tasks on the cache port and nothing else.
func TestFargateEventCache(t *testing.T) {
	a := app(t, "fargate")
	tpl := a.template(t, a.Sky.Fargate.Stack)

	cache := props(only(t, tpl, "AWS::ElastiCache::ServerlessCache"))
	if cache["Engine"] != "valkey" {
		t.Errorf("Engine = %v, want valkey", cache["Engine"])
	}
	name, _ := cache["ServerlessCacheName"].(string)
	if name != strings.ToLower(name) || len(name) > 40 || strings.Contains(name, "--") {
		t.Errorf("ServerlessCacheName %q: ElastiCache wants lowercase, at most 40 characters, no double hyphen", name)
	}
	subnets := jsonString(cache["SubnetIds"])
	if !strings.Contains(subnets, "PrivateSubnet") || strings.Contains(subnets, "PublicSubnet") || len(asList(cache["SubnetIds"])) < 2 {
		t.Errorf("SubnetIds = %s, want the private subnets of two AZs", subnets)
	}
	cacheSG := logicalID(t, tpl, "AWS::EC2::SecurityGroup", "EventCacheSecurityGroup")
	if got := jsonString(cache["SecurityGroupIds"]); !strings.Contains(got, cacheSG) || len(asList(cache["SecurityGroupIds"])) != 1 {
		t.Errorf("SecurityGroupIds = %s, want only %s", got, cacheSG)
	}

	// Ingress: exactly one rule into the cache's group, from the service's group, on 6379.
	sg := props(resources(tpl, "AWS::EC2::SecurityGroup")[cacheSG])
	if in := asList(sg["SecurityGroupIngress"]); len(in) != 0 {
		t.Errorf("cache security group has inline ingress %s, want none (only the tasks' rule)", jsonString(in))
	}
	var rules []map[string]any
	for _, r := range resources(tpl, "AWS::EC2::SecurityGroupIngress") {
		if strings.Contains(jsonString(props(r)["GroupId"]), cacheSG) {
			rules = append(rules, props(r))
		}
	}
	if len(rules) != 1 {
		t.Fatalf("%d ingress rules into the cache's group, want 1", len(rules))
	}
	r := rules[0]
	if jsonString(r["FromPort"]) != "6379" || jsonString(r["ToPort"]) != "6379" || r["IpProtocol"] != "tcp" {
		t.Errorf("cache ingress %s, want tcp 6379", jsonString(r))
	}
	if r["CidrIp"] != nil || r["CidrIpv6"] != nil || !strings.Contains(jsonString(r["SourceSecurityGroupId"]), "ServiceSecurityGroup") {
		t.Errorf("cache ingress source %s, want the service's security group only", jsonString(r))
	}
	if egress := jsonString(sg["SecurityGroupEgress"]); !strings.Contains(egress, "255.255.255.255/32") {
		t.Errorf("cache security group egress %s, want none (CDK's disallow-all placeholder)", egress)
	}

	// The tasks get rediss://<endpoint address>:<endpoint port> of this cache.
	td := props(only(t, tpl, "AWS::ECS::TaskDefinition"))
	env := envOf(get(asList(td["ContainerDefinitions"])[0], "Environment"))
	url := env["SKYGRAPH_REDIS_URL"]
	cacheID := logicalID(t, tpl, "AWS::ElastiCache::ServerlessCache", "EventCache")
	for _, want := range []string{`"rediss://"`, cacheID, "Endpoint.Address", "Endpoint.Port"} {
		if !strings.Contains(url, want) {
			t.Errorf("SKYGRAPH_REDIS_URL = %s, want it built from %s", url, want)
		}
	}
}

// The ALB keeps idle WebSockets (subscriptions) longer than the server's keep-alive
// interval, so a quiet subscription is not cut between two ka messages.
func TestALBIdleTimeoutAboveKeepAlive(t *testing.T) {
	a := app(t, "fargate")
	tpl := a.template(t, a.Sky.Fargate.Stack)
	lb := props(only(t, tpl, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
	idle := -1
	for _, attr := range asList(lb["LoadBalancerAttributes"]) {
		if get(attr, "Key") == "idle_timeout.timeout_seconds" {
			idle, _ = strconv.Atoi(get(attr, "Value").(string))
		}
	}
	const keepAliveSeconds = 30 // app/websocket.go realtimeKeepAlive
	if idle < 3*keepAliveSeconds {
		t.Errorf("ALB idle_timeout.timeout_seconds = %d, want at least three keep-alive intervals (%d s)", idle, 3*keepAliveSeconds)
	}
}

// The Lambda flavour (HTTP API: no WebSockets) has no cache and no relay setting.
func TestLambdaHasNoEventCache(t *testing.T) {
	a := app(t, "lambda")
	for _, stack := range a.stacks() {
		tpl := a.template(t, stack)
		if n := len(resources(tpl, "AWS::ElastiCache::ServerlessCache")); n != 0 {
			t.Errorf("%d serverless caches in the Lambda flavour", n)
		}
		if strings.Contains(jsonString(tpl), "SKYGRAPH_REDIS_URL") {
			t.Error("the Lambda flavour sets SKYGRAPH_REDIS_URL")
		}
	}
}
