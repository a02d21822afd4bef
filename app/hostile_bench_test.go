package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/skygraph/skygraph/adapter/dynamo/dynamotest"
	"github.com/skygraph/skygraph/internal/hostile"
)

// BenchmarkMixedHostileLoad is the mixed load of issue 10: the sample frontend's flight
// search over real HTTP (two clients), with a hostile request interleaved after every
// fourth search (every case of the probe in turn, a forged token, a huge body). It reports
// the good requests' error rate and the process's RSS before and after; good requests must
// keep under 1 % errors and memory must stay flat. A benchmark, not a timed test: run it
// with a bounded count or time, e.g.
//
//	go test ./app -run '^$' -bench MixedHostileLoad -benchtime 60s
func BenchmarkMixedHostileLoad(b *testing.B) {
	e := newEnvTB(b, dynamotest.Backends(b)[0])
	srv := httptest.NewServer(e.app.Handler)
	defer srv.Close()
	search := hostile.Request(sampleSearch, map[string]any{
		"departureAirportCode":            "LGW",
		"arrivalAirportCodeDepartureDate": map[string]any{"beginsWith": map[string]any{"arrivalAirportCode": "MAD", "departureDate": day(1)}},
		"filter":                          map[string]any{"seatCapacity": map[string]any{"gt": 0}},
		"limit":                           5,
	})
	type attack struct {
		body  []byte
		token string
	}
	var attacks []attack
	for _, c := range hostile.Cases() {
		attacks = append(attacks, attack{body: c.Body})
	}
	attacks = append(attacks, attack{body: search, token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."})
	post := func(body []byte, token string) (int, []byte, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		return res.StatusCode, raw, err
	}
	var good, goodErrors, bad, serverErrors atomic.Int64
	var next atomic.Int64
	rssBefore := rssMiB()
	b.ResetTimer()
	b.SetParallelism(1)
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			status, raw, err := post(search, "")
			good.Add(1)
			var out struct {
				Errors []any
				Data   struct{ GetFlightBySchedule struct{ Items []any } }
			}
			if err != nil || status != http.StatusOK || json.Unmarshal(raw, &out) != nil || len(out.Errors) > 0 || len(out.Data.GetFlightBySchedule.Items) == 0 {
				goodErrors.Add(1)
			}
			if i%4 == 3 {
				a := attacks[int(next.Add(1))%len(attacks)]
				status, _, _ := post(a.body, a.token)
				bad.Add(1)
				if status >= 500 {
					serverErrors.Add(1)
				}
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(100*float64(goodErrors.Load())/float64(max(good.Load(), 1)), "good-error-%")
	b.ReportMetric(float64(bad.Load()), "hostile-requests")
	b.ReportMetric(float64(serverErrors.Load()), "hostile-5xx")
	b.ReportMetric(rssBefore, "rss-start-MiB")
	b.ReportMetric(rssMiB(), "rss-end-MiB")
}

// rssMiB is this process's resident set (Linux; 0 elsewhere).
func rssMiB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
