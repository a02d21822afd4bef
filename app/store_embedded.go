//go:build !skygraph_lambda

package app

import (
	"context"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/adapter/dynamo/embedded"
)

// openEmbedded starts the in-process DynamoDB-compatible store (no table configured: a
// laptop, the tests) and connects to it like to DynamoDB; App.Close stops it.
func (a *App) openEmbedded(ctx context.Context) (dynamo.API, string, error) {
	srv, err := embedded.Start()
	if err != nil {
		return nil, "", err
	}
	a.closers = append(a.closers, srv.Close)
	a.log.Info("embedded DynamoDB-compatible store started (in memory)", "endpoint", srv.URL)
	c, err := dynamo.NewClient(ctx, dynamo.ClientOptions{Endpoint: srv.URL, Region: "us-east-1", StaticCredentials: true, AccessKeyID: srv.AccessKeyID})
	return c, embeddedTable, err
}
