package memqueue_test

import (
	"testing"
	"time"

	"github.com/skygraph/skygraph/adapter/memqueue"
	"github.com/skygraph/skygraph/domain/waitlist/waitlisttest"
)

func TestQueueContract(t *testing.T) {
	waitlisttest.RunQueue(t, func(t *testing.T) waitlisttest.QueueFixture {
		clock := waitlisttest.NewClock()
		q := memqueue.New(memqueue.Config{Visibility: 30 * time.Second, Wait: time.Millisecond, Now: clock.Now})
		return waitlisttest.QueueFixture{Queue: q, Inbox: q, Advance: clock.Advance, Visibility: 30 * time.Second}
	})
}
