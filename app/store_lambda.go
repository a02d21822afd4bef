//go:build skygraph_lambda

package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/skygraph/skygraph/adapter/dynamo"
	"github.com/skygraph/skygraph/domain/event"
)

// The stand-ins below are never reached: New refuses, through Config.leftOut, every
// configuration that would need what they replace. They keep the shared wiring free of
// build tags.

func (a *App) openEmbedded(context.Context) (dynamo.API, string, error) {
	return nil, "", fmt.Errorf("the embedded store is %w", errLeftOut)
}

func (a *App) openRelay(cfg Config) (event.Relay, error) {
	if cfg.RedisURL == "" {
		return nil, nil
	}
	return nil, fmt.Errorf("the Redis relay is %w", errLeftOut)
}

func playgroundHandler() http.Handler { return http.NotFoundHandler() }
