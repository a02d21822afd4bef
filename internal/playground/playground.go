// Package playground serves the GraphiQL IDE from the skygraph binary itself.
//
// Every file the page needs (GraphiQL, React, their CSS and our boot script) is embedded
// with go:embed and served by this package, so the playground works offline, behind
// firewalls and in CI, and the page can run under a strict Content-Security-Policy that
// allows scripts from 'self' only. No CDN is ever contacted.
//
// The third-party files in assets/ are the exact bundles published on npm; their versions
// and sha256 sums are recorded in assets/VERSIONS.txt, which a test checks against the
// embedded bytes. To bump them, see update-assets.sh (npm is needed only for that, never
// to build the server).
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// vendored holds the npm bundles copied by update-assets.sh (see VERSIONS.txt).
//
//go:embed assets
var vendored embed.FS

// web holds skygraph's own files: the page template, its boot script and stylesheet.
//
//go:embed web
var web embed.FS

// AssetPrefix is the URL path under which Handler serves the page's static files,
// exported so routers, access logs and tests can tell playground traffic apart.
const AssetPrefix = "/playground/"

// Options configures the playground page.
type Options struct {
	// Title is the page title (default "GraphiQL").
	Title string
	// Endpoint is where GraphiQL sends queries: a path on this origin such as "/graphql"
	// (the default), or an absolute http(s) URL whose origin is then added to the page's
	// connect-src.
	Endpoint string
	// SubscriptionEndpoint, when set, is where GraphiQL opens a graphql-ws WebSocket for
	// subscriptions: a path on this origin (the page turns it into ws:// or wss:// to
	// match how it was loaded) or an absolute ws(s) URL. Empty disables subscriptions.
	SubscriptionEndpoint string
	// DefaultQuery is the query shown in the first tab of a browser that has no saved tabs
	// (GraphiQL's generic welcome text if empty): the place to show a newcomer a query that
	// works and how to sign in.
	DefaultQuery string
	// DefaultVariables is the JSON shown in that tab's Variables pane, which then starts
	// open, so DefaultQuery can take variables and run as it is.
	DefaultVariables string
}

// Handler returns the GraphiQL playground: the page at exactly "/", its files under
// /playground/, 404 for any other path and 405 for methods other than GET and HEAD.
// Mount it at the root of a mux (it answers 404 for paths it does not own) or under a
// prefix with http.StripPrefix: the page refers to its files by relative URLs.
//
// Handler panics if Endpoint or SubscriptionEndpoint is neither a path nor an absolute
// URL of the expected scheme: that is a programming error, found at start-up.
func Handler(opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = "GraphiQL"
	}
	if opts.Endpoint == "" {
		opts.Endpoint = "/graphql"
	}
	h := &handler{}
	var extra []string
	origin, err := checkEndpoint(opts.Endpoint, "http", "https")
	if err != nil {
		panic(fmt.Sprintf("playground: Endpoint: %v", err))
	}
	if origin != "" {
		extra = append(extra, origin)
	}
	if opts.SubscriptionEndpoint != "" {
		origin, err := checkEndpoint(opts.SubscriptionEndpoint, "ws", "wss", "http", "https")
		if err != nil {
			panic(fmt.Sprintf("playground: SubscriptionEndpoint: %v", err))
		}
		if origin != "" {
			extra = append(extra, origin)
		} else {
			h.wsSameHost = true
		}
	}
	h.connectSrc = strings.Join(append([]string{"'self'"}, extra...), " ")

	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, opts); err != nil {
		panic(fmt.Sprintf("playground: rendering page: %v", err))
	}
	h.page = buf.Bytes()
	return h
}

// checkEndpoint accepts a path on this origin (returns "") or an absolute URL with one of
// the schemes (returns its origin, for the CSP).
func checkEndpoint(s string, schemes ...string) (origin string, err error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", err
	}
	if u.Scheme == "" && u.Host == "" {
		if !strings.HasPrefix(s, "/") {
			return "", fmt.Errorf("%q: want a path starting with / or an absolute URL", s)
		}
		return "", nil
	}
	if !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		return "", fmt.Errorf("%q: want a path or an absolute %s URL", s, strings.Join(schemes, "/"))
	}
	return u.Scheme + "://" + u.Host, nil
}

type handler struct {
	page       []byte // the rendered page: Options never change after Handler
	connectSrc string
	// wsSameHost adds ws:// and wss:// for the request's host to connect-src, for
	// browsers whose CSP 'self' does not yet cover WebSockets.
	wsSameHost bool
}

// validHost matches what may be echoed from the Host header into the CSP.
var validHost = regexp.MustCompile(`^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" {
		if !allowMethod(w, r) {
			return
		}
		h.servePage(w, r)
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, AssetPrefix); ok {
		if a := assetsByName[name]; a != nil {
			if !allowMethod(w, r) {
				return
			}
			a.serve(w, r)
			return
		}
	}
	http.NotFound(w, r)
}

func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	connect := h.connectSrc
	if h.wsSameHost && validHost.MatchString(r.Host) {
		connect += " ws://" + r.Host + " wss://" + r.Host
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		// GraphiQL's dialogs (Radix UI's scroll lock) inject <style> elements whose
		// text depends on the scrollbar width, so no hash can allow them. Scripts, the
		// part that matters against XSS, stay 'self'-only.
		"style-src 'self' 'unsafe-inline'",
		// GraphiQL's CSS embeds its fonts and a few images as data: URLs.
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; "))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	// The page is tiny; always revalidate it so a new build's asset URLs are picked up.
	hdr.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.page))
}

// asset is one embedded file, addressed as AssetPrefix+name?v=version.
type asset struct {
	name        string
	contentType string
	data        []byte
	sum         [sha256.Size]byte
	version     string // first 12 hex digits of sum: the cache-busting URL parameter

	gzipOnce sync.Once
	gzipped  []byte // nil if not worth compressing
}

// URL is the versioned, relative URL the page uses for the asset.
func (a *asset) URL() string {
	return AssetPrefix[1:] + a.name + "?v=" + a.version
}

// serve answers with the file. A request carrying the current version (?v=) may be
// cached for a year, immutably: a different file gets a different URL. Requests without
// it (or with a stale one) must revalidate, using the content-hash ETag.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	if r.URL.Query().Get("v") == a.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	body, etag := a.data, hex.EncodeToString(a.sum[:16])
	if gz := a.gzip(); gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = gz, etag+"-gz"
		}
	}
	hdr.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// gzip compresses the asset on first use: GraphiQL's bundle shrinks 3x in ~30 ms (the
// best level would save 0.1% for 3x the time). It is computed once per process and
// shared by every Handler; small or incompressible files are served as they are.
func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		if len(a.data) < 1024 {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		_, _ = zw.Write(a.data)
		_ = zw.Close()
		if buf.Len() < len(a.data)*9/10 {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		// "gzip;q=0" means "never gzip".
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q > 0
		}
		return true
	}
	return false
}

var contentTypes = map[string]string{
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".html": "text/html; charset=utf-8",
}

var (
	// assetsByName is every file served under AssetPrefix.
	assetsByName = map[string]*asset{}
	pageTemplate *template.Template
)

func init() {
	add := func(fsys fs.FS, dir string, skip ...string) {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			panic(err)
		}
		for _, e := range entries {
			if e.IsDir() || slices.Contains(skip, e.Name()) {
				continue
			}
			data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
			if err != nil {
				panic(err)
			}
			ct := contentTypes[path.Ext(e.Name())]
			if ct == "" {
				ct = mime.TypeByExtension(path.Ext(e.Name()))
			}
			sum := sha256.Sum256(data)
			assetsByName[e.Name()] = &asset{
				name:        e.Name(),
				contentType: ct,
				data:        data,
				sum:         sum,
				version:     hex.EncodeToString(sum[:6]),
			}
		}
	}
	// VERSIONS.txt is bookkeeping for the repository, not for browsers.
	add(vendored, "assets", "VERSIONS.txt")
	// The template is rendered into the page, not served.
	add(web, "web", "index.html.tmpl")

	pageTemplate = template.Must(template.New("index.html.tmpl").Funcs(template.FuncMap{
		"asset": func(name string) (string, error) {
			a := assetsByName[name]
			if a == nil {
				return "", fmt.Errorf("no asset %q", name)
			}
			return a.URL(), nil
		},
	}).ParseFS(web, "web/index.html.tmpl"))
}
