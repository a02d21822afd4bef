package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/adapter/localidp"
	"github.com/skygraph/skygraph/adapter/redisrelay"
	"github.com/skygraph/skygraph/internal/redistest"
)

// rtClient is a subscriber speaking AppSync's realtime protocol (what Amplify speaks) at
// /graphql/realtime: credentials in the header- subprotocol and in each start.
type rtClient struct {
	c      *websocket.Conn
	header map[string]string
	msgs   chan rtFrame
}

type rtFrame struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

func dialRealtime(t *testing.T, base, token string) *rtClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	host := strings.TrimPrefix(base, "http://")
	r := &rtClient{header: map[string]string{"Authorization": token, "host": host}, msgs: make(chan rtFrame, 256)}
	h, _ := json.Marshal(r.header)
	c, res, err := websocket.Dial(ctx, "ws://"+host+"/graphql/realtime", &websocket.DialOptions{
		Subprotocols: []string{"graphql-ws", "header-" + base64.RawURLEncoding.EncodeToString(h)},
	})
	require.NoError(t, err)
	if res.Body != nil {
		_ = res.Body.Close()
	}
	r.c = c
	t.Cleanup(func() { _ = c.CloseNow() })
	go func() {
		defer close(r.msgs)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var f rtFrame
			if json.Unmarshal(b, &f) == nil && f.Type != "ka" {
				r.msgs <- f
			}
		}
	}()
	r.send(t, map[string]any{"type": "connection_init"})
	require.Equal(t, "connection_ack", r.next(t).Type)
	return r
}

func (r *rtClient) send(t *testing.T, m any) {
	t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	require.NoError(t, r.c.Write(ctx, websocket.MessageText, b))
}

func (r *rtClient) next(t *testing.T) rtFrame {
	t.Helper()
	select {
	case f, ok := <-r.msgs:
		require.True(t, ok, "the realtime connection closed")
		return f
	case <-time.After(hangGuard):
		t.Fatalf("no realtime message within %s", hangGuard)
		return rtFrame{}
	}
}

// subscribe starts query as id and waits for its start_ack.
func (r *rtClient) subscribe(t *testing.T, id, query string) {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{}})
	r.send(t, map[string]any{"id": id, "type": "start", "payload": map[string]any{
		"data": string(data), "extensions": map[string]any{"authorization": r.header},
	}})
	f := r.next(t)
	require.Equal(t, "start_ack", f.Type, "%s", f.Payload)
	require.Equal(t, id, f.ID)
}

type bookingEvent struct{ ID, Status string }

// waitBooking reads data frames until booking id has status, and returns every booking
// event seen on the way (that one included).
func (r *rtClient) waitBooking(t *testing.T, id, status string) []bookingEvent {
	t.Helper()
	var seen []bookingEvent
	for {
		f := r.next(t)
		require.Equal(t, "data", f.Type, "%s", f.Payload)
		var p struct {
			Data struct {
				OnUpdateBooking bookingEvent `json:"onUpdateBooking"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(f.Payload, &p))
		e := p.Data.OnUpdateBooking
		seen = append(seen, e)
		if e.ID == id && e.Status == status {
			return seen
		}
	}
}

// waitLog waits until the process has logged sub at least n times.
func waitLog(t *testing.T, p *proc, sub string, n int) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for strings.Count(p.logs.String(), sub) < n {
		require.True(t, time.Now().Before(deadline), "log %q did not appear %d times:\n%s", sub, n, p.logs.String())
		time.Sleep(20 * time.Millisecond) // polling a log for an outcome
	}
}

// book makes demo's booking on tomorrow's first LGW→MAD flight through p and returns its id.
func book(t *testing.T, p *proc, token string) string {
	t.Helper()
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	d := p.mustGQL(t, token, `query($d: String) { getFlightBySchedule(departureAirportCode: "LGW",
		arrivalAirportCodeDepartureDate: {beginsWith: {arrivalAirportCode: "MAD", departureDate: $d}}, filter: {seatCapacity: {gt: 0}}, limit: 1) {
		items { id ticketPrice ticketCurrency } } }`, map[string]any{"d": tomorrow})
	fl := d["getFlightBySchedule"].(map[string]any)["items"].([]any)[0].(map[string]any)
	d = p.mustGQL(t, token, `mutation($a: Int!, $c: String!) { authorizePayment(amount: $a, currency: $c, cardToken: "tok_visa") { paymentToken } }`,
		map[string]any{"a": fl["ticketPrice"].(float64) * 100, "c": fl["ticketCurrency"]})
	d = p.mustGQL(t, token, `mutation($t: String!, $f: ID!) { processBooking(input: {paymentToken: $t, bookingOutboundFlightId: $f}) { id status } }`,
		map[string]any{"t": d["authorizePayment"].(map[string]any)["paymentToken"], "f": fl["id"]})
	b := d["processBooking"].(map[string]any)
	require.Equal(t, "CONFIRMED", b["status"])
	return b["id"].(string)
}

// TestTwoProcessesShareEventsThroughRedis: two server processes (the real binary) sharing
// one DynamoDB Local table and one redis-server, as two Fargate tasks share DynamoDB and the
// ElastiCache cache. A booking made on process 1 reaches a subscriber on process 2 exactly
// once (and process 1's own subscriber once); with redis-server killed, each process still delivers its own events to its own
// subscribers and logs the relay's error; once redis-server is back, process 2 hears process
// 1 again.
func TestTwoProcessesShareEventsThroughRedis(t *testing.T) {
	b, ok := dynamotest.Local(t)
	if !ok {
		t.Skip("needs DynamoDB Local: two processes share one table")
	}
	srv := redistest.Start(t, redistest.Options{})
	bin := buildBinary(t, "skygraph-fanout", "")
	table := dynamotest.NewTable(t, dynamotest.Client(t, b))
	key, err := localidp.GenerateKeyPEM()
	require.NoError(t, err)
	tmp := t.TempDir()
	env := []string{
		"SKYGRAPH_TABLE=" + table, "SKYGRAPH_DYNAMODB_ENDPOINT=" + b.Endpoint, "SKYGRAPH_REDIS_URL=" + srv.URL,
		// One deployment: both processes accept the tokens either issues.
		"SKYGRAPH_LOCAL_SIGNING_KEY=" + string(key), "SKYGRAPH_TOKEN_SECRET=fanout-test-token-secret-0123456789",
		"SKYGRAPH_SEED_DAYS=2", "AWS_EC2_METADATA_DISABLED=true", "HOME=" + tmp, "TMPDIR=" + tmp,
	}
	require.Equal(t, 0, startProc(t, bin, env, "seed").wait(t))
	p1, p2 := startProc(t, bin, env), startProc(t, bin, env)
	d := p1.mustGQL(t, "", `mutation { signIn(email: "demo@example.com", password: "Demo1234!") { accessToken } }`, nil)
	token := d["signIn"].(map[string]any)["accessToken"].(string)

	const sub = `subscription { onUpdateBooking { id status } }`
	on1, on2 := dialRealtime(t, p1.url, token), dialRealtime(t, p2.url, token)
	on1.subscribe(t, "1", sub)
	on2.subscribe(t, "1", sub)
	// Both relays subscribed to Redis (they log it only after a loss; NUMSUB says it now).
	srv.WaitNumSub(t, redisrelay.DefaultChannel, 2)

	// 1. A booking on process 1 reaches process 2's subscriber exactly once, and process 1's
	// own subscriber exactly once (locally; never again through Redis). A confirmation raises
	// one onUpdateBooking event; a second booking, later on the same publisher's channel,
	// fences any duplicate of the first.
	id := book(t, p1, token)
	fence := book(t, p1, token)
	for name, on := range map[string]*rtClient{"process 2": on2, "process 1": on1} {
		seen := on.waitBooking(t, fence, "CONFIRMED")
		n := 0
		for _, e := range seen {
			if e.ID == id {
				n++
				require.Equal(t, "CONFIRMED", e.Status)
			}
		}
		require.Equal(t, 1, n, "%s heard the confirmation %d times: %v", name, n, seen)
	}

	// 2. Redis dies: each process keeps its own subscribers, and says what is lost.
	srv.Kill()
	waitLog(t, p1, "redis relay: subscription lost", 1)
	waitLog(t, p2, "redis relay: subscription lost", 1)
	local := book(t, p1, token)
	on1.waitBooking(t, local, "CONFIRMED")
	waitLog(t, p1, "event relay publish failed", 1)

	// 3. Redis is back: both resubscribe, and process 2 hears process 1 again.
	srv.Restart()
	waitLog(t, p1, "redis relay: subscribed again", 1)
	waitLog(t, p2, "redis relay: subscribed again", 1)
	again := book(t, p1, token)
	on2.waitBooking(t, again, "CONFIRMED")
}
