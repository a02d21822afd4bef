package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/domain/booking"
	"github.com/skygraph/skygraph/domain/user"
)

// TestUserRelationsRequestCount: User.bookings, User.loyalty, User.groups and
// Booking.customerProfile cost by depth, not by item count. Two customers with ten
// bookings each on two flights:
//
//   - me { groups loyalty bookings { items { outboundFlight customerProfile } } }: the
//     profile (GetItem; it primes the UserByID loader, so the ten customerProfile fields
//     cost nothing), the loyalty total (GetItem), the bookings (one Query on the
//     ByCustomerStatus index), their flights (one BatchGetItem); groups come from the token.
//   - Admin's listBookings { items { customerProfile } }: the bookings, then one
//     BatchGetItem for every customer of the page (the Booking.customerProfile rule).
func TestUserRelationsRequestCount(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnvTB(t, be)
			ctx := context.Background()
			flights := []string{newFlight(t, e, 50, 100, 10).ID, newFlight(t, e, 50, 100, 11).ID}
			cs := []customer{newCustomer(t, e), newCustomer(t, e)}
			const perCustomer = 10
			for _, c := range cs {
				_, err := e.app.Users.Register(ctx, c.sub, c.email, "Name "+c.sub[:4])
				require.NoError(t, err)
				for i := range perCustomer {
					f, err := e.app.Flights.Get(ctx, flights[i%2])
					require.NoError(t, err)
					tok := authorize(t, e, c, f, cardsim.TokenVisa)
					_, err = e.app.Bookings.Process(ctx, booking.Caller{ID: c.sub}, booking.CreateInput{PaymentToken: tok, FlightID: f.ID})
					require.NoError(t, err)
				}
			}

			const mine = `{ me { id groups loyalty { points }
				bookings(limit: 100, status: CONFIRMED) { items { id outboundFlight { id } customerProfile { id } } } } }`
			for run := range 2 {
				e.calls.Reset()
				_, out := e.raw(t, mine, nil, "Authorization", cs[0].token)
				require.Nil(t, out["errors"], "%v", out)
				me := gqlData(t, out, "me")
				require.Equal(t, []any{}, me["groups"])
				require.Equal(t, map[string]any{"points": float64(perCustomer * 100)}, me["loyalty"])
				items := me["bookings"].(map[string]any)["items"].([]any)
				require.Len(t, items, perCustomer)
				for _, it := range items {
					require.Equal(t, map[string]any{"id": cs[0].sub}, it.(map[string]any)["customerProfile"])
				}
				require.Equal(t, 2, e.calls.Count("GetItem"), "run %d: the profile and the loyalty total", run)
				require.Equal(t, 1, e.calls.Count("Query"), "run %d: the bookings in one Query", run)
				require.Equal(t, 1, e.calls.Count("BatchGetItem"), "run %d: the flights in one BatchGetItem", run)
				require.Equal(t, 4, e.calls.Total(), "run %d: DynamoDB requests", run)
				t.Logf("%s: me{groups loyalty bookings{flight customerProfile}}: %d requests for %d bookings", be.Name, e.calls.Total(), perCustomer)
			}

			admin := e.signIn(t, adminEmail, adminPassword)
			// The page's own reads (the listing may resolve keys with a BatchGetItem), without
			// the profiles: customerProfile must add exactly one BatchGetItem.
			base := func(doc string) int {
				e.calls.Reset()
				_, out := e.raw(t, doc, nil, "Authorization", admin)
				require.Nil(t, out["errors"], "%v", out)
				return e.calls.Count("BatchGetItem")
			}
			for _, c := range cs {
				doc := fmt.Sprintf(`{ listBookings(limit: 1000, filter: {customer: {eq: %q}}) { items { customer customerProfile { id } } } }`, c.sub)
				without := base(fmt.Sprintf(`{ listBookings(limit: 1000, filter: {customer: {eq: %q}}) { items { customer } } }`, c.sub))
				e.calls.Reset()
				_, out := e.raw(t, doc, nil, "Authorization", admin)
				require.Nil(t, out["errors"], "%v", out)
				items := gqlData(t, out, "listBookings")["items"].([]any)
				require.Len(t, items, perCustomer)
				for _, it := range items {
					require.Equal(t, map[string]any{"id": c.sub}, it.(map[string]any)["customerProfile"])
				}
				require.Equal(t, without+1, e.calls.Count("BatchGetItem"), "the page's customers in one BatchGetItem")
			}
			without := base(`{ listBookings(limit: 1000) { items { customer } } }`)
			e.calls.Reset()
			_, out := e.raw(t, `{ listBookings(limit: 1000) { items { customer customerProfile { id } } } }`, nil, "Authorization", admin)
			require.Nil(t, out["errors"], "%v", out)
			seen := map[string]bool{}
			for _, it := range gqlData(t, out, "listBookings")["items"].([]any) {
				m := it.(map[string]any)
				if p, ok := m["customerProfile"].(map[string]any); ok {
					require.Equal(t, m["customer"], p["id"])
					seen[p["id"].(string)] = true
				}
			}
			require.Len(t, seen, 2)
			require.Equal(t, without+1, e.calls.Count("BatchGetItem"), "every customer of the page in one BatchGetItem")
			t.Logf("%s: listBookings{customerProfile}: %d requests", be.Name, e.calls.Total())
		})
	}
}

// TestDeleteUser: deleteUser (Admin) disables the account at the identity provider, frees
// the username and email guards with the profile in one transaction and leaves a
// tombstone; the user's orders stay, with a null customer; a still-valid token of the
// deleted user gets no profile back and cannot recreate one.
func TestDeleteUser(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) { testDeleteUser(t, newEnv(t, be, nil)) })
	}
}

func testDeleteUser(t *testing.T, e *env) {
	ctx := context.Background()
	admin := e.signIn(t, adminEmail, adminPassword)
	del := `mutation($id: ID!) { deleteUser(id: $id) { id username email } }`

	// A customer with a profile, a username, a refresh token and a paid order.
	_, out := e.raw(t, `mutation { signUp(email: "leaver@example.com", password: "Leaver123!", name: "Leaver") { userId } }`, nil)
	sub := gqlData(t, out, "signUp")["userId"].(string)
	_, out = e.raw(t, `mutation { confirmSignUp(email: "leaver@example.com") }`, nil)
	require.Nil(t, out["errors"], "%v", out)
	_, out = e.raw(t, `mutation { signIn(email: "leaver@example.com", password: "Leaver123!") { idToken refreshToken } }`, nil)
	session := gqlData(t, out, "signIn")
	leaver := customer{sub: sub, token: session["idToken"].(string), email: "leaver@example.com"}
	_, out = e.raw(t, `mutation { updateUser(input: {username: "Leaver"}) { username } }`, nil, "Authorization", leaver.token)
	require.Nil(t, out["errors"], "%v", out)
	p := newProduct(t, e, 500, 5)
	o, out := place(t, e, leaver, hold(t, e, leaver, 500, cardsim.TokenVisa), line{p.ID, 1})
	require.Nil(t, out["errors"], "%v", out)

	// Only an Admin, and not on themselves.
	other := newCustomer(t, e)
	_, out = e.raw(t, del, map[string]any{"id": sub}, "Authorization", other.token)
	requireCode(t, out, "Unauthorized")
	var adminSub string
	_, out = e.raw(t, `{ me { id } }`, nil, "Authorization", admin)
	adminSub = gqlData(t, out, "me")["id"].(string)
	_, out = e.raw(t, del, map[string]any{"id": adminSub}, "Authorization", admin)
	requireCode(t, out, "BadRequest")

	_, out = e.raw(t, del, map[string]any{"id": sub}, "Authorization", admin)
	require.Equal(t, map[string]any{"id": sub, "username": "Leaver", "email": "leaver@example.com"}, gqlData(t, out, "deleteUser"))
	_, out = e.raw(t, del, map[string]any{"id": sub}, "Authorization", admin)
	requireCode(t, out, "NotFound")

	// The identity provider: no sign-in, no refresh.
	_, out = e.raw(t, `mutation { signIn(email: "leaver@example.com", password: "Leaver123!") { idToken } }`, nil)
	requireCode(t, out, "Unauthorized")
	_, out = e.raw(t, `mutation($r: String!) { refreshSession(refreshToken: $r) { idToken } }`, map[string]any{"r": session["refreshToken"]})
	requireCode(t, out, "Unauthorized")

	// The still-valid token: no profile, and none is recreated.
	_, out = e.raw(t, `{ me { id } }`, nil, "Authorization", leaver.token)
	requireCode(t, out, "Unauthorized")
	_, out = e.raw(t, `mutation { updateUser(input: {name: "Back"}) { id } }`, nil, "Authorization", leaver.token)
	requireCode(t, out, "Unauthorized")
	_, err := e.app.Store.Users().Get(ctx, sub)
	require.ErrorIs(t, err, user.ErrDeleted, "a tombstone, not a lazily recreated profile")
	// Nor can it create anything the deleted user would own.
	stockBefore, heldBefore := stockOf(t, e, p.ID)
	_, out = e.raw(t, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }`,
		orderVars(hold(t, e, leaver, 500, cardsim.TokenVisa), line{p.ID, 1}), "Authorization", leaver.token)
	requireCode(t, out, "Unauthorized")
	f := newFlight(t, e, 10, 100, 5)
	_, out = book(t, e, leaver, authorize(t, e, leaver, f, cardsim.TokenVisa), f.ID)
	requireCode(t, out, "Unauthorized")
	stock, held := stockOf(t, e, p.ID)
	require.Equal(t, []int{stockBefore, heldBefore}, []int{stock, held}, "the refused order held nothing")

	// The guards went with the profile: the username is free again.
	_, out = e.raw(t, `mutation { updateUser(input: {username: "leaver"}) { username } }`, nil, "Authorization", other.token)
	require.Nil(t, out["errors"], "%v", out)

	// The order stays for accounting; its customer is null, without an error.
	_, out = e.raw(t, `query($id: ID!) { getOrder(id: $id) { id status customerId customer { id } } }`, map[string]any{"id": o.ID}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	require.Equal(t, map[string]any{"id": o.ID, "status": "PAID", "customerId": sub, "customer": nil}, gqlData(t, out, "getOrder"))
	_, out = e.raw(t, `query($id: ID!) { getUser(id: $id) { id } }`, map[string]any{"id": sub}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	require.Equal(t, map[string]any{"getUser": nil}, out["data"])
	_, out = e.raw(t, `{ listUsers(limit: 1000) { items { id } } }`, nil, "Authorization", admin)
	for _, it := range gqlData(t, out, "listUsers")["items"].([]any) {
		require.NotEqual(t, sub, it.(map[string]any)["id"], "listUsers leaves the deleted user out")
	}

	// A user who never had a profile (signed up outside the API): null, and the tombstone
	// stops the lazy creation.
	outside := newCustomer(t, e)
	_, out = e.raw(t, del, map[string]any{"id": outside.sub}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	require.Equal(t, map[string]any{"deleteUser": nil}, out["data"])
	_, out = e.raw(t, `{ me { id } }`, nil, "Authorization", outside.token)
	requireCode(t, out, "Unauthorized")
	_, err = e.app.Store.Users().Get(ctx, outside.sub)
	require.ErrorIs(t, err, user.ErrDeleted)

	// An unknown user.
	_, out = e.raw(t, del, map[string]any{"id": "00000000-0000-0000-0000-000000000000"}, "Authorization", admin)
	requireCode(t, out, "NotFound")
}

// TestUserGroupsAndNestedAuthorization: User.groups is the caller's token for themself and
// the identity provider's for an Admin reading another user; nested relations of another
// user's profile are out of reach (getUser is null).
func TestUserGroupsAndNestedAuthorization(t *testing.T) {
	e := embeddedEnv(t, nil)
	admin := e.signIn(t, adminEmail, adminPassword)
	c := newCustomer(t, e)
	_, out := e.raw(t, `{ me { id groups } }`, nil, "Authorization", c.token)
	require.Equal(t, map[string]any{"id": c.sub, "groups": []any{}}, gqlData(t, out, "me"))
	_, out = e.raw(t, `{ me { groups } }`, nil, "Authorization", admin)
	require.Equal(t, []any{"Admin"}, gqlData(t, out, "me")["groups"])
	_, out = e.raw(t, `mutation($u: ID!) { addUserToGroup(userId: $u, group: "RestaurantOwner") }`, map[string]any{"u": c.sub}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	q := `query($id: ID!) { getUser(id: $id) { id groups loyalty { points } bookings { items { id } } orders { items { id } } } }`
	_, out = e.raw(t, q, map[string]any{"id": c.sub}, "Authorization", admin)
	require.Nil(t, out["errors"], "%v", out)
	u := gqlData(t, out, "getUser")
	require.Equal(t, []any{"RestaurantOwner"}, u["groups"], "Admin reads another user's groups from the provider")
	require.Equal(t, map[string]any{"points": float64(0)}, u["loyalty"])

	other := newCustomer(t, e)
	_, out = e.raw(t, q, map[string]any{"id": c.sub}, "Authorization", other.token)
	require.Nil(t, out["errors"], "%v", out)
	require.Equal(t, map[string]any{"getUser": nil}, out["data"], "another customer's profile and its relations")
}
