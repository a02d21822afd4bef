// Command probe replays the attacks of issue 10 against a running skygraph on loopback and
// prints, for each, the answer, how long it took and how the server's resident memory
// moved (acceptance 1: a bounded, documented answer in under a second, RSS growth under
// 50 MiB). It refuses any address that is not loopback, and every case is a bounded number
// of requests. scripts/hostile-probe.sh starts the default server and runs it.
//
//	go run ./internal/hostile/probe -addr 127.0.0.1:8080 -pid $(pgrep -n skygraph)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/skygraph/skygraph/internal/hostile"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address (loopback only)")
	pid := flag.Int("pid", 0, "server process id, to read its RSS from /proc")
	introspectionOff := flag.Bool("introspection-off", false, "the server runs with SKYGRAPH_INTROSPECTION=false: probe item 6 only")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintln(os.Stderr, "probe: -addr must be a loopback IP and port, e.g. 127.0.0.1:8080")
		os.Exit(2)
	}
	p := &prober{url: "http://" + *addr, pid: *pid, client: &http.Client{Timeout: 60 * time.Second}}
	p.start = p.rss()
	fmt.Printf("| case | answer | time | RSS growth (MiB) |\n|---|---|---|---|\n")
	if *introspectionOff {
		p.post("6 introspection off: __schema", hostile.Request(`{ __schema { types { name } } }`, nil))
		p.post("6 introspection off: misspelt field", hostile.Request(`{ listFlight { items { id } } }`, nil))
		p.footer()
		return
	}
	for _, c := range hostile.Cases() {
		p.post(c.Name, c.Body)
	}
	p.signInLockout()
	p.websockets()
	p.oracle()
	p.footer()
}

type prober struct {
	url    string
	pid    int
	client *http.Client
	start  float64
}

// rss is the server's resident set in MiB (0 without -pid).
func (p *prober) rss() float64 {
	if p.pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func (p *prober) row(name, answer string, took time.Duration, before float64) {
	fmt.Printf("| %s | %s | %s | %+.1f |\n", name, answer, took.Round(time.Millisecond), p.rss()-before)
}

func (p *prober) footer() {
	fmt.Printf("\nserver RSS: %.1f MiB at start of probe, %.1f MiB at end (growth %+.1f MiB)\n", p.start, p.rss(), p.rss()-p.start)
}

// send posts body and returns "HTTP status, code: message".
func (p *prober) send(body []byte) (string, time.Duration) {
	start := time.Now()
	res, err := p.client.Post(p.url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return "error: " + err.Error(), time.Since(start)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	took := time.Since(start)
	var out struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	_ = json.Unmarshal(raw, &out)
	answer := fmt.Sprintf("%d, %d B", res.StatusCode, len(raw))
	if len(out.Errors) > 0 {
		msg := out.Errors[0].Message
		if len(msg) > 70 {
			msg = msg[:70] + "…"
		}
		answer += fmt.Sprintf(", %d error(s): `%s` %s", len(out.Errors), out.Errors[0].Extensions.Code, msg)
	}
	return answer, took
}

func (p *prober) post(name string, body []byte) {
	before := p.rss()
	answer, took := p.send(body)
	p.row(name, answer, took, before)
}

// signInLockout: seven wrong passwords for the demo account, then the right one.
func (p *prober) signInLockout() {
	before := p.rss()
	start := time.Now()
	var last string
	for i := range 7 {
		last, _ = p.send(hostile.Request(fmt.Sprintf(`mutation { signIn(email: "demo@example.com", password: "Wrong%d!") { idToken } }`, i), nil))
	}
	right, _ := p.send(hostile.Request(`mutation { signIn(email: "demo@example.com", password: "Demo1234!") { idToken } }`, nil))
	p.row("4 7 wrong passwords, then the right one", "7th: "+last+"; right one: "+right, time.Since(start), before)
}

// websockets: 50 connections that never send connection_init, one with bad credentials.
func (p *prober) websockets() {
	ws := "ws" + strings.TrimPrefix(p.url, "http") + "/graphql"
	dial := func(ctx context.Context) (*websocket.Conn, error) {
		c, _, err := websocket.Dial(ctx, ws, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		return c, err
	}
	before := p.rss()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	codes := map[websocket.StatusCode]int{}
	done := make(chan websocket.StatusCode, 50)
	for range 50 {
		c, err := dial(ctx)
		if err != nil {
			done <- -1
			continue
		}
		go func() {
			defer c.CloseNow()
			_, _, err := c.Read(ctx)
			done <- websocket.CloseStatus(err)
		}()
	}
	for range 50 {
		codes[<-done]++
	}
	p.row("5 50 WebSockets without connection_init", fmt.Sprintf("close codes %v (after the 5 s init timeout)", codes), time.Since(start), before)

	before, start = p.rss(), time.Now()
	c, err := dial(ctx)
	if err == nil {
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{"Authorization":"garbage"}}`))
		for err == nil {
			_, _, err = c.Read(ctx)
		}
		c.CloseNow()
	}
	p.row("5 connection_init with a bad token", fmt.Sprintf("close %d", websocket.CloseStatus(err)), time.Since(start), before)
}

// oracle: median sign-in time for a known email with a wrong password and an unknown one.
func (p *prober) oracle() {
	before := p.rss()
	start := time.Now()
	median := func(email string) time.Duration {
		var d []time.Duration
		for i := range 5 {
			_, took := p.send(hostile.Request(fmt.Sprintf(`mutation { signIn(email: %q, password: "Wrong%d!") { idToken } }`, email, i), nil))
			d = append(d, took)
		}
		for i := range d {
			for j := i + 1; j < len(d); j++ {
				if d[j] < d[i] {
					d[i], d[j] = d[j], d[i]
				}
			}
		}
		return d[len(d)/2]
	}
	known, unknown := median("owner@example.com"), median("nobody@example.com")
	p.row("8 sign-in timing, known vs unknown email (5 each)", fmt.Sprintf("medians %s vs %s", known.Round(time.Millisecond), unknown.Round(time.Millisecond)), time.Since(start), before)
	a, _ := p.send(hostile.Request(`mutation { confirmSignUp(email: "demo@example.com", code: "000000") }`, nil))
	b, _ := p.send(hostile.Request(`mutation { confirmSignUp(email: "nobody@example.com", code: "000000") }`, nil))
	p.row("8 confirmSignUp: confirmed account vs unknown email", "same answer: "+strconv.FormatBool(a == b)+" ("+a+")", 0, p.rss())
}
