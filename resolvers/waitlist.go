package resolvers

import (
	"context"

	"github.com/skygraph/skygraph/auth"
	"github.com/skygraph/skygraph/domain/account"
	"github.com/skygraph/skygraph/domain/waitlist"
	"github.com/skygraph/skygraph/graph"
	"github.com/skygraph/skygraph/graph/model"
	"github.com/skygraph/skygraph/internal/opt"
)

// waitlistCaller is the signed-in user as the waitlist service sees it.
func waitlistCaller(ctx context.Context) waitlist.Caller {
	p := auth.FromContext(ctx)
	return waitlist.Caller{ID: p.Sub, Admin: p.InGroup(account.GroupAdmin), Owner: p.InGroup(account.GroupRestaurantOwner)}
}

func waitlistConnection(p waitlist.WaitlistPage) *model.ModelWaitlistConnection {
	c := &model.ModelWaitlistConnection{Items: p.Items, NextToken: opt.String(p.NextToken)}
	if c.Items == nil {
		c.Items = []*waitlist.Waitlist{}
	}
	return c
}

func entryConnection(p waitlist.EntryPage) *model.ModelWaitlistEntryConnection {
	c := &model.ModelWaitlistEntryConnection{Items: p.Items, NextToken: opt.String(p.NextToken)}
	if c.Items == nil {
		c.Items = []*waitlist.Entry{}
	}
	return c
}

// waitlistComplexity charges the connections their read budget (pageCost), and
// waitingCount (and a position) one read of the list's places. listWaitlists is priced as
// filtered whatever the caller: a signed-in customer's listing keeps only the open lists
// of the prefix, and who calls is not known when the cost is computed. entries is
// filtered when a status is asked.
func waitlistComplexity(c *graph.Config) {
	c.Complexity.Query.ListWaitlists = func(child int, _ *string, limit *int, _ *string) int { return pageCost(child, limit, true) }
	c.Complexity.Query.MyWaitlistEntries = func(child int, limit *int, _ *string) int { return pageCost(child, limit, false) }
	c.Complexity.Waitlist.Entries = func(child int, status *waitlist.Status, limit *int, _ *string) int {
		return pageCost(child, limit, status != nil)
	}
}
