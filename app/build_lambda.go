//go:build skygraph_lambda

package app

import (
	"errors"
	"fmt"
)

// LambdaOnly reports whether this is the Lambda-only build (tag skygraph_lambda, what `make
// lambda` and the CDK app ship): it leaves out what AWS Lambda never runs (the embedded
// store, the local identity provider, the Redis relay, the playground), so the bootstrap is
// smaller and starts sooner. New refuses a configuration that needs one of them (leftOut).
const LambdaOnly = true

// errLeftOut is what New returns when the configuration asks this build for something it
// leaves out: the start fails at once, naming the setting, instead of a function that
// answers every request with an error.
var errLeftOut = errors.New("not in the Lambda-only build (tag skygraph_lambda)")

// leftOut checks the configuration against what this build has, before anything starts.
func (c Config) leftOut() error {
	switch {
	case c.Embedded():
		return fmt.Errorf("the embedded store is %w: set SKYGRAPH_TABLE", errLeftOut)
	case !c.UsesCognito():
		return fmt.Errorf("the local identity provider is %w: set SKYGRAPH_COGNITO_USER_POOL_ID and SKYGRAPH_COGNITO_CLIENT_IDS", errLeftOut)
	case c.RedisURL != "":
		return fmt.Errorf("the Redis relay (SKYGRAPH_REDIS_URL) is %w: Lambda serves no subscriptions, unset it", errLeftOut)
	case c.Playground:
		return fmt.Errorf("the playground is %w: unset SKYGRAPH_PLAYGROUND or set it to false", errLeftOut)
	}
	return nil
}
