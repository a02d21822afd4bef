// Package browsertest drives a real headless Chromium from Go tests, so that pages
// skygraph serves (the GraphiQL playground first of all) are tested the way a developer
// uses them: scripts loaded under the page's Content-Security-Policy, React rendering,
// clicks, fetches with the headers a person typed.
//
// It uses chromedp over the DevTools protocol with the system's Chromium (Debian's
// /usr/bin/chromium in CI), found through $SKYGRAPH_CHROMIUM or "chromium" /
// "chromium-browser" on PATH. Without a browser the tests skip, except in CI
// (CI=true) or with SKYGRAPH_TEST_REQUIRE_BROWSER=1, where a missing browser is a
// failure: a browser test must never pass silently by not running.
//
// Every browser gets a fresh profile, bounded timeouts, and records the page's console
// errors and network requests. When a test that used a Browser fails, a screenshot, the
// page's HTML, the console errors and the request log are written to t.ArtifactDir()
// (kept with `go test -artifacts -outputdir DIR`, DIR existing; removed otherwise), and
// the path is logged.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Environment variables this package reads.
const (
	// EnvChromium names the Chromium (or Chrome) binary to use, overriding PATH.
	EnvChromium = "SKYGRAPH_CHROMIUM"
	// EnvRequireBrowser=1 turns "no browser found" from a skip into a failure, as CI=true
	// does.
	EnvRequireBrowser = "SKYGRAPH_TEST_REQUIRE_BROWSER"
)

// Timeout bounds each step (starting the browser, loading a page, running a query), so a
// hung page fails the test in minutes instead of hitting go test's limit. It is a hang
// guard, not a speed requirement: a step that takes a few seconds here must still pass on a
// busy CI machine 4x slower under -race, so it is far above what any step needs.
const Timeout = 2 * time.Minute

// ErrNoChromium is returned by FindChromium when no browser binary is on PATH.
var ErrNoChromium = errors.New("no Chromium found: install it (Debian: apt-get install chromium) or set " + EnvChromium)

// binaryNames are tried on PATH, in order, when EnvChromium is not set.
var binaryNames = []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"}

// FindChromium returns the browser binary to use: $SKYGRAPH_CHROMIUM if set (an error if
// it is not an executable), else the first of chromium, chromium-browser, google-chrome
// on PATH, else ErrNoChromium.
func FindChromium() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s=%q: %w", EnvChromium, p, err)
		}
		return path, nil
	}
	for _, name := range binaryNames {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", ErrNoChromium
}

// BrowserRequired reports whether a missing browser must fail tests rather than skip
// them: in CI (CI=true, as GitHub Actions and most CI systems set it) or when
// SKYGRAPH_TEST_REQUIRE_BROWSER=1.
func BrowserRequired() bool {
	return envTrue("CI") || envTrue(EnvRequireBrowser)
}

func envTrue(name string) bool {
	v, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(name)))
	return err == nil && v
}

// RequireChromium returns the browser binary, or ends the test: t.Skip when none is
// installed on a developer machine, t.Fatal in CI (see BrowserRequired) or when
// $SKYGRAPH_CHROMIUM points at nothing (an explicit setting that is wrong is never
// skipped).
func RequireChromium(t testing.TB) string {
	t.Helper()
	path, err := FindChromium()
	switch {
	case err == nil:
		return path
	case !errors.Is(err, ErrNoChromium):
		t.Fatalf("browsertest: %v", err)
	case BrowserRequired():
		t.Fatalf("browsertest: %v (a browser is required here: CI=%q %s=%q)", err,
			os.Getenv("CI"), EnvRequireBrowser, os.Getenv(EnvRequireBrowser))
	default:
		t.Skipf("browsertest: skipping browser test: %v (set CI=true or %s=1 to make this a failure)", err, EnvRequireBrowser)
	}
	return ""
}

// Request is one network request the page made (WebSockets included).
type Request struct {
	URL string // data: URLs are cut short

	Method string
	// Type is the DevTools resource type: Document, Script, Stylesheet, Fetch,
	// WebSocket, ...
	Type string
}

// Browser is one headless Chromium with one tab, closed when the test ends.
type Browser struct {
	t   testing.TB
	ctx context.Context // the tab; no deadline: each step adds its own

	mu       sync.Mutex
	requests []Request
	console  []string
	inflight map[network.RequestID]bool
	lastNet  time.Time // last time a request started or ended
	output   tailBuffer

	startFailed bool // no page to capture (and a Run would start another browser)
}

// NewBrowser starts a headless Chromium for t, with a fresh temporary profile, and stops
// it (and removes the profile) when t ends. It skips or fails t if there is no browser,
// per RequireChromium.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	exe := RequireChromium(t)

	profile, err := os.MkdirTemp("", "skygraph-browsertest-")
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	b := &Browser{t: t, inflight: map[network.RequestID]bool{}}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		// The flags known to work on skygraph's CI machines: no sandbox (we run as root
		// in a container), no GPU, and nothing that phones home, since the machine has
		// no network beyond loopback and refused connections only slow Chromium down.
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&b.output),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	b.ctx = tabCtx
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		_ = os.RemoveAll(profile)
	})
	// Registered after the close above, so it runs before it: the page is still there.
	t.Cleanup(b.saveArtifactsIfFailed)

	chromedp.ListenTarget(tabCtx, b.onEvent)

	// The first Run starts the browser. It must not get a deadline of its own (chromedp
	// would kill the browser when it expires), so a timer bounds it instead.
	start := time.Now()
	timer := time.AfterFunc(Timeout, cancelTab)
	err = chromedp.Run(tabCtx)
	stopped := timer.Stop()
	if err != nil || !stopped {
		b.startFailed = true
		t.Fatalf("browsertest: starting %s (%s): %v\nbrowser output:\n%s", exe, time.Since(start).Round(time.Millisecond), err, b.output.String())
	}
	return b
}

func (b *Browser) onEvent(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, Request{URL: shortenDataURL(ev.Request.URL), Method: ev.Request.Method, Type: string(ev.Type)})
		b.inflight[ev.RequestID] = true
		b.lastNet = time.Now()
	case *network.EventLoadingFinished:
		delete(b.inflight, ev.RequestID)
		b.lastNet = time.Now()
	case *network.EventLoadingFailed:
		delete(b.inflight, ev.RequestID)
		b.lastNet = time.Now()
	case *network.EventWebSocketCreated:
		b.requests = append(b.requests, Request{URL: ev.URL, Method: "GET", Type: string(network.ResourceTypeWebSocket)})
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
			b.console = append(b.console, "console."+string(ev.Type)+": "+formatArgs(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		b.console = append(b.console, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *cdplog.EventEntryAdded:
		// Errors the browser itself logs: CSP violations, failed loads, mixed content.
		if e := ev.Entry; e.Level == cdplog.LevelError {
			b.console = append(b.console, fmt.Sprintf("%s: %s (%s)", e.Source, e.Text, e.URL))
		}
	}
}

// shortenDataURL keeps data: URLs (GraphiQL's inlined fonts, tens of KB each) short
// enough to log.
func shortenDataURL(u string) string {
	const keep = 64
	if strings.HasPrefix(u, "data:") && len(u) > keep {
		return u[:keep] + "…"
	}
	return u
}

func formatArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a.Type == runtime.TypeString:
			var s string
			if json.Unmarshal(a.Value, &s) == nil {
				parts = append(parts, s)
				continue
			}
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
			continue
		}
		parts = append(parts, a.Description)
	}
	return strings.Join(parts, " ")
}

// Requests returns every request the page has made so far, in order.
func (b *Browser) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Request(nil), b.requests...)
}

// NonLocalRequests returns the requests to any host that is not loopback (localhost,
// 127.0.0.0/8, ::1). data:, blob: and about: URLs are not network requests and are left
// out. A page that works offline makes none.
func (b *Browser) NonLocalRequests() []Request {
	return nonLocal(b.Requests())
}

func nonLocal(reqs []Request) []Request {
	var out []Request
	for _, r := range reqs {
		u, err := url.Parse(r.URL)
		if err != nil {
			out = append(out, r)
			continue
		}
		switch u.Scheme {
		case "data", "blob", "about":
			continue
		}
		host := u.Hostname()
		if host == "localhost" {
			continue
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			continue
		}
		out = append(out, r)
	}
	return out
}

// ConsoleErrors returns what the page reported as errors so far: console.error calls,
// uncaught exceptions, and the browser's own error log (CSP violations, failed loads).
func (b *Browser) ConsoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// Run runs chromedp actions in the tab, bounded by Timeout (or the test's deadline).
func (b *Browser) Run(actions ...chromedp.Action) error {
	ctx, cancel := b.stepContext()
	defer cancel()
	return chromedp.Run(ctx, actions...)
}

// Eval evaluates a JavaScript expression in the page and stores its JSON value in out
// (which may be nil), failing the test on error. A promise is awaited, so expr may be
// an async function call.
func (b *Browser) Eval(expr string, out any) {
	b.t.Helper()
	await := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }
	if err := b.Run(chromedp.Evaluate(expr, out, await)); err != nil {
		b.t.Fatalf("browsertest: evaluating %q: %v", expr, err)
	}
}

// Navigate loads url and waits for its load event, failing the test on error.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	if err := b.Run(chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("browsertest: loading %s: %v", url, err)
	}
}

// stepContext is the tab's context with a deadline of Timeout, shortened to end a little
// before the test's own deadline so we fail with our message and artifacts.
func (b *Browser) stepContext() (context.Context, context.CancelFunc) {
	d := Timeout
	if dl, ok := b.t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := dl.Deadline(); ok {
			if left := time.Until(end) - 5*time.Second; left < d {
				d = max(left, time.Second)
			}
		}
	}
	return context.WithTimeout(b.ctx, d)
}

// waitNetworkIdle waits until no request has been in flight for quiet, or until limit
// has passed (long-lived requests never settle; that is not an error).
func (b *Browser) waitNetworkIdle(quiet, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		idle := len(b.inflight) == 0 && time.Since(b.lastNet) >= quiet
		b.mu.Unlock()
		if idle {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// saveArtifactsIfFailed writes what is needed to debug a failed browser test.
func (b *Browser) saveArtifactsIfFailed() {
	t := b.t
	if !t.Failed() || b.startFailed {
		return
	}
	dir := t.ArtifactDir()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()

	var png []byte
	var html string
	if err := chromedp.Run(ctx,
		chromedp.CaptureScreenshot(&png),
		chromedp.OuterHTML("html", &html, chromedp.ByQuery),
	); err != nil {
		t.Logf("browsertest: could not capture the page: %v", err)
	}
	var reqs strings.Builder
	for _, r := range b.Requests() {
		fmt.Fprintf(&reqs, "%s %s %s\n", r.Method, r.Type, r.URL)
	}
	console := strings.Join(b.ConsoleErrors(), "\n")
	for name, data := range map[string][]byte{
		"screenshot.png": png,
		"page.html":      []byte(html),
		"console.txt":    []byte(console),
		"requests.txt":   []byte(reqs.String()),
		"chromium.log":   []byte(b.output.String()),
	} {
		if len(data) == 0 {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Logf("browsertest: %v", err)
		}
	}
	if console == "" {
		console = "(none)"
	}
	t.Logf("browsertest: page console errors:\n%s", console)
	t.Logf("browsertest: screenshot, page HTML, console and requests saved in %s (go test -artifacts keeps them)", dir)
}

// tailBuffer keeps the last 64 KiB written to it: Chromium's output, for failures.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 64 << 10

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - tailMax; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
