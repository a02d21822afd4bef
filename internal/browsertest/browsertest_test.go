package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTB records Skip and Fatal instead of ending the test, to check RequireChromium's
// policy. Like the real ones, callers must return after them.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
}

// fakeBrowser puts an executable named name in a new directory and makes it the PATH.
func fakeBrowser(t *testing.T, name string) string {
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\nexit 0\n"), 0o755))
	t.Setenv("PATH", dir)
	return path
}

func noBrowserEnv(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(EnvChromium, "")
	t.Setenv("CI", "")
	t.Setenv(EnvRequireBrowser, "")
}

func TestFindChromium(t *testing.T) {
	t.Run("on PATH", func(t *testing.T) {
		noBrowserEnv(t)
		want := fakeBrowser(t, "chromium-browser")
		got, err := FindChromium()
		require.NoError(t, err)
		assert.Equal(t, want, got)
	})
	t.Run("env wins", func(t *testing.T) {
		noBrowserEnv(t)
		fakeBrowser(t, "chromium")
		other := filepath.Join(t.TempDir(), "my-chrome")
		require.NoError(t, os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755))
		t.Setenv(EnvChromium, other)
		got, err := FindChromium()
		require.NoError(t, err)
		assert.Equal(t, other, got)
	})
	t.Run("env points at nothing", func(t *testing.T) {
		noBrowserEnv(t)
		t.Setenv(EnvChromium, "/nonexistent/chromium")
		_, err := FindChromium()
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrNoChromium, "a wrong explicit setting is not 'not installed'")
	})
	t.Run("none", func(t *testing.T) {
		noBrowserEnv(t)
		_, err := FindChromium()
		assert.ErrorIs(t, err, ErrNoChromium)
	})
}

func TestRequireChromiumPolicy(t *testing.T) {
	for _, tc := range []struct {
		name        string
		env         map[string]string
		wantSkipped bool
	}{
		{"developer machine", nil, true},
		{"CI=true", map[string]string{"CI": "true"}, false},
		{"CI=1", map[string]string{"CI": "1"}, false},
		{"CI=false", map[string]string{"CI": "false"}, true},
		{"required", map[string]string{EnvRequireBrowser: "1"}, false},
		{"required=0", map[string]string{EnvRequireBrowser: "0"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noBrowserEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			f := &fakeTB{TB: t}
			assert.Empty(t, RequireChromium(f))
			assert.Equal(t, tc.wantSkipped, f.skipped, f.msg)
			assert.Equal(t, !tc.wantSkipped, f.failed, f.msg)
			assert.Contains(t, f.msg, "no Chromium found")
		})
	}
	t.Run("wrong explicit binary fails even locally", func(t *testing.T) {
		noBrowserEnv(t)
		t.Setenv(EnvChromium, "/nonexistent/chromium")
		f := &fakeTB{TB: t}
		RequireChromium(f)
		assert.True(t, f.failed, f.msg)
	})
	t.Run("found", func(t *testing.T) {
		noBrowserEnv(t)
		want := fakeBrowser(t, "chromium")
		f := &fakeTB{TB: t}
		assert.Equal(t, want, RequireChromium(f))
		assert.False(t, f.failed || f.skipped)
	})
}

func TestNonLocal(t *testing.T) {
	reqs := []Request{
		{URL: "http://127.0.0.1:8080/"},
		{URL: "http://127.0.0.53/x"},
		{URL: "http://localhost/a"},
		{URL: "ws://[::1]:9/graphql"},
		{URL: "data:font/woff2;base64,AAAA"},
		{URL: "blob:http://127.0.0.1/uuid"},
		{URL: "about:blank"},
		{URL: "https://unpkg.com/graphiql"},
		{URL: "http://10.0.0.1/"},
		{URL: "wss://example.com/graphql"},
		{URL: "http://localhost.example.com/"},
	}
	var got []string
	for _, r := range nonLocal(reqs) {
		got = append(got, r.URL)
	}
	assert.Equal(t, []string{
		"https://unpkg.com/graphiql", "http://10.0.0.1/", "wss://example.com/graphql", "http://localhost.example.com/",
	}, got)
}

func TestShortenDataURL(t *testing.T) {
	long := "data:font/woff2;base64," + strings.Repeat("A", 1000)
	assert.Len(t, []rune(shortenDataURL(long)), 65)
	assert.Equal(t, "http://x/"+strings.Repeat("a", 100), shortenDataURL("http://x/"+strings.Repeat("a", 100)))
}

func TestTailBuffer(t *testing.T) {
	var b tailBuffer
	_, _ = b.Write([]byte("start\n"))
	_, _ = b.Write([]byte(strings.Repeat("x", tailMax)))
	_, _ = b.Write([]byte("end"))
	assert.Len(t, b.String(), tailMax)
	assert.True(t, strings.HasSuffix(b.String(), "xend"))
}

// failingTB is a real test that reports itself failed, to exercise the artifact dump.
type failingTB struct {
	testing.TB
	logs []string
}

func (f *failingTB) Failed() bool { return true }
func (f *failingTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

// TestBrowserRecordsConsoleAndArtifacts drives a real browser (skipped without one,
// outside CI) on a page that misbehaves, and checks what a failing test would get.
func TestBrowserRecordsConsoleAndArtifacts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><title>bad page</title><link rel="icon" href="data:,">
<h1>hello</h1>
<script>console.error("boom", 42); fetch("/missing");</script>
<script>throw new Error("kaboom")</script>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	b := NewBrowser(t)
	b.Navigate(srv.URL + "/")
	var title string
	b.Eval(`document.title`, &title)
	assert.Equal(t, "bad page", title)

	var got string
	b.Eval(`(async () => { await new Promise((r) => setTimeout(r, 10)); return "awaited"; })()`, &got)
	assert.Equal(t, "awaited", got, "Eval awaits promises")

	b.waitNetworkIdle(100*time.Millisecond, 5*time.Second)
	console := strings.Join(b.ConsoleErrors(), "\n")
	assert.Contains(t, console, "console.error: boom 42")
	assert.Contains(t, console, "kaboom")
	assert.Contains(t, console, "404", "failed loads are reported by the browser's log")
	assert.Empty(t, b.NonLocalRequests())
	var urls []string
	for _, r := range b.Requests() {
		urls = append(urls, r.URL)
	}
	assert.Contains(t, urls, srv.URL+"/missing")

	// What a failing test leaves behind.
	f := &failingTB{TB: t}
	b.t = f
	b.saveArtifactsIfFailed()
	b.t = t
	dir := t.ArtifactDir()
	for _, name := range []string{"screenshot.png", "page.html", "console.txt", "requests.txt"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if assert.NoError(t, err, name) {
			assert.Positive(t, info.Size(), name)
		}
	}
	png, err := os.ReadFile(filepath.Join(dir, "screenshot.png"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(png), "\x89PNG"), "screenshot is a PNG")
	html, err := os.ReadFile(filepath.Join(dir, "page.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<h1>hello</h1>")
	assert.Contains(t, strings.Join(f.logs, "\n"), dir, "the path is logged")
}

// A browser that dies at start fails the test at once, with its output, and does not
// get started a second time to take the failure screenshot.
func TestNewBrowserReportsStartFailure(t *testing.T) {
	noBrowserEnv(t)
	exe := filepath.Join(t.TempDir(), "chromium")
	require.NoError(t, os.WriteFile(exe, []byte("#!/bin/sh\necho 'cannot open display: nope' >&2\nexit 1\n"), 0o755))
	t.Setenv(EnvChromium, exe)

	f := &fakeTB{TB: t}
	b := NewBrowser(f)
	assert.True(t, f.failed)
	// The outcome that shows it was not left waiting for a browser that is gone: the
	// failure is the browser's exit, not the start timer (Timeout) cancelling the tab.
	assert.NotContains(t, f.msg, context.Canceled.Error(), "failed by the start timer, not by the browser's exit")
	assert.Contains(t, f.msg, "browser output:")
	// chromedp may report the exit before its copy of the output has caught up (seen
	// under a loaded -race run), so the output itself is checked only when it arrived.
	if strings.Contains(f.msg, "nope") {
		assert.Contains(t, f.msg, "cannot open display: nope")
	}
	assert.True(t, b.startFailed)
}
