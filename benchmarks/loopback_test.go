package benchmarks_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/agent"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/internal/h1"
	"github.com/apcvkit/apcvkit/reader"
)

// BenchmarkLoopback splits the loopback HTTP round trip of a read, to see
// where an HTTP agent's time goes beyond reader.Read: two clients (net/http's
// Transport; a synchronous HTTP/1.1 client on one kept-alive connection,
// as Python's http.client or libcurl's easy interface) × two servers
// (net/http's; internal/h1, the agent's) × three handlers ("bare": a fixed
// JSON; "desk": desk.Session.Read of an emulated phone's QR code, answered
// as JSON), all interleaved with reader.Read (go-µs) in each iteration;
// desk/inproc is the desk handler's work without HTTP (Read, marshal,
// unmarshal). "agent" is the agent's handler (agent.Agent) served the same
// ways. Medians; *-x-go are ratios to go-µs. The agent's reference figures
// are BenchmarkAgentRead's.
func BenchmarkLoopback(b *testing.B) {
	ctx := context.Background()
	const profile = "isere-solo"
	r := presentedReader(b, profile, b.N)
	fixed, _ := json.Marshal(reader.IdentityJSON{})
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixed)
	})
	deskHandler := func(ds *desk.Session) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			id, err := ds.Read(r.Context())
			if err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			j, _ := json.Marshal(id.JSON(false))
			w.Header().Set("Content-Type", "application/json")
			w.Write(j)
		})
	}
	type combo struct {
		name string
		do   func() error
		t    []time.Duration
	}
	var combos []*combo
	tok := agent.NewToken()
	for _, hname := range []string{"bare", "desk", "agent"} {
		for _, sname := range []string{"nethttp", "h1"} {
			var h http.Handler = bare
			if hname == "desk" {
				ds, err := desk.Open(ctx, desk.Config{Emulate: &desk.Emulate{Profile: profile, Mode: "qr", Presented: 2 * b.N}})
				if err != nil {
					b.Fatal(err)
				}
				defer ds.Close()
				h = deskHandler(ds)
			}
			if hname == "agent" {
				a, err := agent.New(ctx, agent.Config{Emulate: &agent.Emulate{Profile: profile, Mode: "qr", Presented: 2 * b.N}},
					agent.Options{Token: tok})
				if err != nil {
					b.Fatal(err)
				}
				defer a.Close()
				h = a
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			if sname == "nethttp" {
				srv := &http.Server{Handler: h}
				go srv.Serve(ln)
				defer srv.Close()
			} else {
				srv := &h1.Server{Handler: h}
				go srv.Serve(ln)
				defer srv.Close()
			}
			addr := ln.Addr().String()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			cl := &http.Client{Transport: tr}
			{
				combos = append(combos, &combo{name: hname + "/" + sname + "/transport", do: func() error {
					req, _ := http.NewRequest("POST", "http://"+addr+"/v1/read", strings.NewReader(`{"timeout_ms":10000}`))
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Content-Type", "application/json")
					resp, err := cl.Do(req)
					if err != nil {
						return err
					}
					var got reader.IdentityJSON
					err = json.NewDecoder(resp.Body).Decode(&got)
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						return fmt.Errorf("%d", resp.StatusCode)
					}
					return err
				}})
			}
			sc, err := newSyncClient(addr)
			if err != nil {
				b.Fatal(err)
			}
			defer sc.Close()
			combos = append(combos, &combo{name: hname + "/" + sname + "/sync", do: func() error {
				var got reader.IdentityJSON
				return sc.post("/v1/read", "Bearer "+tok, `{"timeout_ms":10000}`, &got)
			}})
		}
	}
	dsIn, err := desk.Open(ctx, desk.Config{Emulate: &desk.Emulate{Profile: profile, Mode: "qr", Presented: 2 * b.N}})
	if err != nil {
		b.Fatal(err)
	}
	defer dsIn.Close()
	combos = append(combos, &combo{name: "desk/inproc", do: func() error {
		id, err := dsIn.Read(ctx)
		if err != nil {
			return err
		}
		j, _ := json.Marshal(id.JSON(false))
		var got reader.IdentityJSON
		return json.Unmarshal(j, &got)
	}})
	goT := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		id, err := r.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sinkIdentityJSON = id.JSON(false)
		goT = append(goT, time.Since(t0))
		for _, c := range combos {
			t := time.Now()
			if err := c.do(); err != nil {
				b.Fatalf("%s: %v", c.name, err)
			}
			c.t = append(c.t, time.Since(t))
		}
	}
	b.StopTimer()
	mGo := median(goT)
	b.ReportMetric(float64(mGo)/1e3, "go-µs")
	for _, c := range combos {
		m := median(c.t)
		b.ReportMetric(float64(m)/1e3, c.name+"-µs")
		if !strings.HasPrefix(c.name, "bare") {
			b.ReportMetric(float64(m)/float64(mGo), c.name+"-x-go")
		}
	}
}

// syncClient is a synchronous HTTP/1.1 client on one kept-alive
// connection, as Python's http.client or libcurl's easy interface: it
// writes the request and reads the answer in the caller's goroutine.
type syncClient struct {
	conn net.Conn
	br   *bufio.Reader
	buf  bytes.Buffer
	host string
	// decoded is how long the last post took to decode the answer's
	// JSON (encoding/json), the client's own share of a read.
	decoded time.Duration
}

func newSyncClient(addr string) (*syncClient, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &syncClient{conn: c, br: bufio.NewReader(c), host: addr}, nil
}

func (c *syncClient) Close() error { return c.conn.Close() }

// post sends a POST with a JSON body and decodes the answer's JSON into v.
func (c *syncClient) post(path, auth, body string, v any) error {
	c.buf.Reset()
	c.buf.WriteString("POST " + path + " HTTP/1.1\r\nHost: " + c.host + "\r\n")
	if auth != "" {
		c.buf.WriteString("Authorization: " + auth + "\r\n")
	}
	c.buf.WriteString("Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	if _, err := c.conn.Write(c.buf.Bytes()); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return err
	}
	t := time.Now()
	err = json.NewDecoder(resp.Body).Decode(v)
	c.decoded = time.Since(t)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}
