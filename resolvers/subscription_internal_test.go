package resolvers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/internal/apperr"
)

// TestSharedReadLogsStoreFailuresOnce: an event whose object cannot be re-read because the
// store fails is skipped by its subscribers (a live feed carries on), but the loss is
// logged, once per event however many subscribers share the read; an object that is gone or
// not the reader's is an expected outcome and logs nothing.
func TestSharedReadLogsStoreFailuresOnce(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		logs int
	}{
		{"store failing", errors.New("connection refused"), 1},
		{"unavailable", apperr.New(apperr.Unavailable, "try again"), 1},
		{"gone", apperr.New(apperr.NotFound, "gone"), 0},
		{"not theirs", apperr.New(apperr.Unauthorized, "no"), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			hub := event.NewHub(slog.New(slog.NewJSONHandler(&buf, nil)), event.HubConfig{})
			const subscribers = 5
			subs := make([]*event.Subscription, subscribers)
			for i := range subs {
				subs[i] = hub.Subscribe([]event.Kind{event.FlightUpdated}, nil)
				t.Cleanup(subs[i].Close)
			}
			hub.Publish(context.Background(), event.Event{Kind: event.FlightUpdated, ID: "fl-1"})
			var wg sync.WaitGroup
			for _, s := range subs {
				e := <-s.C
				wg.Go(func() {
					_, err := sharedRead(context.Background(), hub, e, "flight", func(context.Context) (*struct{}, error) { return nil, c.err })
					assert.Error(t, err)
				})
			}
			wg.Wait()
			require.Equal(t, c.logs, strings.Count(buf.String(), "could not be re-read"), buf.String())
		})
	}
}
