package demo

import (
	"context"
	"fmt"

	"github.com/skygraph/skygraph/domain/waitlist"
)

// WaitlistName is the seeded waitlist's name.
const WaitlistName = "Demo Bistro"

// SeedWaitlist gives the demo restaurant owner an open waitlist with a few parties: two
// walk-ins (one to be notified in 30 minutes, one by hand) and the demo customer, who
// joined themselves (notified in 45 minutes). It does nothing when the owner already has
// a waitlist, so a restart of a persistent store does not add another.
func SeedWaitlist(ctx context.Context, svc *waitlist.Service, ownerSub, customerSub string) (*waitlist.Waitlist, error) {
	owner := waitlist.Caller{ID: ownerSub, Owner: true}
	limit := 1
	p, err := svc.ListWaitlists(ctx, owner, nil, &limit, nil)
	if err != nil {
		return nil, fmt.Errorf("seed waitlist: %w", err)
	}
	if len(p.Items) > 0 {
		return p.Items[0], nil
	}
	name, desc, open := WaitlistName, "Tables for two to eight, walk-ins welcome.", true
	w, err := svc.CreateWaitlist(ctx, owner, waitlist.WaitlistInput{Name: &name, Description: &desc, IsOpen: &open})
	if err != nil {
		return nil, fmt.Errorf("seed waitlist: %w", err)
	}
	in30, in45 := 30, 45
	notes := "window seat if possible"
	for _, in := range []waitlist.WaiteeInput{
		{Name: "Ana García", Phone: "+34600111222", PartySize: 2, NotifyInMinutes: &in30, Notes: &notes},
		{Name: "Ben Okafor", Phone: "+447700900123", PartySize: 4},
	} {
		if _, err := svc.AddWaitee(ctx, owner, w.ID, in); err != nil {
			return nil, fmt.Errorf("seed waitee: %w", err)
		}
	}
	if _, err := svc.JoinWaitlist(ctx, waitlist.Caller{ID: customerSub}, w.ID, waitlist.WaiteeInput{
		Name: "Demo Customer", Phone: "+14155550100", PartySize: 3, NotifyInMinutes: &in45,
	}); err != nil {
		return nil, fmt.Errorf("seed waitee: %w", err)
	}
	return w, nil
}
