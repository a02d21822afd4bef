package loaders

import (
	"context"
	"sync"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// WaitlistSource is the batch read behind WaitlistEntry.waitlist (waitlist.Service's
// GetWaitlists): no check on the caller, which the resolver makes per entry
// (waitlist.Service.WaitlistOfEntryWith) before it loads.
type WaitlistSource interface {
	GetWaitlists(ctx context.Context, ids []string) (map[string]*waitlist.Waitlist, error)
}

// WithWaitlists adds the waitlist loader to l (fresh, like every loader of the operation)
// and returns l. It is built with the operation, not on first use, because the look-ahead
// starts its batch when a page of entries resolves, before any WaitlistEntry.waitlist runs.
func (l *Loaders) WithWaitlists(src WaitlistSource) *Loaders {
	if src != nil {
		l.waitlists.lists = newLoader(src.GetWaitlists, "waitlist")
	}
	return l
}

// Waitlists selects the waitlist loader (for Rule.Loader: WaitlistEntry.waitlist); nil
// without WithWaitlists.
func Waitlists(l *Loaders) Prefetcher {
	if l.waitlists.lists == nil {
		return nil
	}
	return l.waitlists.lists
}

// Waitlist loads one waitlist by id through the operation's loader (NotFound if missing).
// The caller must have been checked against what refers to it (see WaitlistSource).
func Waitlist(ctx context.Context, id string) (*waitlist.Waitlist, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	if l.waitlists.lists == nil {
		return nil, apperr.Errorf("loaders: no waitlist loader (missing WithWaitlists)")
	}
	return l.waitlists.lists.load(ctx, id)
}

// InLineSource answers which entries of a waitlist are in line (waitlist.Service.InLine):
// one strongly consistent read per waitlist that gives waitingCount and every position.
type InLineSource interface {
	InLine(ctx context.Context, waitlistID string) ([]int64, error)
}

// waitlistLoaders are built on first use in an operation, over the source the first
// caller passes (the resolvers' waitlist service), so wiring needs no change.
type waitlistLoaders struct {
	once   sync.Once
	inLine *loader[[]int64]
	// lists is the WaitlistEntry.waitlist loader, set by WithWaitlists.
	lists *loader[*waitlist.Waitlist]
}

// InLine returns the Seqs of the entries in line of waitlistID, read once per operation:
// a page of 100 entries with their positions, and the list's waitingCount, cost one read.
// Every field that asks for the same waitlist waits for that one read (the loader's entry
// for the id), whatever order the executor runs them in.
func InLine(ctx context.Context, src InLineSource, waitlistID string) ([]int64, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	l.waitlists.once.Do(func() {
		l.waitlists.inLine = newLoader(func(ctx context.Context, ids []string) (map[string][]int64, error) {
			out := make(map[string][]int64, len(ids))
			var mu sync.Mutex
			var wg sync.WaitGroup
			var first error
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					seqs, err := src.InLine(ctx, id)
					mu.Lock()
					defer mu.Unlock()
					if err != nil && first == nil {
						first = err
					}
					out[id] = seqs
				}()
			}
			wg.Wait()
			return out, first
		}, "waitlist")
	})
	return l.waitlists.inLine.load(ctx, waitlistID)
}
