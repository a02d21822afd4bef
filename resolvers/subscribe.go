package resolvers

import (
	"context"
	"encoding/json"

	"github.com/skygraph/skygraph/domain/event"
	"github.com/skygraph/skygraph/internal/apperr"
)

// stream turns the hub's events of kinds that match into the objects a subscriber
// receives: for each event, load re-reads the full object as the subscriber (the services'
// read rules, as in a query; auth.Policy then checks the object again, per event, before
// anything is written). An object load cannot return for this subscriber (nil, or an
// error: NotFound, Unauthorized, the store unavailable) is skipped; seen drops a re-read
// identical to the last one sent (two events can re-read the same state). The channel is
// closed when ctx ends (the client stopped, its token expired) or the hub ended the
// subscription (it fell behind).
func stream[T any](ctx context.Context, hub *event.Hub, kinds []event.Kind, match func(event.Event) bool,
	load func(ctx context.Context, e event.Event) (*T, error), version func(*T) (string, int64),
) <-chan *T {
	sub := hub.Subscribe(kinds, match)
	out := make(chan *T)
	go func() {
		defer close(out)
		defer sub.Close()
		last := map[string]int64{}
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-sub.C:
				if !ok {
					return
				}
				obj, err := load(ctx, e)
				if err != nil || obj == nil {
					continue
				}
				if version != nil {
					id, v := version(obj)
					if seen, ok := last[id]; ok && seen == v {
						continue
					}
					if len(last) >= maxSeen {
						clear(last)
					}
					last[id] = v
				}
				select {
				case out <- obj:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// maxSeen bounds the versions one subscription remembers for deduplication.
const maxSeen = 1024

// notAuthorized is the error of a subscription the caller may not open, AppSync's
// wording: the same whether the object exists or is someone else's.
func notAuthorized(field string) error {
	return apperr.New(apperr.Unauthorized, "Not Authorized to access %s on type Subscription", field)
}

// gone decodes the last state a deletion event carries.
func gone[T any](e event.Event) (*T, error) {
	if len(e.Gone) == 0 {
		return nil, nil
	}
	var v T
	if err := json.Unmarshal(e.Gone, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
