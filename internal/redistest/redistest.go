// Package redistest runs a real redis-server for tests that must stop and restart it (the
// relay's outage contract, the two-process fan-out test): each test gets its own process
// on a free 127.0.0.1 port, killed at the end.
//
// Without the binary the tests skip, unless SKYGRAPH_TEST_REQUIRE_REDIS=1 (set by
// scripts/with-services.sh, so `make test` fails instead: scripts/ci-deps.sh installs it) or
// CI=true.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// hangGuard bounds waiting for redis-server to answer or to exit.
const hangGuard = time.Minute

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	port int
	args []string
	dir  string
	// URL is redis://127.0.0.1:PORT (rediss:// with TLS).
	URL string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan error
	n      int // starts, for log file names
}

// Options adjust Start.
type Options struct {
	// TLSCertFile and TLSKeyFile serve TLS only (the plain port is disabled), as
	// ElastiCache Serverless does.
	TLSCertFile, TLSKeyFile string
}

// Binary is the redis-server to run: $SKYGRAPH_REDIS_SERVER, else redis-server on PATH.
func Binary() (string, bool) {
	if b := os.Getenv("SKYGRAPH_REDIS_SERVER"); b != "" {
		return b, true
	}
	b, err := exec.LookPath("redis-server")
	return b, err == nil
}

// Start starts a redis-server (skipping the test without one, see the package doc) and
// kills it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, ok := Binary()
	if !ok {
		if os.Getenv("SKYGRAPH_TEST_REQUIRE_REDIS") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed (SKYGRAPH_TEST_REQUIRE_REDIS=1): run scripts/ci-deps.sh")
		}
		t.Skip("redis-server is not installed (scripts/ci-deps.sh installs it)")
	}
	s := &Server{t: t, dir: t.TempDir()}
	// A free port may be taken between choosing and binding: try a few.
	var err error
	for range 5 {
		s.port = freePort(t)
		s.args = []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", s.dir}
		scheme := "redis"
		if opts.TLSCertFile != "" {
			scheme = "rediss"
			s.args = append(s.args, "--port", "0", "--tls-port", strconv.Itoa(s.port),
				"--tls-cert-file", opts.TLSCertFile, "--tls-key-file", opts.TLSKeyFile,
				"--tls-ca-cert-file", opts.TLSCertFile, "--tls-auth-clients", "no")
		} else {
			s.args = append(s.args, "--port", strconv.Itoa(s.port))
		}
		s.URL = fmt.Sprintf("%s://127.0.0.1:%d", scheme, s.port)
		if err = s.start(bin); err == nil {
			t.Cleanup(s.Kill)
			return s
		}
	}
	t.Fatalf("redis-server did not start: %v", err)
	return nil
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs the binary and waits until its log says it accepts connections (a TCP
// connect would not do for TLS; redis-server prints that line for both).
func (s *Server) start(bin string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	logf := filepath.Join(s.dir, fmt.Sprintf("redis-%d.log", s.n))
	cmd := exec.Command(bin, append(append([]string(nil), s.args...), "--logfile", logf)...)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(hangGuard)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !ready(logf) {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logf)
			return fmt.Errorf("redis-server exited (%w): %s", err, lastLines(string(b), 10))
		case <-tick.C:
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server did not accept connections within %s", hangGuard)
		}
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

func ready(logf string) bool {
	f, err := os.Open(logf)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Ready to accept connections") {
			return true
		}
	}
	return false
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Kill kills redis-server (SIGKILL, as a crash) and waits until it has exited, so its
// port is closed when Kill returns. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd, s.exited = nil, nil
}

// Restart starts redis-server again on the same port (empty: pub/sub keeps nothing).
func (s *Server) Restart() {
	s.t.Helper()
	bin, _ := Binary()
	if err := s.start(bin); err != nil {
		s.t.Fatalf("restart redis-server on port %d: %v", s.port, err)
	}
}

// NumSub is how many connections subscribe to channel now (PUBSUB NUMSUB): tests wait on it
// to know a relay's subscription is active, or gone after Close. Plain (non-TLS) servers.
func (s *Server) NumSub(t testing.TB, channel string) int64 {
	t.Helper()
	opt, err := redis.ParseURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	n, err := c.PubSubNumSub(context.Background(), channel).Result()
	if err != nil {
		t.Fatalf("PUBSUB NUMSUB: %v", err)
	}
	return n[channel]
}

// WaitNumSub polls NumSub until it is want (a hang guard bounds the wait).
func (s *Server) WaitNumSub(t testing.TB, channel string, want int64) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for s.NumSub(t, channel) != want {
		if time.Now().After(deadline) {
			t.Fatalf("PUBSUB NUMSUB %s never became %d", channel, want)
		}
		time.Sleep(20 * time.Millisecond) // polling Redis for an outcome
	}
}
