package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func TestFargateService(t *testing.T) {
	a := app(t, "fargate")
	tpl := a.template(t, a.Sky.Fargate.Stack)
	td := props(only(t, tpl, "AWS::ECS::TaskDefinition"))
	if got := jsonString(td["RuntimePlatform"]); got != `{"CpuArchitecture":"ARM64","OperatingSystemFamily":"LINUX"}` {
		t.Errorf("RuntimePlatform = %s, want ARM64 Linux", got)
	}
	if got := jsonString(td["RequiresCompatibilities"]); got != `["FARGATE"]` {
		t.Errorf("RequiresCompatibilities = %s", got)
	}
	containers := asList(td["ContainerDefinitions"])
	if len(containers) != 1 {
		t.Fatalf("%d containers, want 1", len(containers))
	}
	c := containers[0]
	if got := jsonString(get(c, "PortMappings", "0", "ContainerPort")); got != "8080" {
		t.Errorf("ContainerPort = %s, want 8080", got)
	}
	env := envOf(get(c, "Environment"))
	for name, want := range map[string]string{
		"SKYGRAPH_PLAYGROUND": `"false"`, "SKYGRAPH_INTROSPECTION": `"false"`, "PORT": `"8080"`,
	} {
		if env[name] != want {
			t.Errorf("env %s = %s, want %s", name, env[name], want)
		}
	}
	for _, name := range []string{"SKYGRAPH_TABLE", "SKYGRAPH_COGNITO_USER_POOL_ID", "SKYGRAPH_COGNITO_CLIENT_IDS", "AWS_REGION"} {
		if env[name] == "" || env[name] == `""` {
			t.Errorf("env %s unset", name)
		}
	}
	if _, ok := env["SKYGRAPH_TOKEN_SECRET"]; ok {
		t.Error("SKYGRAPH_TOKEN_SECRET is a plain environment variable")
	}
	secrets := asList(get(c, "Secrets"))
	if len(secrets) != 1 || get(secrets[0], "Name") != "SKYGRAPH_TOKEN_SECRET" || !strings.Contains(jsonString(get(secrets[0], "ValueFrom")), "TokenSecret") {
		t.Errorf("Secrets = %s, want SKYGRAPH_TOKEN_SECRET from the TokenSecret", jsonString(secrets))
	}
	if get(c, "LogConfiguration", "LogDriver") != "awslogs" {
		t.Errorf("LogConfiguration = %s", jsonString(get(c, "LogConfiguration")))
	}
	if !strings.Contains(jsonString(td["TaskRoleArn"]), "TaskRole") {
		t.Errorf("TaskRoleArn = %s, want the TaskRole", jsonString(td["TaskRoleArn"]))
	}

	tg := props(only(t, tpl, "AWS::ElasticLoadBalancingV2::TargetGroup"))
	if tg["HealthCheckPath"] != "/healthz" {
		t.Errorf("HealthCheckPath = %v, want /healthz", tg["HealthCheckPath"])
	}
	svc := props(only(t, tpl, "AWS::ECS::Service"))
	if got := jsonString(get(svc, "LoadBalancers", "0", "ContainerPort")); got != "8080" {
		t.Errorf("service load balancer ContainerPort = %s, want 8080", got)
	}

	var metrics []string
	for id, p := range resources(tpl, "AWS::ApplicationAutoScaling::ScalingPolicy") {
		m := get(props(p), "TargetTrackingScalingPolicyConfiguration", "PredefinedMetricSpecification", "PredefinedMetricType")
		if m == nil {
			t.Errorf("scaling policy %s is not target tracking on a predefined metric", id)
			continue
		}
		metrics = append(metrics, m.(string))
	}
	sort.Strings(metrics)
	if want := []string{"ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"}; !reflect.DeepEqual(metrics, want) {
		t.Errorf("scaling metrics %v, want %v", metrics, want)
	}
	target := props(only(t, tpl, "AWS::ApplicationAutoScaling::ScalableTarget"))
	if target["MinCapacity"] != 1.0 || target["MaxCapacity"] != 4.0 {
		t.Errorf("scalable target %v–%v tasks, want 1–4", target["MinCapacity"], target["MaxCapacity"])
	}

	cluster := props(only(t, tpl, "AWS::ECS::Cluster"))
	if !strings.Contains(jsonString(cluster["ClusterSettings"]), `"Value":"enabled"`) {
		t.Errorf("ClusterSettings = %s, want Container Insights enabled", jsonString(cluster["ClusterSettings"]))
	}
	if n := len(resources(tpl, "AWS::EC2::FlowLog")); n != 1 {
		t.Errorf("%d VPC flow logs, want 1", n)
	}
	if n := len(resources(tpl, "AWS::WAFv2::WebACL")); n != 0 {
		t.Errorf("%d web ACLs without waf, want 0", n)
	}
	var protocols []string
	for _, l := range resources(tpl, "AWS::ElasticLoadBalancingV2::Listener") {
		protocols = append(protocols, props(l)["Protocol"].(string))
	}
	if !reflect.DeepEqual(protocols, []string{"HTTP"}) {
		t.Errorf("listeners %v without certificateArn, want one HTTP listener", protocols)
	}
	var warnings int
	protect(t, "plain HTTP warning", func() {
		warnings = len(*assertions.Annotations_FromStack(a.Sky.Fargate.Stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("plain HTTP"))))
	})
	if warnings != 1 {
		t.Errorf("%d plain-HTTP warnings without certificateArn, want 1", warnings)
	}
}

// waf: a regional web ACL with a per-IP rate limit and the AWS common rule set, on the ALB.
func TestWAF(t *testing.T) {
	a := app(t, "fargate-all")
	tpl := a.template(t, a.Sky.Fargate.Stack)
	acl := props(only(t, tpl, "AWS::WAFv2::WebACL"))
	if acl["Scope"] != "REGIONAL" {
		t.Errorf("web ACL Scope = %v, want REGIONAL", acl["Scope"])
	}
	var rate, common bool
	for _, r := range asList(acl["Rules"]) {
		if s := get(r, "Statement", "RateBasedStatement"); s != nil {
			rate = get(s, "Limit") == 500.0 && get(s, "AggregateKeyType") == "IP" && get(r, "Action", "Block") != nil
		}
		if get(r, "Statement", "ManagedRuleGroupStatement", "Name") == "AWSManagedRulesCommonRuleSet" {
			common = get(r, "Statement", "ManagedRuleGroupStatement", "VendorName") == "AWS"
		}
	}
	if !rate {
		t.Errorf("no blocking per-IP rate rule with wafRateLimit=500: %s", jsonString(acl["Rules"]))
	}
	if !common {
		t.Errorf("no AWSManagedRulesCommonRuleSet rule: %s", jsonString(acl["Rules"]))
	}
	assoc := props(only(t, tpl, "AWS::WAFv2::WebACLAssociation"))
	if !strings.Contains(jsonString(assoc["ResourceArn"]), "ServiceLB") || !strings.Contains(jsonString(assoc["WebACLArn"]), "WebAcl") {
		t.Errorf("association %s, want the web ACL on the service's ALB", jsonString(assoc))
	}
	mustFail(t, map[string]any{ctxWAF: "true"}, "cannot be associated with an AWS WAF web ACL")
	mustFail(t, map[string]any{ctxFlavour: flavourFargate, ctxWAF: "true", ctxWAFRateLimit: "5"}, "WAF accepts")
}

// certificateArn: HTTPS on 443 with the certificate and a modern TLS policy, 80 redirects.
func TestCertificate(t *testing.T) {
	a := app(t, "fargate-all")
	tpl := a.template(t, a.Sky.Fargate.Stack)
	byPort := map[float64]map[string]any{}
	for _, l := range resources(tpl, "AWS::ElasticLoadBalancingV2::Listener") {
		byPort[props(l)["Port"].(float64)] = props(l)
	}
	https := byPort[443]
	if https == nil || https["Protocol"] != "HTTPS" || !strings.Contains(jsonString(https["Certificates"]), "certificate/test") {
		t.Errorf("HTTPS listener %s, want 443 with the certificate", jsonString(https))
	}
	if https != nil && !strings.HasPrefix(jsonString(https["SslPolicy"]), `"ELBSecurityPolicy-TLS13`) {
		t.Errorf("SslPolicy = %v, want a TLS 1.3 policy", https["SslPolicy"])
	}
	if redirect := byPort[80]; redirect == nil || get(redirect, "DefaultActions", "0", "Type") != "redirect" {
		t.Errorf("port 80 listener %s, want a redirect to HTTPS", jsonString(redirect))
	}
	if !strings.HasPrefix(jsonString(get(tpl, "Outputs", "GraphqlUrl", "Value")), `{"Fn::Join":["",["https://"`) {
		t.Errorf("GraphqlUrl %s, want https", jsonString(get(tpl, "Outputs", "GraphqlUrl", "Value")))
	}
}

// region: the ALB writes access logs to an encrypted, private, TLS-only bucket.
func TestALBAccessLogs(t *testing.T) {
	attr := func(cfg string) string {
		a := app(t, cfg)
		lb := props(only(t, a.template(t, a.Sky.Fargate.Stack), "AWS::ElasticLoadBalancingV2::LoadBalancer"))
		for _, kv := range asList(lb["LoadBalancerAttributes"]) {
			if get(kv, "Key") == "access_logs.s3.enabled" {
				return get(kv, "Value").(string)
			}
		}
		return ""
	}
	if got := attr("fargate"); got == "true" {
		t.Error("access logs enabled in a region-agnostic synth (ELB needs the region)")
	}
	if got := attr("fargate-all"); got != "true" {
		t.Errorf("access_logs.s3.enabled = %q with region, want true", got)
	}
	a := app(t, "fargate-all")
	bucket := props(only(t, a.template(t, a.Sky.Fargate.Stack), "AWS::S3::Bucket"))
	if got := jsonString(get(bucket, "BucketEncryption", "ServerSideEncryptionConfiguration", "0", "ServerSideEncryptionByDefault", "SSEAlgorithm")); got != `"AES256"` {
		t.Errorf("log bucket encryption %s, want AES256", got)
	}
	if get(bucket, "PublicAccessBlockConfiguration", "BlockPublicPolicy") != true {
		t.Errorf("log bucket public access block %s", jsonString(get(bucket, "PublicAccessBlockConfiguration")))
	}
}

// The image's build context is the repository root without the bulky and irrelevant
// parts. Synth copies it into cdk.out, so the copy shows what Docker would receive.
func TestDockerContextExcludes(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "Dockerfile")); err != nil {
		t.Skip("no Dockerfile at the repository root yet")
	}
	a := newTestApp(t, map[string]any{ctxFlavour: flavourFargate, ctxDockerContext: ".."})
	outdir := *a.App.Outdir()
	entries, err := os.ReadDir(outdir)
	if err != nil {
		t.Fatal(err)
	}
	var ctxDir string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "asset.") {
			if _, err := os.Stat(filepath.Join(outdir, e.Name(), "Dockerfile")); err == nil {
				ctxDir = filepath.Join(outdir, e.Name())
			}
		}
	}
	if ctxDir == "" {
		t.Fatalf("no Docker context staged in %s", outdir)
	}
	for _, p := range []string{"go.mod", "server.go"} {
		if _, err := os.Stat(filepath.Join(ctxDir, p)); err != nil {
			t.Errorf("staged context lacks %s", p)
		}
	}
	err = filepath.WalkDir(ctxDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(ctxDir, path)
		switch {
		case d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "cdk.out"),
			d.IsDir() && (rel == "cdk" || rel == "build"):
			t.Errorf("staged Docker context contains %s", rel)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
