package agent

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/internal/agentload"
)

// TestLoad is the short load test: 50 clients mixing health, readers,
// reads and event streams for about a second: no answer but the documented
// ones (200, and 409 busy for a read while another runs), and the
// goroutines and file descriptors of the whole process back to their count
// before once the agent is closed. The full one (50 × 200 over 60 s) is
// `go run ./benchmarks/cmd/agentload`.
func TestLoad(t *testing.T) {
	g0, f0 := agentload.Baseline()
	func() {
		a, err := New(context.Background(), Config{Emulate: &Emulate{Mode: "qr"}}, Options{Token: NewToken(), NetHTTP: netHTTPTests})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- a.Serve(ctx, ln, nil) }()
		defer func() {
			stop()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
		}()
		rep, err := agentload.Run(context.Background(), agentload.Options{URL: "http://" + ln.Addr().String(), Token: a.opts.Token,
			Clients: 50, Requests: 8, Duration: time.Second, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s", rep)
		if rep.Errors() != 0 {
			t.Errorf("%d unexpected answers: %q", rep.Errors(), rep.FirstErrors)
		}
		for _, k := range agentload.Kinds {
			if rep.Stats[k].Status[200] == 0 {
				t.Errorf("no %s succeeded", k)
			}
		}
	}()
	if g, f := agentload.Settle(g0, f0, 10*time.Second); g > g0 || f > f0 {
		t.Errorf("leak: goroutines %d → %d, file descriptors %d → %d", g0, g, f0, f)
	}
}
