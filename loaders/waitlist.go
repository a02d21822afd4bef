package loaders

import (
	"context"
	"sync"

	"github.com/graph-gophers/dataloader/v7"
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
	inLine *dataloader.Loader[string, []int64]
}

// InLine returns the Seqs of the entries in line of waitlistID, read once per operation:
// a page of 100 entries with their positions, and the list's waitingCount, cost one read.
func InLine(ctx context.Context, src InLineSource, waitlistID string) ([]int64, error) {
	l, err := For(ctx)
	if err != nil {
		return nil, err
	}
	l.waitlists.once.Do(func() {
		l.waitlists.inLine = dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[[]int64] {
			out := make([]*dataloader.Result[[]int64], len(ids))
			var wg sync.WaitGroup
			for i, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					seqs, err := src.InLine(ctx, id)
					out[i] = &dataloader.Result[[]int64]{Data: seqs, Error: err}
				}()
			}
			wg.Wait()
			return out
		}, dataloader.WithWait[string, []int64](wait), dataloader.WithBatchCapacity[string, []int64](batchCapacity))
	})
	return l.waitlists.inLine.Load(ctx, waitlistID)()
}
