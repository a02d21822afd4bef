package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
)

// TestUserProfiles: a profile is made at signUp and, for a user the API did not sign up
// (Hosted UI, console), on first use; owner/other/Admin reads including the nested
// User.orders; updateUser's username rules.
func TestUserProfiles(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) { testUserProfiles(t, newEnv(t, be, nil)) })
	}
}

func testUserProfiles(t *testing.T, e *env) {
	ctx := context.Background()
	admin := e.signIn(t, adminEmail, adminPassword)

	// Signed up through the API: the profile exists before the first sign-in.
	_, out := e.raw(t, `mutation { signUp(email: "Grace@Example.com", password: "Grace123!", name: " Grace ") { userId } }`, nil)
	sub := gqlData(t, out, "signUp")["userId"].(string)
	u, err := e.app.Store.Users().Get(ctx, sub)
	require.NoError(t, err)
	require.Equal(t, "grace@example.com", u.Email)
	require.Equal(t, "Grace", u.Name)
	_, out = e.raw(t, `mutation { confirmSignUp(email: "grace@example.com") }`, nil)
	require.Nil(t, out["errors"])
	grace := e.signIn(t, "grace@example.com", "Grace123!")
	_, out = e.raw(t, `{ me { id email name username } }`, nil, "Authorization", grace)
	require.Equal(t, map[string]any{"id": sub, "email": "grace@example.com", "name": "Grace", "username": nil}, gqlData(t, out, "me"))

	// Signed up outside the API: no profile until the first signed-in use.
	outside := newCustomer(t, e) // through the account service, as the Hosted UI would
	_, err = e.app.Store.Users().Get(ctx, outside.sub)
	require.Error(t, err)
	_, out = e.raw(t, `{ me { id email } }`, nil, "Authorization", outside.token)
	require.Equal(t, map[string]any{"id": outside.sub, "email": outside.email}, gqlData(t, out, "me"))
	_, err = e.app.Store.Users().Get(ctx, outside.sub)
	require.NoError(t, err, "created lazily, once")

	// Reads: self and Admin; anyone else gets null.
	get := `query($id: ID!) { getUser(id: $id) { id orders { items { id } } } }`
	_, out = e.raw(t, get, map[string]any{"id": sub}, "Authorization", outside.token)
	require.Nil(t, out["errors"], "%v", out)
	require.Equal(t, map[string]any{"getUser": nil}, out["data"])
	p := newProduct(t, e, 700, 10)
	tok := hold(t, e, outside, 700, cardsim.TokenVisa)
	o, out := place(t, e, outside, tok, line{p.ID, 1})
	require.Nil(t, out["errors"], "%v", out)
	_, out = e.raw(t, get, map[string]any{"id": outside.sub}, "Authorization", admin)
	require.Equal(t, []any{map[string]any{"id": o.ID}}, gqlData(t, out, "getUser")["orders"].(map[string]any)["items"], "Admin reads anyone's orders")
	_, out = e.raw(t, `{ me { orders { items { id status } } } }`, nil, "Authorization", outside.token)
	require.Equal(t, []any{map[string]any{"id": o.ID, "status": "PAID"}}, gqlData(t, out, "me")["orders"].(map[string]any)["items"])
	_, out = e.raw(t, `{ listUsers(limit: 1000) { items { id } } }`, nil, "Authorization", admin)
	require.GreaterOrEqual(t, len(gqlData(t, out, "listUsers")["items"].([]any)), 2)
	_, out = e.raw(t, `{ listUsers(filter: {email: {beginsWith: "grace@"}}) { items { id email } } }`, nil, "Authorization", admin)
	require.Equal(t, []any{map[string]any{"id": sub, "email": "grace@example.com"}}, gqlData(t, out, "listUsers")["items"], "listUsers is filterable")
	_, out = e.raw(t, `{ listUsers(filter: {email: {size: {between: [1]}}}) { items { id } } }`, nil, "Authorization", admin)
	requireCode(t, out, "BadRequest")

	// updateUser: own fields only; usernames unique regardless of case, freed on change.
	upd := `mutation($in: UpdateUserInput!) { updateUser(input: $in) { id username name address phone } }`
	_, out = e.raw(t, upd, map[string]any{"in": map[string]any{"username": "Hopper", "address": "1 Navy Way", "phone": "+1 555 0100"}}, "Authorization", grace)
	require.Equal(t, map[string]any{"id": sub, "username": "Hopper", "name": "Grace", "address": "1 Navy Way", "phone": "+1 555 0100"}, gqlData(t, out, "updateUser"))
	_, out = e.raw(t, upd, map[string]any{"in": map[string]any{"username": "hOPPER"}}, "Authorization", outside.token)
	requireCode(t, out, "Conflict")
	_, out = e.raw(t, upd, map[string]any{"in": map[string]any{"username": "x"}}, "Authorization", outside.token)
	requireCode(t, out, "BadRequest")
	_, out = e.raw(t, upd, map[string]any{"in": map[string]any{"username": "Amazing-Grace"}}, "Authorization", grace)
	require.Nil(t, out["errors"], "%v", out)
	_, out = e.raw(t, upd, map[string]any{"in": map[string]any{"username": "hopper"}}, "Authorization", outside.token)
	require.Equal(t, "hopper", gqlData(t, out, "updateUser")["username"], "a freed username can be taken again")
}

// TestConcurrentClaimsOneWinner: ten users claim one username at once, and ten clients
// sign one email up at once: exactly one of each wins, the rest are Conflict.
func TestConcurrentClaimsOneWinner(t *testing.T) {
	for _, be := range dynamotest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) { testConcurrentClaimsOneWinner(t, newEnv(t, be, nil)) })
	}
}

func testConcurrentClaimsOneWinner(t *testing.T, e *env) {
	const n = 10
	cs := newLoadCustomers(t, e, fmt.Sprintf("claim-%d", time.Now().UnixNano()), n)
	upd := `mutation($in: UpdateUserInput!) { updateUser(input: $in) { username } }`
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "Popular"
			if i%2 == 1 {
				name = "popular"
			}
			_, out := rawConcurrent(e, upd, map[string]any{"in": map[string]any{"username": name}}, "Authorization", cs[i].token)
			codes[i] = errorCode(out)
		}()
	}
	wg.Wait()
	require.Equal(t, n-1, count(codes, "Conflict"), "%v", codes)
	require.Equal(t, 1, count(codes, ""), "%v", codes)

	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, out := rawConcurrent(e, `mutation { signUp(email: "twin@example.com", password: "Twin1234!", name: "Twin") { userId } }`, nil)
			codes[i] = errorCode(out)
		}()
	}
	wg.Wait()
	require.Equal(t, n-1, count(codes, "Conflict"), "%v", codes)
	require.Equal(t, 1, count(codes, ""), "%v", codes)
}

// rawConcurrent is env.raw for goroutines: it calls no testing function (an undecodable
// answer has the code "undecodable").
func rawConcurrent(e *env, query string, vars map[string]any, header ...string) (int, map[string]any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return rec.Code, map[string]any{"errors": []any{map[string]any{"errorType": "undecodable"}}}
	}
	return rec.Code, out
}

func errorCode(out map[string]any) string {
	errs, _ := out["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprint(errs[0].(map[string]any)["errorType"])
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}
