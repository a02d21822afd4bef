package app_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/domain/waitlist"
)

// waitlistPeople signs up the matrix's principals: owner A (the demo owner), owner B (a
// second RestaurantOwner), a customer, the waitee customer (on A's list), an Admin, and
// anonymous.
type waitlistPeople struct {
	tokens map[string]string
	subs   map[string]string
}

var waitlistPrincipals = []string{"admin", "anonymous", "customer", "ownerA", "ownerB", "waitee"}

func signUpConfirmed(t *testing.T, e *env, email, password string) string {
	t.Helper()
	var up struct{ SignUp struct{ UserID string } }
	e.client.MustPost(`mutation($e: String!, $p: String!) { signUp(email: $e, password: $p, name: "X") { userId } }`, &up,
		client.Var("e", email), client.Var("p", password))
	var ok struct{ ConfirmSignUp bool }
	e.client.MustPost(`mutation($e: String!) { confirmSignUp(email: $e) }`, &ok, client.Var("e", email))
	return up.SignUp.UserID
}

func newWaitlistPeople(t *testing.T, e *env) waitlistPeople {
	t.Helper()
	p := waitlistPeople{tokens: map[string]string{"anonymous": ""}, subs: map[string]string{}}
	p.subs["ownerB"] = signUpConfirmed(t, e, "owner-b@example.com", "Bbbb1234!")
	p.subs["waitee"] = signUpConfirmed(t, e, "waitee@example.com", "Wwww1234!")
	admin := e.signIn(t, adminEmail, adminPassword)
	_, out := e.raw(t, `mutation($u: ID!) { addUserToGroup(userId: $u, group: "RestaurantOwner") }`, map[string]any{"u": p.subs["ownerB"]}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	p.tokens["admin"] = admin
	p.tokens["ownerA"] = e.signIn(t, ownerEmail, ownerPassword)
	p.tokens["ownerB"] = e.signIn(t, "owner-b@example.com", "Bbbb1234!")
	p.tokens["customer"] = e.signIn(t, demoEmail, demoPassword)
	p.tokens["waitee"] = e.signIn(t, "waitee@example.com", "Wwww1234!")
	p.subs["ownerA"] = localidp.DemoSub(ownerEmail)
	return p
}

// outcome classifies a response to a one-field operation: the error type of its first
// error, "null" for a null answer, "ok" otherwise.
func outcome(out map[string]any, field string) string {
	if errs, ok := out["errors"].([]any); ok && len(errs) > 0 {
		return fmt.Sprint(errs[0].(map[string]any)["errorType"])
	}
	data, _ := out["data"].(map[string]any)
	if data[field] == nil {
		return "null"
	}
	return "ok"
}

// TestWaitlistOwnerIsolation calls every waitlist operation on owner A's waitlists and
// entries as owner A, owner B, a customer, the waitee customer, an Admin and anonymous,
// and compares the outcomes with the table: another owner's waitlist or entry is NotFound
// (or null), never Unauthorized and never shown; nested entries are the owner's alone.
func TestWaitlistOwnerIsolation(t *testing.T) {
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			ctx := context.Background()
			p := newWaitlistPeople(t, e)
			svc := e.app.Waitlists
			ownerA := waitlist.Caller{ID: p.subs["ownerA"], Owner: true}
			waitee := waitlist.Caller{ID: p.subs["waitee"]}
			mk := func(name string, open bool) *waitlist.Waitlist {
				w, err := svc.CreateWaitlist(ctx, ownerA, waitlist.WaitlistInput{Name: &name, IsOpen: &open})
				require.NoError(t, err)
				return w
			}
			open, closed := mk("Isolation Open "+e.backend, true), mk("Isolation Closed "+e.backend, false)
			walkIn := func() string {
				en, err := svc.AddWaitee(ctx, ownerA, open.ID, waitlist.WaiteeInput{Name: "Walk In", Phone: "+14155550100", PartySize: 2})
				require.NoError(t, err)
				return en.ID
			}
			joined := func() string {
				en, err := svc.JoinWaitlist(ctx, waitee, open.ID, waitlist.WaiteeInput{Name: "Waitee", Phone: "+14155550101", PartySize: 2})
				require.NoError(t, err)
				return en.ID
			}
			waiteeEntry := joined()

			const (
				ok, null, unauth, notFound, bad = "ok", "null", "Unauthorized", "NotFound", "BadRequest"
			)
			type row struct {
				name, field, doc string
				vars             func() map[string]any
				want             map[string]string // by principal
				check            func(out map[string]any) string
			}
			ownerOps := map[string]string{"ownerA": ok, "admin": ok, "ownerB": notFound, "customer": unauth, "waitee": unauth, "anonymous": unauth}
			contains := func(id string) func(out map[string]any) string {
				return func(out map[string]any) string {
					if errs, ok := out["errors"].([]any); ok && len(errs) > 0 {
						return fmt.Sprint(errs[0].(map[string]any)["errorType"])
					}
					if strings.Contains(fmt.Sprint(out["data"]), id) {
						return "shown"
					}
					return "hidden"
				}
			}
			rows := []row{
				{name: "getWaitlist open", field: "getWaitlist", doc: `query($id: ID!) { getWaitlist(id: $id) { id name waitingCount estimatedWaitMinutes } }`,
					vars: func() map[string]any { return map[string]any{"id": open.ID} },
					want: map[string]string{"ownerA": ok, "admin": ok, "ownerB": ok, "customer": ok, "waitee": ok, "anonymous": unauth}},
				{name: "getWaitlist closed", field: "getWaitlist", doc: `query($id: ID!) { getWaitlist(id: $id) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": closed.ID} },
					want: map[string]string{"ownerA": ok, "admin": ok, "ownerB": null, "customer": null, "waitee": null, "anonymous": unauth}},
				{name: "nested Waitlist.entries of another owner", field: "getWaitlist",
					doc:  `query($id: ID!) { getWaitlist(id: $id) { id entries { items { id name phone } } } }`,
					vars: func() map[string]any { return map[string]any{"id": open.ID} },
					want: map[string]string{"ownerA": ok, "admin": ok, "ownerB": unauth, "customer": unauth, "waitee": unauth, "anonymous": unauth}},
				{name: "listWaitlists shows a closed list to its owner only", doc: `{ listWaitlists(limit: 1000) { items { id } } }`,
					want:  map[string]string{"ownerA": "shown", "admin": "shown", "ownerB": "hidden", "customer": "hidden", "waitee": "hidden", "anonymous": unauth},
					check: contains(closed.ID)},
				{name: "listWaitlists by prefix: open lists for everyone", doc: `query($p: String) { listWaitlists(namePrefix: $p) { items { id } } }`,
					vars:  func() map[string]any { return map[string]any{"p": "isolation"} },
					want:  map[string]string{"ownerA": "shown", "admin": "shown", "ownerB": "shown", "customer": "shown", "waitee": "shown", "anonymous": unauth},
					check: contains(open.ID)},
				{name: "listWaitlists entries of another owner's lists",
					// Limits as a dashboard would send them: a nested page per list is priced as its
					// read budget times the outer limit (the complexity limit refuses the defaults).
					doc:   `query($p: String) { listWaitlists(namePrefix: $p, limit: 20) { items { id entries(limit: 20) { items { id } } } } }`,
					vars:  func() map[string]any { return map[string]any{"p": "isolation open"} },
					want:  map[string]string{"ownerA": "shown", "admin": "shown", "ownerB": unauth, "customer": unauth, "waitee": unauth, "anonymous": unauth},
					check: contains(waiteeEntry)},
				{name: "myWaitlistEntries", doc: `{ myWaitlistEntries { items { id position status } } }`,
					want:  map[string]string{"ownerA": "hidden", "admin": "hidden", "ownerB": "hidden", "customer": "hidden", "waitee": "shown", "anonymous": unauth},
					check: contains(waiteeEntry)},
				{name: "updateWaitlist", field: "updateWaitlist", doc: `mutation($id: ID!) { updateWaitlist(id: $id, input: {description: "x"}) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": open.ID} }, want: ownerOps},
				{name: "deleteWaitlist", field: "deleteWaitlist", doc: `mutation($id: ID!) { deleteWaitlist(id: $id) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": mk("Doomed", true).ID} }, want: ownerOps},
				{name: "addWaitee", field: "addWaitee", doc: `mutation($id: ID!) { addWaitee(waitlistId: $id, input: {name: "N", phone: "+14155550100", partySize: 2}) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": open.ID} }, want: ownerOps},
				{name: "updateWaitee", field: "updateWaitee", doc: `mutation($id: ID!) { updateWaitee(id: $id, input: {notes: "n"}) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": walkIn()} }, want: ownerOps},
				{name: "removeWaitee", field: "removeWaitee", doc: `mutation($id: ID!) { removeWaitee(id: $id) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": walkIn()} }, want: ownerOps},
				{name: "notifyWaitee", field: "notifyWaitee", doc: `mutation($id: ID!) { notifyWaitee(id: $id) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": walkIn()} }, want: ownerOps},
				{name: "seatWaitee", field: "seatWaitee", doc: `mutation($id: ID!) { seatWaitee(id: $id) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": walkIn()} }, want: ownerOps},
				{name: "owner ops on the waitee's own entry", field: "seatWaitee", doc: `mutation($id: ID!) { seatWaitee(id: $id) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": joined()} }, want: ownerOps},
				{name: "joinWaitlist open", field: "joinWaitlist", doc: `mutation($id: ID!) { joinWaitlist(waitlistId: $id, input: {name: "N", phone: "+14155550100", partySize: 2}) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": open.ID} },
					want: map[string]string{"ownerA": ok, "admin": ok, "ownerB": ok, "customer": ok, "waitee": ok, "anonymous": unauth}},
				{name: "joinWaitlist closed", field: "joinWaitlist", doc: `mutation($id: ID!) { joinWaitlist(waitlistId: $id, input: {name: "N", phone: "+14155550100", partySize: 2}) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": closed.ID} },
					want: map[string]string{"ownerA": bad, "admin": bad, "ownerB": notFound, "customer": notFound, "waitee": notFound, "anonymous": unauth}},
				{name: "leaveWaitlist: the waitee's entry", field: "leaveWaitlist", doc: `mutation($id: ID!) { leaveWaitlist(id: $id) { id status } }`,
					vars: func() map[string]any { return map[string]any{"id": joined()} },
					want: map[string]string{"ownerA": notFound, "admin": ok, "ownerB": notFound, "customer": notFound, "waitee": ok, "anonymous": unauth}},
				{name: "leaveWaitlist: a walk-in", field: "leaveWaitlist", doc: `mutation($id: ID!) { leaveWaitlist(id: $id) { id } }`,
					vars: func() map[string]any { return map[string]any{"id": walkIn()} },
					want: map[string]string{"ownerA": notFound, "admin": ok, "ownerB": notFound, "customer": notFound, "waitee": notFound, "anonymous": unauth}},
			}
			for _, r := range rows {
				got := map[string]string{}
				for _, who := range waitlistPrincipals {
					var vars map[string]any
					if r.vars != nil {
						vars = r.vars()
					}
					var hdr []string
					if tok := p.tokens[who]; tok != "" {
						hdr = []string{"Authorization", tok}
					}
					_, out := e.raw(t, r.doc, vars, hdr...)
					if r.check != nil {
						got[who] = r.check(out)
					} else {
						got[who] = outcome(out, r.field)
					}
					if got[who] == notFound {
						require.NotContains(t, fmt.Sprint(out), "owner-", "a NotFound names nobody")
					}
				}
				require.Equal(t, r.want, got, r.name)
			}
			names := append([]string(nil), waitlistPrincipals...)
			sort.Strings(names)
			require.Equal(t, names, waitlistPrincipals)
		})
	}
}
