//go:build !skygraph_lambda

package app

import "errors"

// LambdaOnly reports whether this is the Lambda-only build (tag skygraph_lambda, what `make
// lambda` and the CDK app ship): it leaves out what AWS Lambda never runs (the embedded
// store, the local identity provider, the Redis relay, the playground), so the bootstrap is
// smaller and starts sooner. This build has everything: `go run .`, the container, the tests.
const LambdaOnly = false

// errLeftOut is the Lambda-only build's refusal; this build leaves nothing out.
var errLeftOut = errors.New("not in this build")

// leftOut checks the configuration against what this build has: everything.
func (c Config) leftOut() error { return nil }
