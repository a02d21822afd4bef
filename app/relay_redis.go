//go:build !skygraph_lambda

package app

import (
	"github.com/skygraph/skygraph/adapter/redisrelay"
	"github.com/skygraph/skygraph/domain/event"
)

// openRelay is how this process reaches the others of its deployment: Redis/Valkey pub/sub
// when SKYGRAPH_REDIS_URL is set (several Fargate tasks), otherwise nobody (nil: the hub
// uses event.Alone). It does not connect: the hub's Run does, and keeps retrying, so a
// server starts and serves its own subscribers while Redis is unreachable. startEvents
// closes it on App.Close.
func (a *App) openRelay(cfg Config) (event.Relay, error) {
	if cfg.RedisURL == "" {
		return nil, nil
	}
	r, err := redisrelay.New(redisrelay.Config{URL: cfg.RedisURL, Log: a.log})
	if err != nil {
		return nil, err
	}
	a.log.Info("events shared with the other server processes through Redis pub/sub", "channel", redisrelay.DefaultChannel)
	return r, nil
}
