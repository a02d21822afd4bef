package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/skygraph/skygraph/app"
	"github.com/skygraph/skygraph/resolvers"
)

const createFlightDoc = `mutation { createFlight(input: {departureDate: "2031-01-01T10:00Z", departureAirportCode: "LGW",
  departureAirportName: "G", departureCity: "L", departureLocale: "Europe/London", arrivalDate: "2031-01-01T12:00Z",
  arrivalAirportCode: "MAD", arrivalAirportName: "B", arrivalCity: "M", arrivalLocale: "Europe/Madrid",
  ticketPrice: 1, ticketCurrency: "EUR", flightNumber: 1, seatCapacity: 1}) { id } }`

// TestAccountFlow: sign up, sign in before confirming (refused), confirm, sign in; both
// the ID and the access token authenticate; group membership changes what a new token may do.
func TestAccountFlow(t *testing.T) {
	e := embeddedEnv(t, nil)
	var up struct{ SignUp struct{ UserID string } }
	e.client.MustPost(`mutation { signUp(email: "Carol@Example.com", password: "Carol1234!", name: "Carol") { userId } }`, &up)
	require.NotEmpty(t, up.SignUp.UserID)

	_, out := e.raw(t, `mutation { signUp(email: "carol@example.com", password: "Carol1234!", name: "Carol") { userId } }`, nil)
	requireCode(t, out, "Conflict")
	_, out = e.raw(t, `mutation { signUp(email: "dave@example.com", password: "short", name: "Dave") { userId } }`, nil)
	requireCode(t, out, "BadRequest")

	_, out = e.raw(t, `mutation { signIn(email: "carol@example.com", password: "Carol1234!") { idToken } }`, nil)
	require.Equal(t, "User is not confirmed.", requireCode(t, out, "Unauthorized")["message"])
	var ok struct{ ConfirmSignUp bool }
	e.client.MustPost(`mutation { confirmSignUp(email: "carol@example.com") }`, &ok)

	var s struct {
		SignIn struct {
			IDToken, AccessToken, RefreshToken string
			ExpiresIn                          int
		}
	}
	e.client.MustPost(`mutation { signIn(email: "carol@example.com", password: "Carol1234!") { idToken accessToken refreshToken expiresIn } }`, &s)
	require.Positive(t, s.SignIn.ExpiresIn)

	// Unknown user and wrong password: one and the same error.
	_, wrong := e.raw(t, `mutation { signIn(email: "carol@example.com", password: "Wrong1234!") { idToken } }`, nil)
	_, unknown := e.raw(t, `mutation { signIn(email: "nobody@example.com", password: "Wrong1234!") { idToken } }`, nil)
	require.Equal(t, firstError(t, wrong)["message"], firstError(t, unknown)["message"])
	requireCode(t, wrong, "Unauthorized")

	for name, tok := range map[string]string{"id token": s.SignIn.IDToken, "access token": "Bearer " + s.SignIn.AccessToken} {
		res, out := e.raw(t, createFlightDoc, nil, "Authorization", tok)
		require.Equal(t, http.StatusOK, res.Code, name)
		require.Equal(t, "Not Authorized to access createFlight on type Mutation", requireCode(t, out, "Unauthorized")["message"], name)
		require.Equal(t, map[string]any{"createFlight": nil}, out["data"], name)
	}

	// A customer cannot grant itself Admin; an admin can.
	_, out = e.raw(t, `mutation($u: ID!) { addUserToGroup(userId: $u, group: "Admin") }`, map[string]any{"u": up.SignUp.UserID}, "Authorization", s.SignIn.IDToken)
	requireCode(t, out, "Unauthorized")
	admin := e.signIn(t, adminEmail, adminPassword)
	_, out = e.raw(t, `mutation($u: ID!) { addUserToGroup(userId: $u, group: "Admin") }`, map[string]any{"u": up.SignUp.UserID}, "Authorization", admin)
	require.Nil(t, out["errors"])

	// The old token still lacks the group; a refreshed one has it.
	var r struct{ RefreshSession struct{ IDToken string } }
	e.client.MustPost(`mutation($t: String!) { refreshSession(refreshToken: $t) { idToken } }`, &r, client.Var("t", s.SignIn.RefreshToken))
	_, out = e.raw(t, createFlightDoc, nil, "Authorization", r.RefreshSession.IDToken)
	require.Nil(t, out["errors"], "a new token carries the Admin group")

	_, out = e.raw(t, `mutation($u: ID!) { removeUserFromGroup(userId: $u, group: "Admin") }`, map[string]any{"u": "carol@example.com"}, "Authorization", admin)
	require.Nil(t, out["errors"])
	_, out = e.raw(t, `mutation { refreshSession(refreshToken: "forged") { idToken } }`, nil)
	requireCode(t, out, "Unauthorized")
}

// TestBadCredentialsAre401: a token that is present but bad fails the whole request with
// HTTP 401 and touches nothing; no token is the anonymous caller.
func TestBadCredentialsAre401(t *testing.T) {
	e := embeddedEnv(t, func(c *app.Config) { c.APIKeys = []string{"da2-0123456789abcdef"} })
	good := e.signIn(t, demoEmail, demoPassword)
	parts := strings.Split(good, ".")
	for name, hdr := range map[string][]string{
		"garbage":          {"Authorization", "garbage"},
		"bearer without":   {"Authorization", "Bearer "},
		"basic scheme":     {"Authorization", "Basic dXNlcjpwYXNz"},
		"tampered payload": {"Authorization", parts[0] + "." + parts[1] + "x." + parts[2]},
		"tampered sig":     {"Authorization", parts[0] + "." + parts[1] + "." + flipChar(parts[2])},
		"two segments":     {"Authorization", parts[0] + "." + parts[1]},
		"wrong api key":    {"X-Api-Key", "da2-wrong-wrong-wrong"},
		"bearer + bad sig": {"Authorization", "Bearer " + parts[0] + "." + parts[1] + ".AAAA"},
	} {
		t.Run(name, func(t *testing.T) {
			e.calls.Reset()
			res, out := e.raw(t, `{ listFlights(limit: 1) { items { id } } }`, nil, hdr...)
			require.Equal(t, http.StatusUnauthorized, res.Code)
			require.Equal(t, "UnauthorizedException", res.Header().Get("x-amzn-ErrorType"))
			require.Equal(t, "UnauthorizedException", firstError(t, out)["errorType"])
			require.Nil(t, out["data"])
			require.Equal(t, 0, e.calls.Total(), "no resolver ran")
		})
	}
	res, out := e.raw(t, `{ listFlights(limit: 1) { items { id } } }`, nil)
	require.Equal(t, http.StatusOK, res.Code)
	require.Nil(t, out["errors"], "anonymous callers may read flights")
	res, _ = e.raw(t, `{ listFlights(limit: 1) { items { id } } }`, nil, "X-Api-Key", "da2-0123456789abcdef")
	require.Equal(t, http.StatusOK, res.Code)
}

// TestAuthorizationMatrix calls every root field of the schema as anonymous, two
// customers, an Admin and a RestaurantOwner, and compares who got through with the table
// below. The calls come from the schema itself, so a new root field fails this test until
// its row is added: authorization is decided explicitly for everything.
func TestAuthorizationMatrix(t *testing.T) {
	e := embeddedEnv(t, nil)
	var up struct{ SignUp struct{ UserID string } }
	e.client.MustPost(`mutation { signUp(email: "customer-b@example.com", password: "Bbbb1234!", name: "B") { userId } }`, &up)
	var ok struct{ ConfirmSignUp bool }
	e.client.MustPost(`mutation { confirmSignUp(email: "customer-b@example.com") }`, &ok)
	principals := map[string]string{
		"anonymous":       "",
		"customerA":       e.signIn(t, demoEmail, demoPassword),
		"customerB":       e.signIn(t, "customer-b@example.com", "Bbbb1234!"),
		"admin":           e.signIn(t, adminEmail, adminPassword),
		"restaurantOwner": e.signIn(t, ownerEmail, ownerPassword),
	}
	all := []string{"admin", "anonymous", "customerA", "customerB", "restaurantOwner"}
	adminOnly := []string{"admin"}
	signedIn := []string{"admin", "customerA", "customerB", "restaurantOwner"}
	waitlistOwners := []string{"admin", "restaurantOwner"}
	want := map[string][]string{
		"Query.getFlight":              all,
		"Query.listFlights":            all,
		"Query.getFlightBySchedule":    all,
		"Mutation.createFlight":        adminOnly,
		"Mutation.updateFlight":        adminOnly,
		"Mutation.deleteFlight":        adminOnly,
		"Mutation.signUp":              all,
		"Mutation.confirmSignUp":       all,
		"Mutation.signIn":              all,
		"Mutation.refreshSession":      all,
		"Mutation.addUserToGroup":      adminOnly,
		"Mutation.removeUserFromGroup": adminOnly,
		"Mutation.authorizePayment":    signedIn,
		// Bookings: any signed-in user may book, and reads return only what the caller owns
		// (Admin: everything); the service and the Booking type's owner rule both check it.
		"Query.getBooking":         signedIn,
		"Query.listBookings":       signedIn,
		"Query.getBookingByStatus": signedIn,
		"Mutation.processBooking":  signedIn,
		"Mutation.checkIn":         signedIn,
		"Mutation.cancelBooking":   signedIn,
		"Query.getLoyalty":         signedIn,
		// Waitlists: owners (and Admins) manage; any signed-in user reads open lists and
		// joins them. Ownership is the service's (another owner's list or entry is NotFound):
		// app/waitlist_isolation_test.go attacks it.
		"Query.getWaitlist":       signedIn,
		"Query.listWaitlists":     signedIn,
		"Query.myWaitlistEntries": signedIn,
		"Mutation.createWaitlist": waitlistOwners,
		"Mutation.updateWaitlist": waitlistOwners,
		"Mutation.deleteWaitlist": waitlistOwners,
		"Mutation.addWaitee":      waitlistOwners,
		"Mutation.updateWaitee":   waitlistOwners,
		"Mutation.removeWaitee":   waitlistOwners,
		"Mutation.notifyWaitee":   waitlistOwners,
		"Mutation.seatWaitee":     waitlistOwners,
		"Mutation.joinWaitlist":   signedIn,
		"Mutation.leaveWaitlist":  signedIn,
		// Products (issue 11): the catalog is public to read, Admin-only to change.
		"Query.getProduct":       all,
		"Query.listProducts":     all,
		"Mutation.createProduct": adminOnly,
		"Mutation.updateProduct": adminOnly,
		"Mutation.deleteProduct": adminOnly,
		// Orders (issue 11): any signed-in user may order and read their own (Admin: all);
		// the service and the Order type's owner rule both check it.
		"Query.getOrder":             signedIn,
		"Query.listOrders":           signedIn,
		"Mutation.placeOrder":        signedIn,
		"Mutation.cancelOrder":       signedIn,
		"Mutation.updateOrderStatus": adminOnly,
		// Users (issue 11): your own profile (getUser of another is null); Admin lists.
		"Query.me":            signedIn,
		"Query.getUser":       signedIn,
		"Query.listUsers":     adminOnly,
		"Mutation.updateUser": signedIn,
		// Subscriptions (issue 14), started over AppSync's realtime protocol: flights are
		// public; booking and loyalty streams carry only the caller's own objects (Admin:
		// everyone's), checked per event; a waitlist's dashboard is its owner's and Admins'.
		"Subscription.onCreateFlight":           all,
		"Subscription.onUpdateFlight":           all,
		"Subscription.onDeleteFlight":           all,
		"Subscription.onCreateBooking":          signedIn,
		"Subscription.onUpdateBooking":          signedIn,
		"Subscription.onBookingChanged":         signedIn,
		"Subscription.onLoyaltyChanged":         signedIn,
		"Subscription.onWaitlistEntryChanged":   waitlistOwners,
		"Subscription.onMyWaitlistEntryChanged": signedIn,
	}
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()
	_, out := e.raw(t, `mutation { createWaitlist(input: {name: "Matrix"}) { id } }`, nil, "Authorization", principals["restaurantOwner"])
	ownersList := out["data"].(map[string]any)["createWaitlist"].(map[string]any)["id"].(string)
	// Subscription arguments that name a real object where one is required.
	subArgs := map[string]string{"onWaitlistEntryChanged": fmt.Sprintf("(waitlistId: %q)", ownersList)}
	schema := resolvers.NewSchema(resolvers.Deps{}).Schema()
	got := map[string][]string{}
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription} {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			key := root.Name + "." + f.Name
			if root == schema.Subscription {
				doc := "subscription { " + f.Name + subArgs[f.Name] + " { __typename } }"
				for _, name := range all {
					errs := startSubscription(t, srv.URL, principals[name], doc)
					denied := false
					for _, er := range errs {
						if er["message"] == fmt.Sprintf("Not Authorized to access %s on type %s", f.Name, root.Name) {
							denied = true
							require.Equal(t, "UnauthorizedException", er["errorType"])
						}
					}
					require.True(t, denied || len(errs) == 0, "%s as %s: %v", key, name, errs)
					if !denied {
						got[key] = append(got[key], name)
					}
				}
				sort.Strings(got[key])
				continue
			}
			doc := operationFor(schema, root, f)
			for _, name := range all {
				var hdr []string
				if tok := principals[name]; tok != "" {
					hdr = []string{"Authorization", tok}
				}
				res, out := e.raw(t, doc, nil, hdr...)
				require.Equal(t, http.StatusOK, res.Code, "%s as %s", key, name)
				denied := false
				for _, er := range asErrors(out) {
					if er["message"] == fmt.Sprintf("Not Authorized to access %s on type %s", f.Name, root.Name) {
						denied = true
						require.Equal(t, "Unauthorized", er["errorType"])
					}
				}
				if !denied {
					got[key] = append(got[key], name)
				}
			}
			sort.Strings(got[key])
		}
	}
	for key := range got {
		_, known := want[key]
		require.True(t, known, "root field %s is not in the authorization matrix: decide who may call it", key)
	}
	require.Equal(t, want, got)
}

func asErrors(out map[string]any) []map[string]any {
	list, _ := out["errors"].([]any)
	res := make([]map[string]any, 0, len(list))
	for _, e := range list {
		res = append(res, e.(map[string]any))
	}
	return res
}

// operationFor writes a call of root field f with dummy values for its required arguments
// and a minimal selection.
func operationFor(schema *ast.Schema, root *ast.Definition, f *ast.FieldDefinition) string {
	var args []string
	for _, a := range f.Arguments {
		if a.Type.NonNull {
			args = append(args, a.Name+": "+dummy(schema, a.Type, 0))
		}
	}
	call := f.Name
	if len(args) > 0 {
		call += "(" + strings.Join(args, ", ") + ")"
	}
	if def := schema.Types[f.Type.Name()]; def != nil && (def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.Union) {
		call += " { __typename }"
	}
	op := "query"
	if root == schema.Mutation {
		op = "mutation"
	}
	return op + " { " + call + " }"
}

func dummy(schema *ast.Schema, typ *ast.Type, depth int) string {
	if typ.Elem != nil {
		return "[" + dummy(schema, typ.Elem, depth) + "]"
	}
	def := schema.Types[typ.NamedType]
	switch {
	case typ.NamedType == "Int":
		return "1"
	case typ.NamedType == "Float":
		return "1.5"
	case typ.NamedType == "Boolean":
		return "true"
	case typ.NamedType == "AWSPhone":
		return `"+14155550100"`
	case def != nil && def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def != nil && def.Kind == ast.InputObject && depth < 5:
		var fields []string
		for _, f := range def.Fields {
			if f.Type.NonNull {
				fields = append(fields, f.Name+": "+dummy(schema, f.Type, depth+1))
			}
		}
		return "{" + strings.Join(fields, ", ") + "}"
	}
	return `"matrix-dummy"`
}
