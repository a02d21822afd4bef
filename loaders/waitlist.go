package loaders

import (
	"context"
	"sync"
)

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
