package loaders

import (
	"context"
	"sync"

	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/internal/apperr"
)

// WaitlistSource is what the waitlist loaders read (waitlist.Service): GetWaitlists, the
// batch read behind WaitlistEntry.waitlist, with no check on the caller, which the resolver
// makes per entry (waitlist.Service.WaitlistOfEntryWith) before it loads; and InLine, which
// entries of a waitlist are in line: one strongly consistent read per waitlist that gives
// waitingCount and every position.
type WaitlistSource interface {
	GetWaitlists(ctx context.Context, ids []string) (map[string]*waitlist.Waitlist, error)
	InLine(ctx context.Context, waitlistID string) ([]int64, error)
}

// waitlistLoaders are the operation's waitlist loaders, set by WithWaitlists.
type waitlistLoaders struct {
	lists  *loader[*waitlist.Waitlist]
	inLine *loader[[]int64]
}

// WithWaitlists adds the waitlist loaders to l (fresh, like every loader of the operation)
// and returns l. They are built with the operation, not on first use, because the
// look-ahead starts a batch when a page of entries resolves, before any of its fields run.
func (l *Loaders) WithWaitlists(src WaitlistSource) *Loaders {
	if src == nil {
		return l
	}
	l.waitlists.lists = newLoader(src.GetWaitlists, "waitlist")
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

// InLine returns the Seqs of the entries in line of waitlistID, read once per operation:
// a page of 100 entries with their positions, and the list's waitingCount, cost one read.
// Every field that asks for the same waitlist waits for that one read (the loader's entry
// for the id), whatever order the executor runs them in.
func InLine(ctx context.Context, waitlistID string) ([]int64, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	if l.waitlists.inLine == nil {
		return nil, apperr.Errorf("loaders: no in-line loader (missing WithWaitlists)")
	}
	return l.waitlists.inLine.load(ctx, waitlistID)
}
