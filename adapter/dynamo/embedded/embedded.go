// Package embedded runs a DynamoDB-compatible endpoint inside the process (minidyn's HTTP
// server on 127.0.0.1), so `go run .` needs no AWS account, Java or Docker, and the app
// still talks to it through the real SDK client: one code path for every store.
//
// Data lives in memory and is gone when the process exits.
//
// The endpoint listens on loopback, where any local user could reach it: Start therefore
// makes a random access key id per process and refuses every request not signed with it
// (the SDK client of this process is the only one that has it), so another user of the
// machine can neither read the password hashes nor add themselves to Admin.
package embedded

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	miniserver "github.com/truora/minidyn/server"
)

// Server is a running embedded endpoint.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:40123.
	URL string
	// Mini is minidyn's server, for tests that emulate failures (EmulateUnprocessedItems).
	Mini *miniserver.Server
	// AccessKeyID is the only access key id the endpoint accepts (empty: any, StartOpen).
	// The SDK client must sign with it; the secret key is not checked.
	AccessKeyID string
	http        *http.Server
	done        chan error
	// tables guards minidyn's table map, which minidyn reads without a lock: table
	// management (CreateTable, UpdateTable, DeleteTable) holds it exclusively, every other
	// call shared. Close takes it exclusively too, so it returns only after every handler
	// in flight has finished.
	tables sync.RWMutex
	closed bool // set by Close under tables' exclusive lock
}

// Start listens on a free loopback port and serves until Close, only to clients that
// sign with AccessKeyID.
func Start() (*Server, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("embedded dynamodb: access key: %w", err)
	}
	return start("SKYGRAPH" + strings.ToUpper(hex.EncodeToString(b)))
}

// StartOpen is Start without the access key check, for test backends that many clients
// share (any credentials are accepted, as by DynamoDB Local).
func StartOpen() (*Server, error) { return start("") }

func start(accessKeyID string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded dynamodb: listen: %w", err)
	}
	mini := miniserver.NewServer()
	s := &Server{
		URL:         "http://" + ln.Addr().String(),
		Mini:        mini,
		AccessKeyID: accessKeyID,
		done:        make(chan error, 1),
	}
	h := s.guard(mini)
	if accessKeyID != "" {
		h = requireAccessKey(accessKeyID, h)
	}
	s.http = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// guard serialises table management against every other call. minidyn v0.8.2 keeps its
// tables in a plain map: a DeleteTable (a test's clean-up) next to a call still being
// served (a request its client abandoned) was a data race and a nil-pointer panic in
// prepareTransact. Tables are created and deleted rarely, so the exclusive lock costs
// nothing in practice. A call that arrives after Close is refused.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isTableManagement(r.Header.Get("X-Amz-Target")) {
			s.tables.Lock()
			defer s.tables.Unlock()
		} else {
			s.tables.RLock()
			defer s.tables.RUnlock()
		}
		if s.closed {
			http.Error(w, "embedded dynamodb: closed", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isTableManagement reports whether an X-Amz-Target (DynamoDB_20120810.DeleteTable) changes
// minidyn's table map.
func isTableManagement(target string) bool {
	op := target[strings.LastIndexByte(target, '.')+1:]
	return op == "CreateTable" || op == "UpdateTable" || op == "DeleteTable"
}

// Close stops the endpoint and returns once every call in flight has been answered (or
// abandoned by its client), so nothing touches the store after Close. The app closes it
// only after its own HTTP server has drained. It does not use http.Server.Shutdown, which
// would wait 5 s for the SDK's pre-opened, never-used connections (net/http treats them as
// active until then); Close drops idle connections at once and the lock waits for the
// handlers still running.
func (s *Server) Close() error {
	err := s.http.Close()
	s.tables.Lock() // every handler in flight has returned
	s.closed = true
	s.tables.Unlock()
	if err != nil {
		return fmt.Errorf("embedded dynamodb: close: %w", err)
	}
	return <-s.done
}

// requireAccessKey refuses requests whose SigV4 Authorization header does not name key
// (Credential=KEY/date/region/service/aws4_request), as DynamoDB answers an unknown key.
func requireAccessKey(key string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := ""
		if _, after, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
			got, _, _ = strings.Cut(after, "/")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(key)) != 1 {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#UnrecognizedClientException","message":"The security token included in the request is invalid."}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}
