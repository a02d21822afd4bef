// Command load is `make bench`'s load run (issue 13). It starts the bench servers (the
// bench/serve binary: skygraph and the bare floor, each on the embedded store and, when
// SKYGRAPH_TEST_DYNAMODB_ENDPOINT is set, on DynamoDB Local), lets each seed its workloads,
// then drives every workload with vegeta (an established generator, used as a library) in
// interleaved rounds, closed loop with -conns requests in flight, for -duration each. It
// reads each server's CPU time (utime+stime) and RSS from /proc/<pid>/, its DynamoDB call
// count from GET /_bench/calls, and allocations per operation from a `go test -bench
// BenchmarkWorkload -benchmem` output (-benchfile), and prints a Markdown table with the
// ratios to the floor on the same store. It only talks to 127.0.0.1.
//
// It is its own Go module so the server's go.mod does not carry vegeta.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The fixture as bench/floor writes it (bench/floor.Fixture).
type request struct {
	Path   string            `json:"path"`
	Body   json.RawMessage   `json:"body"`
	Header map[string]string `json:"header,omitempty"`
}

type workload struct {
	Name     string    `json:"name"`
	Consumed bool      `json:"consumed,omitempty"`
	Skygraph []request `json:"skygraph"`
	Floor    []request `json:"floor"`
}

type fixture struct {
	Workloads []workload `json:"workloads"`
}

type server struct {
	name, mode, store string
	cmd               *exec.Cmd
	addr              string
	fx                fixture
	next              map[string]int // consumed workloads: the next unused request
}

// profileDir, when set, receives pprof profiles (see -profile).
var profileDir string

// openRate, when set, sends every server the same requests per second (-rate), so costs
// per request that depend on the load (the store's CPU per request) compare at one load.
var openRate int

type sample struct {
	rps, p50, p99, cpuMS, calls float64
	rcu, wcu                    float64 // consumed capacity units per operation
	storeCPUMS                  float64 // DynamoDB Local's CPU per request (0: not measured)
	rssMiB                      float64
	errors                      int
	requests                    uint64
}

// usage is GET /_bench/calls: DynamoDB calls and consumed capacity so far.
type usage struct {
	Total    int
	RCU, WCU float64
}

// storePID is DynamoDB Local's process (scripts/with-services.sh exports it), whose CPU per
// request is measured for the dynamodb-local runs; 0 when unknown.
var storePID, _ = strconv.Atoi(os.Getenv("SKYGRAPH_DDBLOCAL_PID"))

// storeIdle is DynamoDB Local's CPU when nobody calls it (its JVM's own threads), in clock
// ticks per second, measured once before the runs and taken off each run's store CPU, so a
// slower server is not charged more store CPU per request for the idle JVM's time.
var storeIdle float64

func main() {
	serveBin := flag.String("serve", "build/bench/serve", "the bench/serve binary")
	duration := flag.Duration("duration", 4*time.Second, "length of one run")
	warmup := flag.Duration("warmup", time.Second, "unmeasured run before each server's first measured run of a workload")
	rounds := flag.Int("rounds", 2, "interleaved rounds")
	conns := flag.Int("conns", 32, "requests in flight (connections)")
	benchfile := flag.String("benchfile", "", "go test -bench BenchmarkWorkload -benchmem output, for allocs/op")
	workdir := flag.String("workdir", os.TempDir(), "where fixtures and server logs go")
	only := flag.String("workloads", "", "comma-separated workloads (default all)")
	flag.StringVar(&profileDir, "profile", "", "save CPU and allocation profiles of round 1's DynamoDB Local runs here")
	flag.IntVar(&openRate, "rate", 0, "requests per second, the same for every server (open loop, at most -conns in flight); 0: closed loop, as fast as each server answers")
	flag.IntVar(&many.conns, "many", 1000, "the connections of the many-connections run (issue 13: RSS ≤ 150 MB at 1,000); 0 skips it")
	flag.DurationVar(&many.duration, "many-duration", 3*time.Second, "length of the many-connections run against each server")
	flag.StringVar(&many.workload, "many-workload", "flight-search", "the workload of the many-connections run")
	flag.Parse()
	if err := run(*serveBin, *duration, *warmup, *rounds, *conns, *benchfile, *workdir, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench load:", err)
		os.Exit(1)
	}
}

func run(serveBin string, duration, warmup time.Duration, rounds, conns int, benchfile, workdir, only string) error {
	ddb := os.Getenv("SKYGRAPH_TEST_DYNAMODB_ENDPOINT")
	var servers []*server
	stores := []string{"embedded"}
	if ddb != "" {
		stores = append(stores, "dynamodb-local")
	}
	for _, st := range stores {
		for _, mode := range []string{"skygraph", "floor"} {
			servers = append(servers, &server{name: mode + "/" + st, mode: mode, store: st, next: map[string]int{}})
		}
	}
	defer func() {
		for _, s := range servers {
			if s.cmd != nil && s.cmd.Process != nil {
				_ = s.cmd.Process.Signal(os.Interrupt)
				_ = s.cmd.Wait()
			}
		}
	}()
	start := time.Now()
	// Seeding is store-bound; start the servers one store at a time.
	errs := make(chan error, len(servers))
	for _, s := range servers {
		go func() { errs <- s.start(serveBin, workdir, ddb) }()
	}
	var startErr error
	for range servers {
		startErr = errors.Join(startErr, <-errs)
	}
	if startErr != nil {
		return startErr
	}
	fmt.Fprintf(os.Stderr, "servers seeded and ready in %s\n", time.Since(start).Round(time.Second))
	if storePID > 0 {
		if t0, err := cpuTicks(storePID); err == nil {
			time.Sleep(3 * time.Second)
			if t1, err := cpuTicks(storePID); err == nil {
				storeIdle = float64(t1-t0) / 3
			}
		}
	}
	names := workloadNames(servers[0].fx, only)
	results := map[string][]sample{} // workload|server
	client := &http.Client{Timeout: 10 * time.Second}
	for round := range rounds {
		for _, w := range names {
			// Interleave: the server order rotates every round.
			for k := range servers {
				s := servers[(k+round)%len(servers)]
				if round == 0 && warmup > 0 {
					if _, err := s.attack(client, w, warmup, conns, rounds+1); err != nil {
						return err
					}
				}
				var prof chan error
				if profileDir != "" && round == 0 && s.store == "dynamodb-local" {
					prof = make(chan error, 1)
					go func() { prof <- s.profile(w, duration) }()
				}
				sm, err := s.attack(client, w, duration, conns, rounds+1)
				if prof != nil {
					if perr := <-prof; perr != nil {
						fmt.Fprintf(os.Stderr, "profile %s %s: %v\n", s.name, w, perr)
					}
				}
				if err != nil {
					return err
				}
				results[w+"|"+s.name] = append(results[w+"|"+s.name], sm)
				fmt.Fprintf(os.Stderr, "round %d %-20s %-24s %8.0f req/s p99 %6.1f ms cpu %.3f ms/req %d errors\n",
					round+1, w, s.name, sm.rps, sm.p99, sm.cpuMS, sm.errors)
			}
		}
	}
	allocs := readAllocs(benchfile)
	if rounds > 0 {
		printTable(os.Stdout, names, servers, results, allocs, rounds, conns, duration)
	}
	if many.conns > 0 {
		var rows []manySample
		for _, s := range servers {
			r, err := s.manyConns(many.workload, many.duration, many.conns)
			if err != nil {
				return fmt.Errorf("%s: many-connections run: %w", s.name, err)
			}
			fmt.Fprintf(os.Stderr, "many connections %-24s %d open, %8.0f req/s, peak RSS %.0f MiB, %d errors\n", s.name, r.openConns, r.rps, r.hwmMiB, r.errors)
			rows = append(rows, r)
		}
		printMany(os.Stdout, rows)
	}
	return nil
}

func workloadNames(fx fixture, only string) []string {
	var out []string
	for _, w := range fx.Workloads {
		if only == "" || strings.Contains(","+only+",", ","+w.Name+",") {
			out = append(out, w.Name)
		}
	}
	return out
}

func (s *server) start(bin, workdir, ddb string) error {
	fxPath := filepath.Join(workdir, strings.ReplaceAll(s.name, "/", "-")+".fixture.json")
	logPath := filepath.Join(workdir, strings.ReplaceAll(s.name, "/", "-")+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	args := []string{"-mode", s.mode, "-fixture", fxPath}
	env := os.Environ()
	if s.store == "dynamodb-local" {
		table := fmt.Sprintf("bench-%s-%d", s.mode, time.Now().UnixNano())
		env = append(env, "SKYGRAPH_TABLE="+table, "SKYGRAPH_DYNAMODB_ENDPOINT="+ddb)
		args = append(args, "-create-table")
	} else {
		env = append(env, "SKYGRAPH_TABLE=", "SKYGRAPH_DYNAMODB_ENDPOINT=")
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = env
	s.cmd.Stderr = logf
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%s did not start (%v): %s", s.name, err, log)
	}
	s.addr = strings.TrimSpace(strings.TrimPrefix(line, "ready "))
	b, err := os.ReadFile(fxPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s ready on %s (pid %d)\n", s.name, s.addr, s.cmd.Process.Pid)
	return json.Unmarshal(b, &s.fx)
}

func (s *server) requests(w string) (reqs []request, consumed bool) {
	for _, x := range s.fx.Workloads {
		if x.Name == w {
			if s.mode == "floor" {
				return x.Floor, x.Consumed
			}
			return x.Skygraph, x.Consumed
		}
	}
	return nil, false
}

// attack runs workload w against s for d. A consumed workload's requests (one payment hold
// each) are shared out: one run sends at most 1/shares of them, and stops early when they
// run out.
func (s *server) attack(client *http.Client, w string, d time.Duration, conns, shares int) (sample, error) {
	reqs, consumed := s.requests(w)
	if len(reqs) == 0 {
		return sample{}, fmt.Errorf("%s: no requests for %s", s.name, w)
	}
	var i atomic.Int64
	if consumed {
		i.Store(int64(s.next[w]))
		reqs = reqs[:min(len(reqs), s.next[w]+len(reqs)/shares)]
	}
	base := "http://" + s.addr
	targeter := func(t *vegeta.Target) error {
		n := i.Add(1) - 1
		var r request
		if consumed {
			if int(n) >= len(reqs) {
				return vegeta.ErrNoTargets
			}
			r = reqs[n]
		} else {
			r = reqs[int(n)%len(reqs)]
		}
		t.Method, t.URL, t.Body = http.MethodPost, base+r.Path, r.Body
		t.Header = http.Header{}
		for k, v := range r.Header {
			t.Header.Set(k, v)
		}
		return nil
	}
	calls0, err := s.calls(client)
	if err != nil {
		return sample{}, err
	}
	cpu0, err := cpuTicks(s.cmd.Process.Pid)
	if err != nil {
		return sample{}, err
	}
	store0, storeErr := int64(0), errors.New("not measured")
	if s.store == "dynamodb-local" && storePID > 0 {
		store0, storeErr = cpuTicks(storePID)
	}
	atk := vegeta.NewAttacker(vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)),
		vegeta.Connections(conns), vegeta.MaxConnections(conns), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	began := time.Now()
	var m vegeta.Metrics
	errs := 0
	var firstErr string
	for res := range atk.Attack(targeter, vegeta.Rate{Freq: openRate, Per: time.Second}, d, w) {
		if res.Error == vegeta.ErrNoTargets.Error() {
			continue
		}
		if res.Error != "" || res.Code != http.StatusOK || bytes.Contains(res.Body, []byte(`"errors"`)) {
			errs++
			if firstErr == "" {
				firstErr = fmt.Sprintf("HTTP %d %s %.300s", res.Code, res.Error, res.Body)
			}
		}
		m.Add(res)
	}
	m.Close()
	cpu1, err := cpuTicks(s.cmd.Process.Pid)
	if err != nil {
		return sample{}, err
	}
	if storeErr == nil {
		var store1 int64
		if store1, storeErr = cpuTicks(storePID); storeErr == nil {
			store0 = store1 - store0 - int64(storeIdle*time.Since(began).Seconds())
		}
	}
	calls1, err := s.calls(client)
	if err != nil {
		return sample{}, err
	}
	if consumed {
		s.next[w] = int(i.Load())
	}
	if firstErr != "" {
		fmt.Fprintf(os.Stderr, "%s %s: %d failed requests, first: %s\n", s.name, w, errs, firstErr)
	}
	sm := sample{requests: m.Requests, errors: errs, rssMiB: rssMiB(s.cmd.Process.Pid)}
	if m.Requests > 0 {
		sm.rps = float64(m.Requests) / (m.Duration + m.Wait).Seconds()
		sm.p50 = float64(m.Latencies.P50) / 1e6
		sm.p99 = float64(m.Latencies.P99) / 1e6
		sm.cpuMS = float64(cpu1-cpu0) * 10 / float64(m.Requests) // USER_HZ = 100
		sm.calls = float64(calls1.Total-calls0.Total) / float64(m.Requests)
		sm.rcu = (calls1.RCU - calls0.RCU) / float64(m.Requests)
		sm.wcu = (calls1.WCU - calls0.WCU) / float64(m.Requests)
		if storeErr == nil {
			sm.storeCPUMS = float64(store0) * 10 / float64(m.Requests)
		}
	}
	return sm, nil
}

// profile saves, to profileDir, a CPU profile of s over the next d (less a second, inside
// the run) and the allocation profiles (cumulative since start) before and after it.
func (s *server) profile(w string, d time.Duration) error {
	base := filepath.Join(profileDir, w+"-"+strings.ReplaceAll(s.name, "/", "-"))
	secs := max(1, int(d.Seconds())-1)
	get := func(path, file string) error {
		resp, err := http.Get("http://" + s.addr + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(f, resp.Body)
		return err
	}
	// allocs0 and allocs bracket the CPU profile: pprof -diff_base allocs0 shows the run's.
	if err := get("/debug/pprof/allocs", base+".allocs0"); err != nil {
		return err
	}
	if err := get(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), base+".cpu"); err != nil {
		return err
	}
	return get("/debug/pprof/allocs", base+".allocs")
}

func (s *server) calls(client *http.Client) (usage, error) {
	resp, err := client.Get("http://" + s.addr + "/_bench/calls")
	if err != nil {
		return usage{}, err
	}
	defer resp.Body.Close()
	var out usage
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out, err
}

// cpuTicks is utime+stime of pid in clock ticks (/proc/<pid>/stat fields 14 and 15).
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from after its ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + st, errors.Join(err1, err2)
}

func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

var benchLine = regexp.MustCompile(`^BenchmarkWorkload/([^/]+)/([^/]+)/([^-\s]+)(?:-\d+)?\s.*?(\d+) allocs/op`)

// readAllocs maps "workload|mode/store" to allocs/op from a go test -bench output.
func readAllocs(path string) map[string]string {
	out := map[string]string{}
	if path == "" {
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := benchLine.FindStringSubmatch(sc.Text()); m != nil {
			store := m[2]
			if store == "dynamodb-local" || strings.HasPrefix(store, "dynamodb") {
				store = "dynamodb-local"
			}
			out[m[1]+"|"+m[3]+"/"+store] = m[4]
		}
	}
	return out
}

func mean(xs []sample, f func(sample) float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	t := 0.0
	for _, x := range xs {
		t += f(x)
	}
	return t / float64(len(xs))
}

func maxOf(xs []sample, f func(sample) float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, f(x))
	}
	return m
}

func printTable(w io.Writer, names []string, servers []*server, res map[string][]sample, allocs map[string]string, rounds, conns int, d time.Duration) {
	fmt.Fprintf(w, "\n%d rounds × %s per run, %d requests in flight (vegeta), mean of the rounds; ratios are skygraph ÷ the floor on the same store.\n\n", rounds, d, conns)
	fmt.Fprintln(w, "RCU/WCU: read/write capacity units consumed per operation, as DynamoDB Local reports them (the embedded store reports none: –);")
	fmt.Fprintf(w, "store CPU: DynamoDB Local's CPU per request (/proc), when its pid is known, less its idle CPU (%.0f ms/s).\n", storeIdle*10)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workload | server | req/s (rounds) | p50 ms | p99 ms | ddb calls/op | RCU/op | WCU/op | CPU ms/req | store CPU ms/req | allocs/op | RSS MiB | req/s ÷ floor | p99 ÷ floor | CPU ÷ floor |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, n := range names {
		sorted := append([]*server(nil), servers...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].store < sorted[j].store })
		for _, s := range sorted {
			xs := res[n+"|"+s.name]
			var per []string
			for _, x := range xs {
				per = append(per, fmt.Sprintf("%.0f", x.rps))
			}
			rps := mean(xs, func(x sample) float64 { return x.rps })
			p99 := mean(xs, func(x sample) float64 { return x.p99 })
			cpu := mean(xs, func(x sample) float64 { return x.cpuMS })
			ratios := "| | |"
			if s.mode == "skygraph" {
				fl := res[n+"|floor/"+s.store]
				frps := mean(fl, func(x sample) float64 { return x.rps })
				fp99 := mean(fl, func(x sample) float64 { return x.p99 })
				fcpu := mean(fl, func(x sample) float64 { return x.cpuMS })
				ratios = fmt.Sprintf("%.2f | %.2f | %.2f |", rps/frps, p99/fp99, cpu/fcpu)
			}
			a := allocs[n+"|"+s.mode+"/"+s.store]
			if a == "" {
				a = "–"
			}
			errs := 0
			for _, x := range xs {
				errs += x.errors
			}
			name := n
			if errs > 0 {
				name += fmt.Sprintf(" (%d errors)", errs)
			}
			rcu, wcu, store := "–", "–", "–"
			if s.store == "dynamodb-local" {
				rcu = fmt.Sprintf("%.2f", mean(xs, func(x sample) float64 { return x.rcu }))
				wcu = fmt.Sprintf("%.2f", mean(xs, func(x sample) float64 { return x.wcu }))
				if sc := mean(xs, func(x sample) float64 { return x.storeCPUMS }); sc > 0 {
					store = fmt.Sprintf("%.3f", sc)
				}
			}
			fmt.Fprintf(w, "| %s | %s | %.0f (%s) | %.1f | %.1f | %.2f | %s | %s | %.3f | %s | %s | %.0f | %s\n", name, s.name, rps, strings.Join(per, ", "),
				mean(xs, func(x sample) float64 { return x.p50 }), p99, mean(xs, func(x sample) float64 { return x.calls }), rcu, wcu, cpu, store, a,
				maxOf(xs, func(x sample) float64 { return x.rssMiB }), ratios)
		}
	}
}
