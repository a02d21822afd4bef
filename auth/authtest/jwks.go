package authtest

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skygraph/skygraph/auth"
)

// JWK is one key of a served JWKS, written the way Cognito writes it. Empty Use and Alg
// and nil KeyOps are left out of the JSON.
type JWK struct {
	KID    string
	Key    *rsa.PublicKey
	Use    string
	Alg    string
	KeyOps []string
}

// DefaultJWKS is the pool's key set: the signing key, plus the same key material published
// under other kids with properties that must make it unusable (so only those properties
// can be why a token is rejected), plus a weak key.
func DefaultJWKS() []JWK {
	ks := Keys()
	pub := &ks.Primary.PublicKey
	return []JWK{
		{KID: KIDPrimary, Key: pub, Use: "sig", Alg: "RS256"},
		{KID: KIDEnc, Key: pub, Use: "enc", Alg: "RS256"},
		{KID: KIDRS384, Key: pub, Use: "sig", Alg: "RS384"},
		{KID: KIDBare, Key: pub},
		{KID: KIDWeak, Key: &ks.Weak.PublicKey, Use: "sig", Alg: "RS256"},
		{KID: KIDEncOps, Key: pub, KeyOps: []string{"encrypt"}},
	}
}

// RotatedJWK is Keys().Rotated published as a signing key under KIDRotated.
func RotatedJWK() JWK {
	return JWK{KID: KIDRotated, Key: &Keys().Rotated.PublicKey, Use: "sig", Alg: "RS256"}
}

// JWKSJSON returns the JWKS document {"keys": [...]} of keys.
func JWKSJSON(keys ...JWK) []byte {
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		m := map[string]any{
			"kty": "RSA",
			"kid": k.KID,
			"n":   base64.RawURLEncoding.EncodeToString(k.Key.N.Bytes()),
			"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.Key.E)).Bytes()),
		}
		if k.Use != "" {
			m["use"] = k.Use
		}
		if k.Alg != "" {
			m["alg"] = k.Alg
		}
		if k.KeyOps != nil {
			m["key_ops"] = k.KeyOps
		}
		out = append(out, m)
	}
	b, err := json.Marshal(map[string]any{"keys": out})
	if err != nil {
		panic("authtest: marshal JWKS: " + err.Error())
	}
	return b
}

// JWKSServer serves a JWKS on 127.0.0.1 (any path), counts its requests, and can change
// its key set, fail with a status, slow down, hang or be closed. It is safe for concurrent
// use.
type JWKSServer struct {
	srv  *httptest.Server
	hits atomic.Int64

	mu       sync.Mutex
	body     []byte
	status   int
	delay    time.Duration
	hang     chan struct{} // non-nil: requests block until it is closed
	lastPath string
}

// NewJWKSServer starts a server serving keys; it is closed when tb ends.
func NewJWKSServer(tb testing.TB, keys ...JWK) *JWKSServer {
	tb.Helper()
	s := &JWKSServer{body: JWKSJSON(keys...), status: http.StatusOK}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	if !strings.HasPrefix(s.srv.URL, "http://127.0.0.1:") {
		s.srv.Close()
		tb.Fatalf("authtest: JWKS server on %s, want 127.0.0.1", s.srv.URL)
	}
	tb.Cleanup(s.srv.Close)
	return s
}

func (s *JWKSServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	s.mu.Lock()
	body, status, delay, hang := s.body, s.status, s.delay, s.hang
	s.lastPath = r.URL.Path
	s.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
		return
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusOK {
		_, _ = w.Write(body)
	}
}

// URL is the server's base URL, http://127.0.0.1:PORT.
func (s *JWKSServer) URL() string { return s.srv.URL }

// JWKSURL is where the server publishes the pool's keys, as Cognito does:
// <URL>/<UserPoolID>/.well-known/jwks.json.
func (s *JWKSServer) JWKSURL() string { return auth.JWKSURLFor(s.srv.URL + "/" + UserPoolID) }

// Hits is the number of requests received so far.
func (s *JWKSServer) Hits() int64 { return s.hits.Load() }

// LastPath is the URL path of the latest request ("" before the first).
func (s *JWKSServer) LastPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastPath
}

// SetKeys replaces the served key set.
func (s *JWKSServer) SetKeys(keys ...JWK) {
	b := JWKSJSON(keys...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = b
}

// SetStatus makes later requests answer code (with the key set only for 200 OK).
func (s *JWKSServer) SetStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

// FailUntilCleanup makes requests answer 503 Service Unavailable (the endpoint is down,
// yet still counts requests) until tb ends, then 200 OK again.
func (s *JWKSServer) FailUntilCleanup(tb testing.TB) {
	s.SetStatus(http.StatusServiceUnavailable)
	tb.Cleanup(func() { s.SetStatus(http.StatusOK) })
}

// SetDelay delays every later answer by d.
func (s *JWKSServer) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// HangUntilCleanup makes every later request block, unanswered, until tb ends (or the
// client gives up). The release is registered with tb.Cleanup now, so it runs before the
// cleanups registered earlier, such as a verifier's Close that waits for a stuck refresh.
func (s *JWKSServer) HangUntilCleanup(tb testing.TB) {
	release := make(chan struct{})
	s.mu.Lock()
	s.hang = release
	s.mu.Unlock()
	tb.Cleanup(func() { close(release) })
}

// Close takes the server down for good: later requests fail to connect. It is idempotent.
func (s *JWKSServer) Close() { s.srv.Close() }
