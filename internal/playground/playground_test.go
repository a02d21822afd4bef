package playground

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testOpts = Options{
	Title:                "skygraph",
	Endpoint:             "/graphql",
	SubscriptionEndpoint: "/graphql",
	DefaultQuery:         "{ __typename }",
}

// get serves one request; header holds name, value pairs.
func get(t *testing.T, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// refs are the URLs a page loads: src and href attributes.
var refs = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

func TestPageIsSelfContained(t *testing.T) {
	h := Handler(testOpts)
	resp := get(t, h, http.MethodGet, "http://example.test/")
	require.Equal(t, http.StatusOK, resp.Code)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header().Get("Content-Type"))
	page := resp.Body.String()

	for _, bad := range []string{"http://", "https://", "//", "unpkg", "jsdelivr", "cdnjs", "esm.sh"} {
		assert.NotContains(t, page, bad, "the page must not reference anything off this server")
	}
	// No inline script, style or event handler: the CSP would block them anyway.
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		assert.Contains(t, tag, ` src="`, "inline <script> in the page")
	}
	assert.NotContains(t, page, "<style")
	assert.NotRegexp(t, `\son[a-z]+=`, page)

	var urls []string
	for _, m := range refs.FindAllStringSubmatch(page, -1) {
		urls = append(urls, m[1])
	}
	require.Contains(t, urls, "data:,", "the favicon is inline, so the browser asks for no /favicon.ico")
	var assets int
	for _, u := range urls {
		if u == "data:," {
			continue
		}
		assets++
		assert.Regexp(t, `^playground/[A-Za-z0-9.-]+\?v=[0-9a-f]{12}$`, u, "relative, versioned asset URL")
		r := get(t, h, http.MethodGet, "http://example.test/"+u)
		assert.Equal(t, http.StatusOK, r.Code, u)
	}
	assert.Equal(t, 6, assets, "React, ReactDOM, GraphiQL JS+CSS, our CSS and boot script")

	assert.Contains(t, page, `data-endpoint="/graphql"`)
	assert.Contains(t, page, `data-subscription-endpoint="/graphql"`)
	assert.Contains(t, page, `data-default-query="{ __typename }"`)
	assert.Contains(t, page, `<title>skygraph</title>`)
}

func TestPageSecurityHeaders(t *testing.T) {
	resp := get(t, Handler(testOpts), http.MethodGet, "http://localhost:8080/")
	csp := resp.Header().Get("Content-Security-Policy")
	directives := map[string]string{}
	for d := range strings.SplitSeq(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	assert.Equal(t, "'none'", directives["default-src"])
	assert.Equal(t, "'self'", directives["script-src"], "scripts only from this server: no inline, no eval")
	assert.Equal(t, "'self' ws://localhost:8080 wss://localhost:8080", directives["connect-src"])
	assert.Equal(t, "'self' 'unsafe-inline'", directives["style-src"])
	assert.Equal(t, "'none'", directives["frame-ancestors"])
	assert.Equal(t, "'none'", directives["base-uri"])
	assert.Equal(t, "nosniff", resp.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, "no-referrer", resp.Header().Get("Referrer-Policy"))
	assert.Equal(t, "DENY", resp.Header().Get("X-Frame-Options"))
	assert.Equal(t, "no-cache", resp.Header().Get("Cache-Control"))
}

func TestPageCSPConnectSrc(t *testing.T) {
	t.Run("no subscriptions", func(t *testing.T) {
		resp := get(t, Handler(Options{}), http.MethodGet, "http://localhost/")
		assert.Contains(t, resp.Header().Get("Content-Security-Policy"), "connect-src 'self';")
		page := resp.Body.String()
		assert.Contains(t, page, `data-endpoint="/graphql"`, "default endpoint")
		assert.Contains(t, page, `data-subscription-endpoint=""`)
		assert.Contains(t, page, `<title>GraphiQL</title>`, "default title")
	})
	t.Run("absolute endpoints", func(t *testing.T) {
		h := Handler(Options{Endpoint: "https://api.example.com/graphql", SubscriptionEndpoint: "wss://rt.example.com/graphql"})
		resp := get(t, h, http.MethodGet, "http://localhost/")
		assert.Contains(t, resp.Header().Get("Content-Security-Policy"),
			"connect-src 'self' https://api.example.com wss://rt.example.com;")
	})
	t.Run("odd Host header is not echoed", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = "evil.test; script-src *"
		rec := httptest.NewRecorder()
		Handler(testOpts).ServeHTTP(rec, req)
		csp := rec.Header().Get("Content-Security-Policy")
		assert.Contains(t, csp, "connect-src 'self';")
		assert.NotContains(t, csp, "evil")
	})
	t.Run("IPv6 host", func(t *testing.T) {
		resp := get(t, Handler(testOpts), http.MethodGet, "http://[::1]:8080/")
		assert.Contains(t, resp.Header().Get("Content-Security-Policy"), "ws://[::1]:8080 wss://[::1]:8080")
	})
}

func TestHandlerRejectsBadEndpoints(t *testing.T) {
	for _, opts := range []Options{
		{Endpoint: "graphql"},
		{Endpoint: "ftp://example.com/graphql"},
		{Endpoint: "ws://example.com/graphql"},
		{Endpoint: "https:///graphql"},
		{SubscriptionEndpoint: "graphql"},
		{SubscriptionEndpoint: "ftp://example.com/graphql"},
	} {
		assert.Panics(t, func() { Handler(opts) }, "%+v", opts)
	}
}

// Settings reach the page only through html/template's escaping.
func TestPageEscapesOptions(t *testing.T) {
	h := Handler(Options{
		Title:            `</title><script>alert(1)</script>`,
		Endpoint:         `/graphql?a="><script>alert(2)</script>`,
		DefaultQuery:     "query Q {\n  a(x: \"<b>\") # it's \"quoted\" & <tagged>\n}",
		DefaultVariables: `{"x": "\"><script>alert(3)</script>"}`,
	})
	page := get(t, h, http.MethodGet, "/").Body.String()
	assert.NotContains(t, page, "<script>alert")
	assert.Contains(t, page, "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, page, `data-endpoint="/graphql?a=&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"`)
	assert.Contains(t, page, "data-default-query=\"query Q {\n  a(x: &#34;&lt;b&gt;&#34;) # it&#39;s &#34;quoted&#34; &amp; &lt;tagged&gt;\n}\"")
	assert.Contains(t, page, `data-default-variables="{&#34;x&#34;: &#34;\&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;&#34;}"`)
}

func TestAssetsServed(t *testing.T) {
	h := Handler(testOpts)
	want := map[string]string{
		"graphiql.min.js":             "text/javascript; charset=utf-8",
		"react.production.min.js":     "text/javascript; charset=utf-8",
		"react-dom.production.min.js": "text/javascript; charset=utf-8",
		"init.js":                     "text/javascript; charset=utf-8",
		"graphiql.min.css":            "text/css; charset=utf-8",
		"playground.css":              "text/css; charset=utf-8",
		"LICENSE.graphiql.txt":        "text/plain; charset=utf-8",
		"LICENSE.react.txt":           "text/plain; charset=utf-8",
		"LICENSE.react-dom.txt":       "text/plain; charset=utf-8",
	}
	assert.Len(t, assetsByName, len(want), "every served file is listed here")
	for name, ct := range want {
		t.Run(name, func(t *testing.T) {
			a := assetsByName[name]
			require.NotNil(t, a)

			resp := get(t, h, http.MethodGet, "/"+a.URL())
			require.Equal(t, http.StatusOK, resp.Code)
			assert.Equal(t, ct, resp.Header().Get("Content-Type"))
			assert.Equal(t, "nosniff", resp.Header().Get("X-Content-Type-Options"))
			assert.Equal(t, "public, max-age=31536000, immutable", resp.Header().Get("Cache-Control"))
			assert.Empty(t, resp.Header().Get("Content-Encoding"), "no Accept-Encoding, no gzip")
			assert.Equal(t, string(a.data), resp.Body.String())
			etag := resp.Header().Get("ETag")
			assert.NotEmpty(t, etag)

			// Without the version (or with an old one) the URL may change content:
			// revalidate, and the ETag makes that cheap.
			for _, u := range []string{AssetPrefix + name, AssetPrefix + name + "?v=000000000000"} {
				resp = get(t, h, http.MethodGet, u)
				assert.Equal(t, http.StatusOK, resp.Code)
				assert.Equal(t, "no-cache", resp.Header().Get("Cache-Control"), u)
			}
			resp = get(t, h, http.MethodGet, "/"+a.URL(), "If-None-Match", etag)
			assert.Equal(t, http.StatusNotModified, resp.Code)

			resp = get(t, h, http.MethodHead, "/"+a.URL())
			assert.Equal(t, http.StatusOK, resp.Code)
			assert.Empty(t, resp.Body.String())
			assert.Equal(t, ct, resp.Header().Get("Content-Type"))
		})
	}
}

func TestAssetsGzip(t *testing.T) {
	h := Handler(testOpts)
	a := assetsByName["graphiql.min.js"]
	resp := get(t, h, http.MethodGet, "/"+a.URL(), "Accept-Encoding", "br, gzip;q=0.8")
	require.Equal(t, http.StatusOK, resp.Code)
	assert.Equal(t, "gzip", resp.Header().Get("Content-Encoding"))
	assert.Equal(t, "Accept-Encoding", resp.Header().Get("Vary"))
	assert.Equal(t, "text/javascript; charset=utf-8", resp.Header().Get("Content-Type"))
	zr, err := gzip.NewReader(resp.Body)
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a.data, plain), "gzip body decompresses to the file")
	assert.Less(t, len(a.gzip()), len(a.data)/2)

	gzTag := resp.Header().Get("ETag")
	plainTag := get(t, h, http.MethodGet, "/"+a.URL()).Header().Get("ETag")
	assert.NotEqual(t, plainTag, gzTag, "each encoding has its own ETag")

	resp = get(t, h, http.MethodGet, "/"+a.URL(), "Accept-Encoding", "gzip;q=0")
	assert.Empty(t, resp.Header().Get("Content-Encoding"))
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP":                  true,
		"br, gzip":              true,
		"deflate, gzip;q=1.0":   true,
		"gzip; q=0.5":           true,
		"gzip;q=0":              false,
		"gzip;q=0.000":          false,
		"identity":              false,
		"x-gzip":                false,
		"br;q=1, identity;q=.5": false,
	} {
		assert.Equal(t, want, acceptsGzip(header), "%q", header)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := Handler(testOpts)
	for _, target := range []string{
		"/index.html", "/favicon.ico", "/graphql", "/playground", "/playground/",
		"/playground/nope.js", "/playground/VERSIONS.txt", "/playground/index.html.tmpl",
		"/playground/../assets/graphiql.min.js", "/playground/assets/graphiql.min.js",
		"/playground/graphiql.min.js/",
	} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			assert.Equal(t, http.StatusNotFound, get(t, h, m, target).Code, "%s %s", m, target)
		}
	}
	for _, target := range []string{"/", "/playground/graphiql.min.js", "/playground/init.js"} {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
			resp := get(t, h, m, target)
			assert.Equal(t, http.StatusMethodNotAllowed, resp.Code, "%s %s", m, target)
			assert.Equal(t, "GET, HEAD", resp.Header().Get("Allow"))
		}
	}
	resp := get(t, h, http.MethodHead, "/")
	assert.Equal(t, http.StatusOK, resp.Code)
	assert.Empty(t, resp.Body.String())
}

// The page refers to its files relatively, so it also works mounted under a prefix.
func TestMountedUnderPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/tools/", http.StripPrefix("/tools", Handler(testOpts)))
	page := get(t, mux, http.MethodGet, "/tools/").Body.String()
	m := refs.FindAllStringSubmatch(page, -1)
	require.NotEmpty(t, m)
	for _, ref := range m {
		if ref[1] == "data:," {
			continue
		}
		assert.Equal(t, http.StatusOK, get(t, mux, http.MethodGet, "/tools/"+ref[1]).Code, ref[1])
	}
}

// versionsFile is assets/VERSIONS.txt, parsed.
type versionsFile struct {
	packages map[string]string // name -> version
	files    map[string]versionedFile
}

type versionedFile struct{ sha256, source string }

func readVERSIONS(t *testing.T) versionsFile {
	t.Helper()
	data, err := fs.ReadFile(vendored, "assets/VERSIONS.txt")
	require.NoError(t, err)
	v := versionsFile{packages: map[string]string{}, files: map[string]versionedFile{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch {
		case f[0] == "package" && len(f) == 2:
			at := strings.LastIndex(f[1], "@")
			require.Positive(t, at, line)
			v.packages[f[1][:at]] = f[1][at+1:]
		case f[0] == "file" && len(f) == 4:
			v.files[f[2]] = versionedFile{sha256: f[1], source: f[3]}
		default:
			t.Fatalf("VERSIONS.txt: unexpected line %q", line)
		}
	}
	require.NoError(t, sc.Err())
	return v
}

// TestEmbeddedAssetsMatchVERSIONS catches a hand-edited or half-updated asset: every
// embedded third-party file must have the sha256 update-assets.sh recorded, and come
// from the package versions pinned in package.json.
func TestEmbeddedAssetsMatchVERSIONS(t *testing.T) {
	v := readVERSIONS(t)
	entries, err := fs.ReadDir(vendored, "assets")
	require.NoError(t, err)
	embedded := map[string]bool{}
	for _, e := range entries {
		if e.Name() == "VERSIONS.txt" {
			continue
		}
		embedded[e.Name()] = true
		data, err := fs.ReadFile(vendored, "assets/"+e.Name())
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		rec, ok := v.files[e.Name()]
		if assert.True(t, ok, "assets/%s is not listed in VERSIONS.txt", e.Name()) {
			assert.Equal(t, rec.sha256, hex.EncodeToString(sum[:]),
				"assets/%s differs from what update-assets.sh copied from %s", e.Name(), rec.source)
		}
	}
	for name, rec := range v.files {
		assert.True(t, embedded[name], "VERSIONS.txt lists %s, which is not in assets/", name)
		pkgAt, _, _ := strings.Cut(rec.source, "/")
		at := strings.LastIndex(pkgAt, "@")
		assert.Equal(t, v.packages[pkgAt[:at]], pkgAt[at+1:], "%s comes from a pinned package version", name)
	}

	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	data, err := os.ReadFile("package.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &pkg))
	assert.Equal(t, pkg.Dependencies, v.packages,
		"package.json and assets/VERSIONS.txt disagree: run playground/update-assets.sh")
	for name, version := range pkg.Dependencies {
		assert.Regexp(t, `^\d+\.\d+\.\d+$`, version, "%s must be pinned to an exact version", name)
	}
}

// The asset URL versions are content hashes, so they change exactly when content does.
func TestAssetVersionIsContentHash(t *testing.T) {
	for name, a := range assetsByName {
		sum := sha256.Sum256(a.data)
		assert.Equal(t, hex.EncodeToString(sum[:6]), a.version, name)
	}
}
