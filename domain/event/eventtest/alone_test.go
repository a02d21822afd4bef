package eventtest_test

import (
	"testing"

	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/domain/event/eventtest"
)

// Alone meets the single-process part of the contract: its Publish succeeds, its Run
// delivers nothing and returns ctx.Err() when its ctx ends.
func TestAloneSingle(t *testing.T) { eventtest.Single(t, event.Alone{}) }
