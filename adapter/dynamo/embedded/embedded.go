// Package embedded runs a DynamoDB-compatible endpoint inside the process (minidyn's HTTP
// server on 127.0.0.1), so `go run .` needs no AWS account, Java or Docker, and the app
// still talks to it through the real SDK client: one code path for every store.
//
// Data lives in memory and is gone when the process exits.
package embedded

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	miniserver "github.com/truora/minidyn/server"
)

// Server is a running embedded endpoint.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:40123.
	URL string
	// Mini is minidyn's server, for tests that emulate failures (EmulateUnprocessedItems).
	Mini *miniserver.Server
	http *http.Server
	done chan error
}

// Start listens on a free loopback port and serves until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded dynamodb: listen: %w", err)
	}
	mini := miniserver.NewServer()
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		Mini: mini,
		http: &http.Server{Handler: mini, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan error, 1),
	}
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Close stops the endpoint at once. The app closes it only after its own HTTP server has
// drained, so no call is in flight; a graceful Shutdown would instead wait 5 s for the SDK's
// pre-opened, never-used connections (net/http treats them as active until then).
func (s *Server) Close() error {
	if err := s.http.Close(); err != nil {
		return fmt.Errorf("embedded dynamodb: close: %w", err)
	}
	return <-s.done
}
