package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Context keys: every option of the app is a CDK context value, set in cdk.json or with
// `cdk synth|deploy -c key=value`. Values from -c arrive as strings, values from cdk.json
// as JSON; the parsers below accept both.
const (
	ctxFlavour             = "flavour"             // "lambda" (default) or "fargate"
	ctxRegion              = "region"              // pins every stack to one region (needed by replicaRegions and ALB access logs)
	ctxTableKMS            = "tableKms"            // true: the table is encrypted with a customer-managed KMS key
	ctxReplicaRegions      = "replicaRegions"      // "eu-central-1,us-east-1": global-table replicas
	ctxReplicaKeyArns      = "replicaKeyArns"      // {"eu-central-1": "arn:aws:kms:…"}: the replicas' keys when tableKms is on
	ctxLambdaAsset         = "lambdaAsset"         // directory holding the arm64 `bootstrap` (default ../build/lambda)
	ctxDockerContext       = "dockerContext"       // Docker build context holding the Dockerfile (default ..)
	ctxReservedConcurrency = "reservedConcurrency" // reserved concurrent executions of the function (0 = unreserved)
	ctxFunctionURL         = "functionUrl"         // true: also expose the function through a Function URL
	ctxThrottleRate        = "throttleRate"        // HTTP API stage steady-state requests per second
	ctxThrottleBurst       = "throttleBurst"       // HTTP API stage burst
	ctxJobsDLQ             = "jobsDlq"             // true: failed scheduled-job invocations go to an SQS dead-letter queue
	ctxWAF                 = "waf"                 // true: AWS WAF web ACL on the ALB (fargate flavour only)
	ctxWAFRateLimit        = "wafRateLimit"        // requests per client IP per 5 minutes before WAF blocks
	ctxCertificateArn      = "certificateArn"      // ACM certificate: the ALB listens on HTTPS 443 and redirects 80
	ctxCorsOrigins         = "corsOrigins"         // SKYGRAPH_CORS_ORIGINS for the server (browser origins)
	ctxLogRetentionDays    = "logRetentionDays"    // retention of every log group the app creates
)

const (
	flavourLambda  = "lambda"
	flavourFargate = "fargate"
)

// Config is the app's resolved context.
type Config struct {
	Flavour             string
	Region              string // "" = environment-agnostic stacks
	TableKMS            bool
	ReplicaRegions      []string
	ReplicaKeyArns      map[string]string
	LambdaAsset         string
	DockerContext       string
	ReservedConcurrency int
	FunctionURL         bool
	ThrottleRate        float64
	ThrottleBurst       int
	JobsDLQ             bool
	WAF                 bool
	WAFRateLimit        int
	CertificateArn      string
	CorsOrigins         string
	LogRetentionDays    int
}

// Defaults of the options that have one.
const (
	defaultLambdaAsset      = "../build/lambda"
	defaultDockerContext    = ".."
	defaultThrottleRate     = 100
	defaultThrottleBurst    = 200
	defaultWAFRateLimit     = 1000
	defaultLogRetentionDays = 30
)

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

// contextGetter is what Config reads; app.Node().TryGetContext satisfies it.
type contextGetter func(key string) any

// LoadConfig reads and validates the app's context. An invalid combination is an error
// (synth fails with its message) rather than a silently different deployment.
func LoadConfig(get contextGetter) (Config, error) {
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	c := Config{
		Flavour:          strings.ToLower(ctxString(get, ctxFlavour, flavourLambda)),
		Region:           ctxString(get, ctxRegion, ""),
		LambdaAsset:      ctxString(get, ctxLambdaAsset, defaultLambdaAsset),
		DockerContext:    ctxString(get, ctxDockerContext, defaultDockerContext),
		CertificateArn:   ctxString(get, ctxCertificateArn, ""),
		CorsOrigins:      ctxString(get, ctxCorsOrigins, ""),
		ReplicaKeyArns:   map[string]string{},
		ThrottleRate:     defaultThrottleRate,
		ThrottleBurst:    defaultThrottleBurst,
		WAFRateLimit:     defaultWAFRateLimit,
		LogRetentionDays: defaultLogRetentionDays,
	}
	var err error
	if c.TableKMS, err = ctxBool(get, ctxTableKMS); err != nil {
		fail("%v", err)
	}
	if c.FunctionURL, err = ctxBool(get, ctxFunctionURL); err != nil {
		fail("%v", err)
	}
	if c.JobsDLQ, err = ctxBool(get, ctxJobsDLQ); err != nil {
		fail("%v", err)
	}
	if c.WAF, err = ctxBool(get, ctxWAF); err != nil {
		fail("%v", err)
	}
	if c.ReservedConcurrency, err = ctxInt(get, ctxReservedConcurrency, 0); err != nil {
		fail("%v", err)
	}
	if c.ThrottleRate, err = ctxFloat(get, ctxThrottleRate, defaultThrottleRate); err != nil {
		fail("%v", err)
	}
	if c.ThrottleBurst, err = ctxInt(get, ctxThrottleBurst, defaultThrottleBurst); err != nil {
		fail("%v", err)
	}
	if c.WAFRateLimit, err = ctxInt(get, ctxWAFRateLimit, defaultWAFRateLimit); err != nil {
		fail("%v", err)
	}
	if c.LogRetentionDays, err = ctxInt(get, ctxLogRetentionDays, defaultLogRetentionDays); err != nil {
		fail("%v", err)
	}
	if c.ReplicaRegions, err = ctxList(get, ctxReplicaRegions); err != nil {
		fail("%v", err)
	}
	if c.ReplicaKeyArns, err = ctxMap(get, ctxReplicaKeyArns); err != nil {
		fail("%v", err)
	}

	switch c.Flavour {
	case flavourLambda, flavourFargate:
	default:
		fail("%s: %q is not a flavour; use %q or %q", ctxFlavour, c.Flavour, flavourLambda, flavourFargate)
	}
	if c.Region != "" && !regionPattern.MatchString(c.Region) {
		fail("%s: %q is not a region name", ctxRegion, c.Region)
	}
	for _, r := range c.ReplicaRegions {
		if !regionPattern.MatchString(r) {
			fail("%s: %q is not a region name", ctxReplicaRegions, r)
		}
		if r == c.Region {
			fail("%s: %q is the stacks' own region; list only the other regions", ctxReplicaRegions, r)
		}
	}
	if len(c.ReplicaRegions) > 0 && c.Region == "" {
		// TableV2 refuses replicas in a region-agnostic stack: it must know which region
		// is the primary one.
		fail("%s needs -c %s=<primary region>: global-table replicas cannot be declared in a region-agnostic stack", ctxReplicaRegions, ctxRegion)
	}
	if c.TableKMS {
		for _, r := range c.ReplicaRegions {
			if c.ReplicaKeyArns[r] == "" {
				fail("%s with %s: %s needs a KMS key ARN for replica region %s (a customer-managed key is regional)", ctxTableKMS, ctxReplicaRegions, ctxReplicaKeyArns, r)
			}
		}
	} else if len(c.ReplicaKeyArns) > 0 {
		fail("%s is set but %s is not: replica keys are used only with a customer-managed table key", ctxReplicaKeyArns, ctxTableKMS)
	}
	if c.WAF && c.Flavour != flavourFargate {
		fail("%s needs %s=%s: an API Gateway HTTP API cannot be associated with an AWS WAF web ACL (only REST APIs, ALBs, CloudFront, AppSync and a few others can)", ctxWAF, ctxFlavour, flavourFargate)
	}
	if c.ReservedConcurrency < 0 {
		fail("%s: must be ≥ 0", ctxReservedConcurrency)
	}
	if c.ThrottleRate <= 0 || c.ThrottleBurst <= 0 {
		fail("%s and %s: must be > 0", ctxThrottleRate, ctxThrottleBurst)
	}
	if c.WAFRateLimit < 10 || c.WAFRateLimit > 2_000_000_000 {
		fail("%s: WAF accepts 10 to 2,000,000,000 requests per 5 minutes", ctxWAFRateLimit)
	}
	if !validRetention(c.LogRetentionDays) {
		fail("%s: %d is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)", ctxLogRetentionDays, c.LogRetentionDays)
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("invalid context:\n  %s", strings.Join(errs, "\n  "))
	}
	return c, nil
}

// Env is the environment of every stack: region-agnostic unless a region is pinned, and
// never account-bound, so `cdk synth` needs no credentials and makes no lookups.
func (c Config) Env() *awscdk.Environment {
	if c.Region == "" {
		return nil
	}
	return &awscdk.Environment{Region: &c.Region}
}

// LambdaAssetDir is the directory to package as the function's code. When the configured
// one has no bootstrap (`make lambda` has not run), a placeholder is used so the app still
// synthesizes; main adds a warning, and the placeholder fails every invocation loudly.
func (c Config) LambdaAssetDir() (dir string, placeholder bool, err error) {
	if fi, err := os.Stat(filepath.Join(c.LambdaAsset, "bootstrap")); err == nil && fi.Mode().IsRegular() {
		return c.LambdaAsset, false, nil
	}
	dir = filepath.Join(os.TempDir(), "skygraph-cdk-placeholder-lambda")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", true, err
	}
	script := "#!/bin/sh\necho 'skygraph: this function was deployed without build/lambda/bootstrap; run `make lambda` and deploy again' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte(script), 0o755); err != nil {
		return "", true, err
	}
	return dir, true, nil
}

// retentions maps the retention periods CloudWatch Logs accepts to CDK's enum.
var retentions = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

func validRetention(days int) bool {
	_, ok := retentions[days]
	return ok
}

// Retention is the retention of every log group the app creates.
func (c Config) Retention() awslogs.RetentionDays { return retentions[c.LogRetentionDays] }

func ctxString(get contextGetter, key, def string) string {
	switch v := get(key).(type) {
	case nil:
		return def
	case string:
		if s := strings.TrimSpace(v); s != "" {
			return s
		}
		return def
	default:
		return fmt.Sprint(v)
	}
}

func ctxBool(get contextGetter, key string) (bool, error) {
	switch v := get(key).(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return false, fmt.Errorf("%s: %q is not true or false", key, v)
		}
		return b, nil
	default:
		return false, fmt.Errorf("%s: %v is not true or false", key, v)
	}
}

func ctxFloat(get contextGetter, key string, def float64) (float64, error) {
	switch v := get(key).(type) {
	case nil:
		return def, nil
	case float64:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return def, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a number", key, v)
		}
		return f, nil
	default:
		return 0, fmt.Errorf("%s: %v is not a number", key, v)
	}
}

func ctxInt(get contextGetter, key string, def int) (int, error) {
	f, err := ctxFloat(get, key, float64(def))
	if err != nil {
		return 0, err
	}
	if f != float64(int(f)) {
		return 0, fmt.Errorf("%s: %v is not a whole number", key, f)
	}
	return int(f), nil
}

// ctxList accepts a JSON array (cdk.json) or a comma-separated string (-c).
func ctxList(get contextGetter, key string) ([]string, error) {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	switch v := get(key).(type) {
	case nil:
	case string:
		s := strings.TrimSpace(v)
		if strings.HasPrefix(s, "[") {
			var list []string
			if err := json.Unmarshal([]byte(s), &list); err != nil {
				return nil, fmt.Errorf("%s: %v", key, err)
			}
			for _, e := range list {
				add(e)
			}
		} else {
			for _, e := range strings.Split(s, ",") {
				add(e)
			}
		}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: %v is not a string", key, e)
			}
			add(s)
		}
	default:
		return nil, fmt.Errorf("%s: %v is not a list", key, v)
	}
	seen := map[string]bool{}
	for _, s := range out {
		if seen[s] {
			return nil, fmt.Errorf("%s: %q is listed twice", key, s)
		}
		seen[s] = true
	}
	return out, nil
}

// ctxMap accepts a JSON object (cdk.json, or a JSON string given with -c).
func ctxMap(get contextGetter, key string) (map[string]string, error) {
	out := map[string]string{}
	switch v := get(key).(type) {
	case nil:
	case string:
		if strings.TrimSpace(v) == "" {
			return out, nil
		}
		if err := json.Unmarshal([]byte(v), &out); err != nil {
			return nil, fmt.Errorf("%s: want a JSON object of strings: %v", key, err)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s, ok := v[k].(string)
			if !ok {
				return nil, fmt.Errorf("%s.%s: %v is not a string", key, k, v[k])
			}
			out[k] = s
		}
	default:
		return nil, fmt.Errorf("%s: %v is not an object", key, v)
	}
	return out, nil
}
