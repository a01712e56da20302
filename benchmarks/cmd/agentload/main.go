// Command agentload is the load test of apcv agent on loopback: an agent
// over the in-memory emulated phone (QR), then Clients concurrent clients
// sending Requests requests each, paced over Duration, mixing GET
// /v1/health, GET /v1/readers, POST /v1/read and GET /v1/events. It prints
// the answers by status, the latency percentiles per kind, and the
// process's goroutines and file descriptors before the agent started and
// after it closed; it exits 1 on any answer but the documented ones (200,
// and 409 busy for a read while another runs) or on a leak.
//
//	go run ./benchmarks/cmd/agentload                 # 50 clients × 200 requests over 60 s
//	go run ./benchmarks/cmd/agentload -duration 10s   # shorter
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/apcvkit/apcvkit/agent"
	"github.com/apcvkit/apcvkit/internal/agentload"
)

func main() {
	clients := flag.Int("clients", 50, "concurrent clients")
	requests := flag.Int("requests", 200, "requests per client")
	duration := flag.Duration("duration", time.Minute, "time over which each client paces its requests")
	mode := flag.String("mode", "qr", "how the emulated phone is presented: qr or nfc")
	flag.Parse()
	if err := run(*clients, *requests, *duration, *mode); err != nil {
		fmt.Fprintln(os.Stderr, "agentload:", err)
		os.Exit(1)
	}
}

func run(clients, requests int, duration time.Duration, mode string) error {
	g0, f0 := agentload.Baseline()
	rep, err := load(clients, requests, duration, mode)
	if err != nil {
		return err
	}
	g1, f1 := agentload.Settle(g0, f0, 10*time.Second)
	fmt.Printf("apcv agent load test: %d clients × %d requests over %s, emulated phone (%s), loopback; %s %s/%s, %d CPUs\n\n",
		clients, requests, duration, mode, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Print(rep)
	fmt.Printf("goroutines %d before, %d after; file descriptors %d before, %d after\n", g0, g1, f0, f1)
	var problems []string
	if n := rep.Errors(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d unexpected answers, first: %q", n, rep.FirstErrors))
	}
	if g1 > g0 || f1 > f0 {
		problems = append(problems, "goroutines or file descriptors leaked")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%v", problems)
	}
	return nil
}

func load(clients, requests int, duration time.Duration, mode string) (*agentload.Report, error) {
	a, err := agent.New(context.Background(), agent.Config{Emulate: &agent.Emulate{Mode: mode}}, agent.Options{Token: agent.NewToken()})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		return nil, err
	}
	tok := a.Token()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln, nil) }()
	rep, err := agentload.Run(context.Background(), agentload.Options{URL: "http://" + ln.Addr().String(), Token: tok,
		Clients: clients, Requests: requests, Duration: duration, Seed: 1})
	stop()
	if serr := <-served; err == nil {
		err = serr
	}
	return rep, err
}
