package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/cardsim"
)

// accessLine returns the access log line of the request with id, decoded.
func accessLine(t *testing.T, e *env, id string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if !strings.Contains(l, `"request_id":"`+id+`"`) || !strings.Contains(l, `"msg":"request"`) {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		return m
	}
	t.Fatalf("no access log line for request %s in:\n%s", id, e.logs.String())
	return nil
}

// TestAccessLogReportsConsumedCapacity: the access log line of a GraphQL operation carries
// its DynamoDB calls and the read and write capacity they consumed (issue 13). A filtered
// flight search reads (rcu > 0, no wcu); a booking writes (wcu > 0). The embedded store
// reports no capacity (minidyn does not compute it), so there only the calls are checked;
// DynamoDB Local does. The client's response carries none of it.
func TestAccessLogReportsConsumedCapacity(t *testing.T) {
	for _, e := range envs(t, nil) {
		t.Run(e.backend, func(t *testing.T) {
			local := e.backend == "dynamodb-local"
			id := fmt.Sprintf("search-%d", time.Now().UnixNano())
			rec, out := e.raw(t, sampleSearch, map[string]any{
				"departureAirportCode":            "LGW",
				"arrivalAirportCodeDepartureDate": map[string]any{"beginsWith": map[string]any{"arrivalAirportCode": "MAD", "departureDate": day(1)}},
				"filter":                          map[string]any{"seatCapacity": map[string]any{"gt": 0}},
				"limit":                           5,
			}, "X-Request-Id", id)
			require.Nil(t, out["errors"], rec.Body.String())
			for _, leak := range []string{"rcu", "wcu", "onsumed", "ddb_calls"} {
				require.NotContains(t, rec.Body.String(), leak)
			}
			line := accessLine(t, e, id)
			require.GreaterOrEqual(t, line["ddb_calls"], 1.0, line)
			require.Zero(t, line["wcu"], line)
			if local {
				require.Greater(t, line["rcu"], 0.0, line)
			}

			c := newCustomer(t, e)
			f := newFlight(t, e, 10, 100, 3)
			token := authorize(t, e, c, f, cardsim.TokenVisa)
			id = fmt.Sprintf("booking-%d", time.Now().UnixNano())
			_, out = e.raw(t, processBookingDoc, map[string]any{"input": map[string]any{
				"paymentToken": token, "bookingOutboundFlightId": f.ID,
			}}, "Authorization", c.token, "X-Request-Id", id)
			require.Nil(t, out["errors"], out)
			line = accessLine(t, e, id)
			require.GreaterOrEqual(t, line["ddb_calls"], 2.0, line)
			if local {
				require.Greater(t, line["wcu"], 0.0, line)
				require.Greater(t, line["rcu"], 0.0, line)
			}
			t.Logf("%s: booking %v", e.backend, line)
		})
	}
}
