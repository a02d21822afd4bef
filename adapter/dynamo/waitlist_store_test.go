package dynamo_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/adapter/dynamo/embedded"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/domain/waitlist/waitlisttest"
)

// waitlistRepos returns a constructor of fresh repositories on b (each embedded one on
// its own minidyn server: see TestBookingRepositoryContract).
func waitlistRepos(b dynamotest.Backend) func(t *testing.T) waitlist.Repository {
	return func(t *testing.T) waitlist.Repository {
		be := b
		if be.Mini != nil {
			srv, err := embedded.StartOpen() // a test backend: any key, as DynamoDB Local
			require.NoError(t, err)
			t.Cleanup(func() { _ = srv.Close() })
			be = dynamotest.Backend{Name: b.Name, Endpoint: srv.URL, Mini: srv.Mini}
		}
		return dynamotest.NewStore(t, be, nil).Waitlists()
	}
}

// TestWaitlistRepositoryContract runs the repository contract on every backend.
func TestWaitlistRepositoryContract(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { waitlisttest.Run(t, waitlistRepos(b)) })
	}
}

// TestWaitlistNotifier runs the notification scenarios (producer, consumer, racing
// processes) on every backend, DynamoDB Local included.
func TestWaitlistNotifier(t *testing.T) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { waitlisttest.RunNotifier(t, waitlistRepos(b)) })
	}
}
