package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/adapter/localidp"
)

// proc is one skygraph process of the test.
type proc struct {
	cmd    *exec.Cmd
	logs   *lockedBuffer
	exited chan error
	url    string
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startProc runs bin with env and args; for serve it waits until /healthz answers.
func startProc(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	return launchProc(t, bin, env, "http", http.DefaultClient, args...)
}

// launchProc is startProc for a server speaking scheme (https with SKYGRAPH_TLS_* in env),
// whose /healthz client checks the answer (its TLS roots).
func launchProc(t *testing.T, bin string, env []string, scheme string, health *http.Client, args ...string) *proc {
	t.Helper()
	port := freePort(t)
	p := &proc{logs: &lockedBuffer{}, exited: make(chan error, 1), url: fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(append([]string{}, env...), fmt.Sprintf("PORT=%d", port))
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.exited <- nil
		if t.Failed() {
			t.Logf("%s %v logs:\n%s", filepath.Base(bin), args, p.logs.String())
		}
	})
	if len(args) > 0 {
		return p
	}
	deadline := time.Now().Add(hangGuard)
	for time.Now().Before(deadline) {
		if res, err := health.Get(p.url + "/healthz"); err == nil {
			res.Body.Close()
			return p
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("skygraph exited before it was ready: %v\n%s", err, p.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("skygraph not ready in %v:\n%s", hangGuard, p.logs.String())
	return nil
}

// wait waits for the process to exit and returns its exit status.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(hangGuard):
		t.Fatalf("process did not exit in %v:\n%s", hangGuard, p.logs.String())
		return -1
	}
}

// gql posts a GraphQL request; a transport error (the process died) is returned.
func (p *proc) gql(token, query string, vars map[string]any) (map[string]any, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, p.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

func (p *proc) mustGQL(t *testing.T, token, query string, vars map[string]any) map[string]any {
	t.Helper()
	out, err := p.gql(token, query, vars)
	require.NoError(t, err)
	require.Nil(t, out["errors"], "%v", out)
	return out["data"].(map[string]any)
}

// crashSetup builds the crash-test binary and seeds a fresh DynamoDB Local table (seedDays
// of flights) that outlives the processes; it returns the binary and their environment.
func crashSetup(t *testing.T, seedDays int) (string, []string) {
	t.Helper()
	b, ok := dynamotest.Local(t)
	if !ok {
		t.Skip("needs DynamoDB Local: state must outlive the process")
	}
	bin := buildBinary(t, "skygraph-crashtest", "crashtest") // with crashhook_crashtest.go
	table := dynamotest.NewTable(t, dynamotest.Client(t, b))
	key, err := localidp.GenerateKeyPEM()
	require.NoError(t, err)
	tmp := t.TempDir()
	env := []string{
		"SKYGRAPH_TABLE=" + table, "SKYGRAPH_DYNAMODB_ENDPOINT=" + b.Endpoint,
		"SKYGRAPH_LOCAL_SIGNING_KEY=" + string(key), "SKYGRAPH_TOKEN_SECRET=crash-test-token-secret-0123456789",
		fmt.Sprintf("SKYGRAPH_SEED_DAYS=%d", seedDays), "AWS_EC2_METADATA_DISABLED=true", "HOME=" + tmp, "TMPDIR=" + tmp,
	}
	require.Equal(t, 0, startProc(t, bin, env, "seed").wait(t))
	return bin, env
}

// TestKilledProcessBookingIsFinished kills a real server process in the middle of the
// booking saga (os.Exit, no deferred code, no compensation), then checks that another
// process finishes the booking: the client's retry, or the recovery job run on its own
// (`skygraph run-job booking-recovery`). DynamoDB Local holds the state across processes.
func TestKilledProcessBookingIsFinished(t *testing.T) {
	bin, env := crashSetup(t, 2)

	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, c := range []struct {
		crashAt string
		by      string // "retry" or "sweep"
	}{
		{"capture/after", "sweep"},
		{"reserve/after", "retry"},
		{"confirm/before", "sweep"},
	} {
		t.Run(c.crashAt+" then "+c.by, func(t *testing.T) {
			doomed := startProc(t, bin, append(env, "SKYGRAPH_CRASH_AT="+c.crashAt))
			d := doomed.mustGQL(t, "", `mutation { signIn(email: "demo@example.com", password: "Demo1234!") { idToken } }`, nil)
			token := d["signIn"].(map[string]any)["idToken"].(string)
			before := doomed.mustGQL(t, token, `{ getLoyalty { points } }`, nil)["getLoyalty"].(map[string]any)["points"]
			d = doomed.mustGQL(t, token, `query($d: String) { getFlightBySchedule(departureAirportCode: "LGW",
				arrivalAirportCodeDepartureDate: {beginsWith: {arrivalAirportCode: "MAD", departureDate: $d}}, filter: {seatCapacity: {gt: 0}}, limit: 1) {
				items { id ticketPrice ticketCurrency seatCapacity } } }`, map[string]any{"d": tomorrow})
			fl := d["getFlightBySchedule"].(map[string]any)["items"].([]any)[0].(map[string]any)
			d = doomed.mustGQL(t, token, `mutation($a: Int!, $c: String!) { authorizePayment(amount: $a, currency: $c, cardToken: "tok_visa") { paymentToken } }`,
				map[string]any{"a": fl["ticketPrice"].(float64) * 100, "c": fl["ticketCurrency"]})
			paymentToken := d["authorizePayment"].(map[string]any)["paymentToken"].(string)
			bookDoc := `mutation($t: String!, $f: ID!) { processBooking(input: {paymentToken: $t, bookingOutboundFlightId: $f}) { id status } }`
			vars := map[string]any{"t": paymentToken, "f": fl["id"]}

			_, err := doomed.gql(token, bookDoc, vars)
			require.Error(t, err, "the process died answering")
			require.Equal(t, 137, doomed.wait(t))
			require.Contains(t, doomed.logs.String(), "crash test: dying now")

			next := startProc(t, bin, env)
			switch c.by {
			case "retry":
				d = next.mustGQL(t, token, bookDoc, vars)
				require.Equal(t, "CONFIRMED", d["processBooking"].(map[string]any)["status"])
			case "sweep":
				// Until the sweep runs the booking is held, unconfirmed, and invisible to "My bookings".
				d = next.mustGQL(t, token, `{ getBookingByStatus(status: {eq: "UNCONFIRMED"}) { items { id } } }`, nil)
				require.Len(t, d["getBookingByStatus"].(map[string]any)["items"], 1)
				job := startProc(t, bin, append(env, "SKYGRAPH_BOOKING_RECOVER_AFTER=1ms"), "run-job", "booking-recovery")
				require.Equal(t, 0, job.wait(t), "%s", job.logs.String())
				require.Contains(t, job.logs.String(), `"confirmed":1`)
			}
			d = next.mustGQL(t, token, `{ getBookingByStatus(status: {eq: "CONFIRMED"}, sortDirection: DESC, limit: 1) {
				items { paymentToken outboundFlight { id seatCapacity } payment { status capturedAmount } } } getLoyalty { points } }`, nil)
			items := d["getBookingByStatus"].(map[string]any)["items"].([]any)
			require.Len(t, items, 1)
			bk := items[0].(map[string]any)
			require.Equal(t, paymentToken, bk["paymentToken"])
			require.Equal(t, "CAPTURED", bk["payment"].(map[string]any)["status"])
			num := func(v any) int { return int(v.(float64)) }
			require.Equal(t, num(fl["ticketPrice"])*100, num(bk["payment"].(map[string]any)["capturedAmount"]))
			require.Equal(t, num(fl["seatCapacity"])-1, num(bk["outboundFlight"].(map[string]any)["seatCapacity"]), "one seat, taken once")
			require.Equal(t, num(before)+num(fl["ticketPrice"]), num(d["getLoyalty"].(map[string]any)["points"]), "points awarded once")

			require.NoError(t, next.cmd.Process.Signal(syscall.SIGTERM))
			require.Equal(t, 0, next.wait(t))
		})
	}
}

// TestKilledProcessOrderIsFinished is the killed-process test of the order saga: a real
// server process dies in the middle of placeOrder (os.Exit at a saga step), and another
// process finishes the order, by the client's retry or by the recovery job alone
// (`skygraph run-job booking-recovery`, which sweeps both sagas). At rest: captured money
// ⇔ a PAID order, the capture exactly the total and made once, stock = initial − held.
func TestKilledProcessOrderIsFinished(t *testing.T) {
	bin, env := crashSetup(t, 1)

	const initial, qty, price = 20, 3, 1250
	for i, c := range []struct {
		crashAt string
		by      string // "retry" or "sweep"
	}{
		{"order:capture/after", "sweep"},
		{"order:reserve/after", "retry"},
		{"order:pay/before", "sweep"},
	} {
		t.Run(c.crashAt+" then "+c.by, func(t *testing.T) {
			doomed := startProc(t, bin, append(env, "SKYGRAPH_CRASH_AT="+c.crashAt))
			signIn := func(p *proc, email, password string) string {
				d := p.mustGQL(t, "", `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { idToken } }`, map[string]any{"e": email, "p": password})
				return d["signIn"].(map[string]any)["idToken"].(string)
			}
			admin := signIn(doomed, "admin@example.com", "Admin1234!")
			token := signIn(doomed, "demo@example.com", "Demo1234!")
			d := doomed.mustGQL(t, admin, `mutation($sku: String!, $stock: Int!, $price: Int!) { createProduct(input: {sku: $sku, name: "Crash kit",
				price: $price, currency: "EUR", stock: $stock}) { id } }`, map[string]any{"sku": fmt.Sprintf("CRASH-%d-%d", i, time.Now().UnixNano()), "stock": initial, "price": price})
			productID := d["createProduct"].(map[string]any)["id"].(string)
			d = doomed.mustGQL(t, token, `mutation($a: Int!) { authorizePayment(amount: $a, currency: "EUR", cardToken: "tok_visa") { paymentToken } }`,
				map[string]any{"a": qty * price})
			paymentToken := d["authorizePayment"].(map[string]any)["paymentToken"].(string)
			placeDoc := `mutation($t: String!, $p: ID!, $q: Int!) { placeOrder(input: {paymentToken: $t, items: [{productId: $p, quantity: $q}]}) { id status total } }`
			vars := map[string]any{"t": paymentToken, "p": productID, "q": qty}

			_, err := doomed.gql(token, placeDoc, vars)
			require.Error(t, err, "the process died answering")
			require.Equal(t, 137, doomed.wait(t))
			require.Contains(t, doomed.logs.String(), "crash test: dying now")

			next := startProc(t, bin, env)
			switch c.by {
			case "retry":
				d = next.mustGQL(t, token, placeDoc, vars)
				require.Equal(t, "PAID", d["placeOrder"].(map[string]any)["status"])
			case "sweep":
				d = next.mustGQL(t, token, `{ listOrders(limit: 1000) { items { status paymentToken } } }`, nil)
				require.Contains(t, d["listOrders"].(map[string]any)["items"], map[string]any{"status": "PLACED", "paymentToken": paymentToken},
					"held, not yet paid, until the sweep")
				job := startProc(t, bin, append(env, "SKYGRAPH_BOOKING_RECOVER_AFTER=1ms"), "run-job", "booking-recovery")
				require.Equal(t, 0, job.wait(t), "%s", job.logs.String())
				require.Contains(t, job.logs.String(), `"paid":1`)
				// The client's retry after the sweep answers the same order, without a second capture.
				d = next.mustGQL(t, token, placeDoc, vars)
				require.Equal(t, "PAID", d["placeOrder"].(map[string]any)["status"])
			}
			d = next.mustGQL(t, token, `{ listOrders(limit: 1000) { items { id status total paymentToken payment { status capturedAmount } } } }`, nil)
			var mine []map[string]any
			for _, it := range d["listOrders"].(map[string]any)["items"].([]any) {
				if o := it.(map[string]any); o["paymentToken"] == paymentToken {
					mine = append(mine, o)
				}
			}
			require.Len(t, mine, 1, "one order for the payment token")
			o := mine[0]
			num := func(v any) int { return int(v.(float64)) }
			require.Equal(t, "PAID", o["status"])
			require.Equal(t, "CAPTURED", o["payment"].(map[string]any)["status"], "captured money ⇔ a PAID order")
			require.Equal(t, qty*price, num(o["payment"].(map[string]any)["capturedAmount"]), "captured exactly the total, once")
			require.Equal(t, qty*price, num(o["total"]))
			d = next.mustGQL(t, "", `query($id: ID!) { getProduct(id: $id) { stock } }`, map[string]any{"id": productID})
			require.Equal(t, initial-qty, num(d["getProduct"].(map[string]any)["stock"]), "stock = initial − held, taken once")

			require.NoError(t, next.cmd.Process.Signal(syscall.SIGTERM))
			require.Equal(t, 0, next.wait(t))
		})
	}
}
