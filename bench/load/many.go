package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// many configures the many-connections run (issue 13's target: RSS ≤ 150 MB while serving
// 1,000 concurrent connections): after the table, every server in turn gets -many
// keep-alive connections, each sending -many-workload requests back to back, for
// -many-duration. The server's peak RSS (VmHWM, reset first through clear_refs so the
// seeding does not count) and its RSS at the end (VmRSS) are read from /proc/<pid>/status,
// and its open descriptors are sampled to show the connections really were open at once.
var many struct {
	conns    int
	duration time.Duration
	workload string
}

type manySample struct {
	server     string
	store      string
	mode       string
	conns      int
	openConns  int // peak TCP sockets the server held (/proc/<pid>/fd), its store's included
	requests   uint64
	rps, p99   float64
	errors     int
	hwmMiB     float64 // peak RSS during the run (VmHWM after the reset)
	rssMiB     float64 // RSS at the end of the run
	sampledMiB float64 // the largest VmRSS sampled during the run
	hwmReset   bool
}

func (s *server) manyConns(w string, d time.Duration, n int) (manySample, error) {
	pid := s.cmd.Process.Pid
	out := manySample{server: s.name, store: s.store, mode: s.mode, conns: n}
	reqs, consumed := s.requests(w)
	if len(reqs) == 0 || consumed {
		return out, fmt.Errorf("workload %q: want a repeatable workload of the fixture", w)
	}
	// Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0).
	out.hwmReset = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	var stop atomic.Bool
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for !stop.Load() {
			out.sampledMiB = max(out.sampledMiB, statusMiB(pid, "VmRSS:"))
			out.openConns = max(out.openConns, sockets(pid))
			time.Sleep(50 * time.Millisecond)
		}
	}()
	var i atomic.Int64
	base := "http://" + s.addr
	targeter := func(t *vegeta.Target) error {
		r := reqs[int(i.Add(1)-1)%len(reqs)]
		t.Method, t.URL, t.Body = http.MethodPost, base+r.Path, r.Body
		t.Header = http.Header{}
		for k, v := range r.Header {
			t.Header.Set(k, v)
		}
		return nil
	}
	atk := vegeta.NewAttacker(vegeta.Workers(uint64(n)), vegeta.MaxWorkers(uint64(n)),
		vegeta.Connections(n), vegeta.MaxConnections(n), vegeta.KeepAlive(true), vegeta.Timeout(60*time.Second))
	var m vegeta.Metrics
	var firstErr string
	for res := range atk.Attack(targeter, vegeta.Rate{Freq: 0}, d, "many-"+w) {
		if res.Error != "" || res.Code != http.StatusOK || bytes.Contains(res.Body, []byte(`"errors"`)) {
			out.errors++
			if firstErr == "" {
				firstErr = fmt.Sprintf("HTTP %d %s %.300s", res.Code, res.Error, res.Body)
			}
		}
		m.Add(res)
	}
	m.Close()
	stop.Store(true)
	<-sampled
	out.hwmMiB = statusMiB(pid, "VmHWM:")
	out.rssMiB = statusMiB(pid, "VmRSS:")
	out.requests = m.Requests
	if m.Requests > 0 {
		out.rps = float64(m.Requests) / (m.Duration + m.Wait).Seconds()
		out.p99 = float64(m.Latencies.P99) / 1e6
	}
	if firstErr != "" {
		fmt.Fprintf(os.Stderr, "%s many connections: %d failed requests, first: %s\n", s.name, out.errors, firstErr)
	}
	atk.Stop()
	return out, nil
}

// statusMiB is a kB field of /proc/<pid>/status in MiB (0 when unreadable).
func statusMiB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field) {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// sockets counts pid's open socket descriptors.
func sockets(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

func printMany(w io.Writer, rows []manySample) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nMany connections: %d keep-alive connections per server, each sending %s back to back for %s (vegeta); target RSS ≤ 150 MB.\n",
		rows[0].conns, many.workload, many.duration)
	fmt.Fprintln(w, "Peak RSS is VmHWM over the run (reset before it), final RSS VmRSS at its end; sockets is the most the server held open at once (its store's included).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | sockets | requests | req/s | p99 ms | errors | peak RSS MiB | peak RSS MB | final RSS MiB | peak RSS ÷ floor |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].store < rows[j].store })
	floor := map[string]float64{}
	for _, r := range rows {
		if r.mode == "floor" {
			floor[r.store] = r.hwmMiB
		}
	}
	for _, r := range rows {
		ratio := ""
		if r.mode == "skygraph" && floor[r.store] > 0 {
			ratio = fmt.Sprintf("%.2f", r.hwmMiB/floor[r.store])
		}
		hwm := fmt.Sprintf("%.0f", r.hwmMiB)
		if !r.hwmReset {
			hwm += " (since start)"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %.0f | %.0f | %d | %s | %.0f | %.0f | %s |\n", r.server, r.openConns, r.requests, r.rps, r.p99, r.errors,
			hwm, r.hwmMiB*1.048576, r.rssMiB, ratio)
	}
}
