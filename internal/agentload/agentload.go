// Package agentload is the load test of apcv agent: many concurrent
// clients, each sending a paced series of requests that mix GET /v1/health,
// GET /v1/readers, POST /v1/read and GET /v1/events, with the latency of
// each and every answer that is not the documented one counted as an
// error. The agent's tests run a short load; `go run
// ./benchmarks/cmd/agentload` the full one (50 clients × 200 requests over
// 60 s) with the goroutine and file descriptor counts before and after.
//
//	rep, err := agentload.Run(ctx, agentload.Options{URL: url, Token: tok, Clients: 50, Requests: 200, Duration: time.Minute})
package agentload

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options of a load run.
type Options struct {
	URL, Token string
	// Clients run concurrently; each sends Requests requests, paced evenly
	// over Duration (0: as fast as it can).
	Clients, Requests int
	Duration          time.Duration
	// ReadTimeoutMS is the timeout_ms of each read (default 10000).
	ReadTimeoutMS int
	// Seed makes the mix of requests reproducible.
	Seed uint64
}

// Kinds of requests, in the mix's order.
var Kinds = []string{"health", "readers", "read", "events"}

// weights of the mix: health 30 %, readers 30 %, read 30 %, events 10 %.
var weights = []int{30, 30, 30, 10}

// Stat is the tally of one kind of request.
type Stat struct {
	Count     int             // requests sent
	Status    map[int]int     // answers by HTTP status
	Errors    int             // answers that are neither a success nor the documented 409
	Latencies []time.Duration // of every answer (events: until the first event)
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the latencies.
func (s *Stat) Percentile(p float64) time.Duration {
	if len(s.Latencies) == 0 {
		return 0
	}
	l := slices.Clone(s.Latencies)
	slices.Sort(l)
	i := int(float64(len(l))*p/100+0.5) - 1
	return l[max(0, min(i, len(l)-1))]
}

// Report is the outcome of a run.
type Report struct {
	Stats   map[string]*Stat
	Elapsed time.Duration
	// FirstErrors are the first unexpected answers, described.
	FirstErrors []string
}

// Errors returns the number of unexpected answers of every kind.
func (r *Report) Errors() int {
	n := 0
	for _, s := range r.Stats {
		n += s.Errors
	}
	return n
}

// All returns the tally of every request together.
func (r *Report) All() *Stat {
	all := &Stat{Status: map[int]int{}}
	for _, s := range r.Stats {
		all.Count += s.Count
		all.Errors += s.Errors
		all.Latencies = append(all.Latencies, s.Latencies...)
		for k, v := range s.Status {
			all.Status[k] += v
		}
	}
	return all
}

// String is the report as a table: per kind, the count, the answers by
// status, the errors and the latency percentiles.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %6s %-22s %6s %9s %9s %9s\n", "kind", "count", "statuses", "errors", "p50", "p99", "max")
	row := func(name string, s *Stat) {
		var st []string
		for _, k := range slices.Sorted(maps.Keys(s.Status)) {
			st = append(st, fmt.Sprintf("%d×%d", k, s.Status[k]))
		}
		fmt.Fprintf(&b, "%-8s %6d %-22s %6d %9s %9s %9s\n", name, s.Count, strings.Join(st, " "), s.Errors,
			s.Percentile(50).Round(10*time.Microsecond), s.Percentile(99).Round(10*time.Microsecond), s.Percentile(100).Round(10*time.Microsecond))
	}
	for _, k := range Kinds {
		if s, ok := r.Stats[k]; ok {
			row(k, s)
		}
	}
	row("all", r.All())
	fmt.Fprintf(&b, "elapsed %s\n", r.Elapsed.Round(time.Millisecond))
	return b.String()
}

// Run sends the load and returns the tally. It returns an error only when
// the run could not be made (ctx ended); unexpected answers are counted in
// the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.ReadTimeoutMS == 0 {
		o.ReadTimeoutMS = 10000
	}
	tr := &http.Transport{MaxIdleConnsPerHost: o.Clients * 2}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	rep := &Report{Stats: map[string]*Stat{}}
	for _, k := range Kinds {
		rep.Stats[k] = &Stat{Status: map[int]int{}}
	}
	var mu sync.Mutex
	record := func(kind string, status int, lat time.Duration, bad string) {
		mu.Lock()
		defer mu.Unlock()
		s := rep.Stats[kind]
		s.Count++
		s.Status[status]++
		s.Latencies = append(s.Latencies, lat)
		if bad != "" {
			s.Errors++
			if len(rep.FirstErrors) < 10 {
				rep.FirstErrors = append(rep.FirstErrors, kind+": "+bad)
			}
		}
	}
	var every time.Duration
	if o.Requests > 0 {
		every = o.Duration / time.Duration(o.Requests)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for c := range o.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(o.Seed, uint64(c)))
			next := start.Add(time.Duration(rng.Int64N(int64(every) + 1))) // spread the clients' phases
			for range o.Requests {
				if every > 0 {
					select {
					case <-time.After(time.Until(next)):
					case <-ctx.Done():
						return
					}
					next = next.Add(every)
				}
				kind := pick(rng)
				status, lat, bad := do(ctx, cl, o, kind)
				record(kind, status, lat, bad)
			}
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	return rep, ctx.Err()
}

func pick(rng *rand.Rand) string {
	n := rng.IntN(100)
	for i, w := range weights {
		if n < w {
			return Kinds[i]
		}
		n -= w
	}
	return Kinds[0]
}

// do sends one request of kind and returns its status, its latency and
// why the answer is unexpected ("" when it is not).
func do(ctx context.Context, cl *http.Client, o Options, kind string) (status int, lat time.Duration, bad string) {
	method, path, body := "GET", "/v1/"+kind, ""
	if kind == "read" {
		method, body = "POST", fmt.Sprintf(`{"timeout_ms":%d}`, o.ReadTimeoutMS)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, o.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, 0, err.Error()
	}
	if kind != "health" {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	t0 := time.Now()
	resp, err := cl.Do(req)
	if err != nil {
		return 0, time.Since(t0), err.Error()
	}
	defer resp.Body.Close()
	if kind == "events" && resp.StatusCode == http.StatusOK {
		// Until the first event (a device-added per device), then hang up.
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				return resp.StatusCode, time.Since(t0), ""
			}
		}
		return resp.StatusCode, time.Since(t0), fmt.Sprintf("stream ended before its first event: %v", sc.Err())
	}
	b, err := io.ReadAll(resp.Body)
	lat = time.Since(t0)
	switch {
	case err != nil:
		return resp.StatusCode, lat, err.Error()
	case resp.StatusCode == http.StatusOK:
		return resp.StatusCode, lat, ""
	case kind == "read" && resp.StatusCode == http.StatusConflict && strings.Contains(string(b), `"code":"busy"`):
		return resp.StatusCode, lat, "" // the documented answer to a read while another runs
	}
	return resp.StatusCode, lat, fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b)))
}
