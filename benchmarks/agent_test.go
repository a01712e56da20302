package benchmarks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/agent"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
)

var sinkIdentityJSON reader.IdentityJSON

// BenchmarkAgentRead is the cost of reading through apcv agent: POST
// /v1/read over loopback HTTP (keep-alive), the identity decoded from its
// JSON by the client, against the Go reader.Read of the same kind of
// presentation — a QR text already presented (waiting at the scanner),
// made by an emulated phone of the same profile — in the same iterations,
// interleaved. The agent reads the in-memory emulated phone of its
// configuration (Emulate{Mode: "qr", Presented: N}), the Go side a
// reader.Reader over a QR source holding N texts of its own emulated
// phone: each side verifies a presentation of the same family, size and
// signatures once. Ratios are of the medians (goal ≤ 1.5).
//
// Two clients, because vendors' programs are not Go: x-go is the agent
// (served by its own HTTP/1.1 server, internal/h1) read by net/http's
// client (http.Transport: a request goes through its write and read
// goroutines, two hand-offs); x-go-sync is the same agent read by a
// synchronous HTTP/1.1 client on one kept-alive connection — write the
// request, read the answer in the caller's goroutine — which is what
// Python's http.client, libcurl's easy interface, .NET's and Delphi's
// blocking clients do. Both clients decode the identity with encoding/json
// (reflective: a client's JSON parser is its own cost, and Go's is not a
// fast one); sync-client-json-µs-median is that decoding's share of the
// synchronous client's read, and x-go-sync-less-client-json the ratio
// without it (for a client whose parser costs nothing: a bound, not the
// goal's figure). x-go-nethttp is an agent served by net/http's
// server (Options.NetHTTP) read by net/http's client: the agent before
// internal/h1, in the same run. x-go-cpu is the ratio of the CPU time used
// by each side (the agent's side counts its HTTP client too).
//
// Floors, in the same iterations: bare-http is a loopback round trip
// (net/http server and client) to a bare handler answering the same
// identity JSON from memory, decoded the same way; x-go-less-bare-http is
// (agent − bare) / go. desk-http is the floor of any HTTP agent that reads
// on net/http: a minimal net/http handler that calls desk.Session.Read (the
// session core the agent serves, over its own emulated phone of the same
// profile) and answers json.Marshal of the identity, with nothing of the
// agent (token, routes, limits); x-desk-http is its ratio to go, and
// agent-less-desk-http-µs what the agent (with internal/h1) adds to it or
// saves. BenchmarkLoopback splits these round trips further.
func BenchmarkAgentRead(b *testing.B) {
	for _, profile := range []string{"isere-solo", "famille-6-drome"} {
		b.Run("profile="+profile, func(b *testing.B) {
			ctx := context.Background()
			r := presentedReader(b, profile, b.N)

			// Two ways read this agent each iteration (its two clients):
			// 2N codes presented, so that no read has to make one.
			a, err := agent.New(ctx, agent.Config{Emulate: &agent.Emulate{Profile: profile, Mode: "qr", Presented: 2 * b.N}},
				agent.Options{Token: agent.NewToken()})
			if err != nil {
				b.Fatal(err)
			}
			addr := serveAgent(b, a)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			cl := &http.Client{Transport: tr}
			url, auth := "http://"+addr+"/v1/read", "Bearer "+a.Token()
			sc, err := newSyncClient(addr)
			if err != nil {
				b.Fatal(err)
			}
			defer sc.Close()

			// The same agent served by net/http's server.
			an, err := agent.New(ctx, agent.Config{Emulate: &agent.Emulate{Profile: profile, Mode: "qr", Presented: b.N}},
				agent.Options{Token: a.Token(), NetHTTP: true})
			if err != nil {
				b.Fatal(err)
			}
			nURL := "http://" + serveAgent(b, an) + "/v1/read"

			// The floor of any HTTP agent: a bare handler answering the
			// same identity JSON, kept in memory, on loopback.
			fixed, _ := json.Marshal(reader.IdentityJSON{})
			bareURL := serveHTTP(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.Write(fixed)
			}))

			// The floor of any HTTP agent that reads: the desk session
			// behind a minimal handler.
			ds, err := desk.Open(ctx, desk.Config{Emulate: &desk.Emulate{Profile: profile, Mode: "qr", Presented: b.N}})
			if err != nil {
				b.Fatal(err)
			}
			defer ds.Close()
			miniURL := serveHTTP(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				id, err := ds.Read(r.Context())
				if err != nil {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				j, _ := json.Marshal(id.JSON(false))
				w.Header().Set("Content-Type", "application/json")
				w.Write(j)
			}))

			// The three ways to the agent and the floor, each a function
			// run in turn. postRead posts a read to url (with bearer, when
			// not empty) and requires a QR identity.
			postRead := func(cl *http.Client, url, bearer string) {
				req, _ := http.NewRequest("POST", url, strings.NewReader(`{"timeout_ms":10000}`))
				if bearer != "" {
					req.Header.Set("Authorization", bearer)
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := cl.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var got reader.IdentityJSON
				err = json.NewDecoder(resp.Body).Decode(&got)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || err != nil || got.Mode != "QR" {
					b.Fatalf("read %s: %d %v %+v", url, resp.StatusCode, err, got)
				}
				sinkIdentityJSON = got
			}
			var agCPU time.Duration
			syncDecodeT := make([]time.Duration, 0, b.N)
			ways := []struct {
				read       func()
				all, first []time.Duration
			}{
				{read: func() { // the agent, net/http's client (x-go)
					c := cpuTime()
					postRead(cl, url, auth)
					agCPU += cpuTime() - c
				}},
				{read: func() { // the agent, a synchronous client (x-go-sync)
					var got reader.IdentityJSON
					if err := sc.post("/v1/read", auth, `{"timeout_ms":10000}`, &got); err != nil || got.Mode != "QR" {
						b.Fatalf("agent read, synchronous client: %v %+v", err, got)
					}
					sinkIdentityJSON = got
					syncDecodeT = append(syncDecodeT, sc.decoded)
				}},
				{read: func() { postRead(cl, nURL, auth) }},  // the agent on net/http (x-go-nethttp)
				{read: func() { postRead(cl, miniURL, "") }}, // desk-http, the floor (x-desk-http)
			}
			goT := make([]time.Duration, 0, b.N)
			bareT := make([]time.Duration, 0, b.N)
			var goCPU time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				d, cpu := goRead(ctx, b, r)
				goT, goCPU = append(goT, d), goCPU+cpu
				// The four reads over HTTP take turns at running first
				// after the Go read (x-go-first: the median of the agent's
				// reads that ran first), so that none is favoured by its
				// place.
				for k := range ways {
					w := &ways[(i+k)%len(ways)]
					t := time.Now()
					w.read()
					d := time.Since(t)
					w.all = append(w.all, d)
					if k == 0 {
						w.first = append(w.first, d)
					}
				}
				var got reader.IdentityJSON
				fixed, _ = json.Marshal(sinkIdentityJSON) // the floor answers this identity's JSON
				t3 := time.Now()
				req, _ := http.NewRequest("POST", bareURL, strings.NewReader(`{"timeout_ms":10000}`))
				req.Header.Set("Authorization", auth)
				req.Header.Set("Content-Type", "application/json")
				resp, err := cl.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				err = json.NewDecoder(resp.Body).Decode(&got)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					b.Fatal(err)
				}
				bareT = append(bareT, time.Since(t3))
			}
			b.StopTimer()
			mGo, mAg, mBare, mMini := median(goT), median(ways[0].all), median(bareT), median(ways[3].all)
			b.ReportMetric(float64(mMini)/float64(mGo), "x-desk-http")
			b.ReportMetric(float64(mAg-mMini)/1e3, "agent-less-desk-http-µs")
			b.ReportMetric(float64(mBare)/1e3, "bare-http-µs-median")
			b.ReportMetric(float64(mAg-mBare)/float64(mGo), "x-go-less-bare-http")
			b.ReportMetric(float64(mAg)/float64(mGo), "x-go")
			b.ReportMetric(float64(mGo)/1e3, "go-µs-median")
			b.ReportMetric(float64(mAg)/1e3, "agent-µs-median")
			mSync, mN := median(ways[1].all), median(ways[2].all)
			b.ReportMetric(float64(mSync)/float64(mGo), "x-go-sync")
			b.ReportMetric(float64(mSync)/1e3, "agent-sync-µs-median")
			mDec := median(syncDecodeT)
			b.ReportMetric(float64(mDec)/1e3, "sync-client-json-µs-median")
			b.ReportMetric(float64(mSync-mDec)/float64(mGo), "x-go-sync-less-client-json")
			b.ReportMetric(float64(mN)/float64(mGo), "x-go-nethttp")
			b.ReportMetric(float64(median(ways[0].first))/float64(mGo), "x-go-first")
			b.ReportMetric(float64(median(ways[1].first))/float64(mGo), "x-go-sync-first")
			b.ReportMetric(float64(median(ways[2].first))/float64(mGo), "x-go-nethttp-first")
			if goCPU > 0 {
				// The same ratio in CPU time (this process: the agent's
				// server and its client both), steadier on a loaded machine.
				b.ReportMetric(float64(agCPU)/float64(goCPU), "x-go-cpu")
			}
		})
	}
}

// textSource is a QR scanner with texts already scanned, in order.
type textSource struct {
	mu    sync.Mutex
	texts []string
}

func (s *textSource) Name() string { return "qr:bench" }

func (s *textSource) Next(ctx context.Context) (qrscan.Scan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.texts) == 0 {
		<-ctx.Done()
		return qrscan.Scan{}, ctx.Err()
	}
	t := s.texts[0]
	s.texts = s.texts[1:]
	return qrscan.Scan{Text: t, Source: "qr:bench", At: time.Now()}, nil
}

func (s *textSource) Close() error { return nil }

// goRead is the Go side of the agent benchmarks: one reader.Read of r, its
// identity's JSON made as the agent's answer is, timed in wall time and in
// this process's CPU time.
func goRead(ctx context.Context, b *testing.B, r *reader.Reader) (wall, cpu time.Duration) {
	b.Helper()
	c0 := cpuTime()
	t0 := time.Now()
	id, err := r.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sinkIdentityJSON = id.JSON(false)
	wall = time.Since(t0)
	return wall, cpuTime() - c0
}
