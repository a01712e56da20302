package benchmarks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/agent"
	"github.com/apcvkit/apcvkit/reader"
)

// BenchmarkAgentProcess is BenchmarkAgentRead's x-go-sync in the shape a
// desk runs: the agent is its own process. cmd/apcv is built once (go
// build, as this test binary was: its -tags and -race) and "apcv agent
// serve --config FILE --addr 127.0.0.1:0" runs as a child process whose
// configuration presents N QR codes of an emulated phone of the profile
// beforehand (emulate: {profile, mode: "qr", presented: N}, N = b.N, at
// most the 100 000 the configuration allows). Each iteration, interleaved:
// the Go reader.Read of a QR text already presented, in this process
// (presentedReader, as BenchmarkAgentRead), then a POST /v1/read to the
// child by a synchronous HTTP/1.1 client on one kept-alive connection
// (newSyncClient: what Python's http.client, libcurl's easy interface and
// the blocking clients of .NET and Delphi do), the identity decoded with
// encoding/json and required to be a QR one, then a GET /v1/health to the
// child on a second connection of the same kind (the floor).
//
// This is the deployed shape: a billing program and apcv agent never share
// a Go runtime. In BenchmarkAgentRead the agent, its clients and the Go
// reader share one: a client's goroutine that blocks on its answer lets its
// thread run the agent's goroutine that the netpoller made ready, often
// without the kernel waking another thread, and the scheduler's spinning
// Ms, its wake-ups of idle Ps and one GC pace all of them. Here a read
// costs two wake-ups of a process by the kernel (the agent's, then the
// client's), the agent's runtime serves only the agent, and the client is
// this process, idle between its own reads.
//
// Sub-benchmarks: gomaxprocs=default, the child as a desk runs it (its
// environment is this process's: one P a CPU unless GOMAXPROCS is set), and
// gomaxprocs=1, a child started with GOMAXPROCS=1 in its environment, for
// information: one P in the agent, so no second P woken, no scheduler
// spinning, the netpoller's ready connection run on the P that polled, at
// the price of the agent's verification and GC never running in parallel.
// It says what an administrator's GOMAXPROCS=1 (in the service's
// environment) would change, not what the agent does by default. Each
// reads its own child in its own iterations, with its own Go reads: one
// child only at a time, as a desk has (two children read in turn evict
// each other's caches and slow every read, the Go one's too).
//
// Metrics, ratios of the medians (suffixed -gomaxprocs1 in gomaxprocs=1):
//   - x-go-sync-process: the child's read (round trip and the client's
//     JSON decode included) to the Go reader.Read: the goal's figure
//     (≤ 1.5); go-µs-median and agent-process-sync-µs-median its terms;
//   - x-go-sync-process-less-client-json: the same with the client's JSON
//     decode (sync-client-json-µs-median) taken out, for a client whose
//     parser costs nothing: a bound, not the goal's figure;
//   - process-health-µs-median: the GET /v1/health round trip to the same
//     child, no reading, a small JSON answer: the floor of any agent in
//     its own process on loopback with this client;
//   - x-go-cpu-process, Linux only: the CPU time the child used during
//     the timed loop (/proc/PID/stat, in clock ticks of 10 ms: coarse for
//     short runs; its health answers included) to this process's CPU time
//     in the Go reads: the agent's own CPU, its client's not counted.
//
// Run it without -race (a race-built child measures the race detector):
//
//	go test -run '^$' -bench 'AgentRead$|AgentProcess' -benchtime 2000x -count 3 ./benchmarks/
//
// It builds cmd/apcv: it is skipped, saying so, when the go tool is not in
// PATH (go test puts its own first).
func BenchmarkAgentProcess(b *testing.B) {
	for _, profile := range []string{"isere-solo", "famille-6-drome"} {
		for _, v := range []struct{ name, env, suffix string }{
			{"default", "", ""},
			{"1", "GOMAXPROCS=1", "-gomaxprocs1"},
		} {
			b.Run("profile="+profile+"/gomaxprocs="+v.name, func(b *testing.B) {
				var env []string
				if v.env != "" {
					env = append(env, v.env)
				}
				benchAgentProcess(b, profile, v.suffix, env)
			})
		}
	}
}

// benchAgentProcess is one sub-benchmark of BenchmarkAgentProcess: its
// child started with env added, its metrics' names ending in suffix.
func benchAgentProcess(b *testing.B, profile, suffix string, env []string) {
	ctx := context.Background()
	r := presentedReader(b, profile, b.N)
	p := startAgentProcess(b, profile, min(b.N, maxPresented), env...)
	sc, err := newSyncClient(p.addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sc.Close() })
	hc, err := newSyncClient(p.addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { hc.Close() })
	auth := "Bearer " + p.token
	goT := make([]time.Duration, 0, b.N)
	agT := make([]time.Duration, 0, b.N)
	decT := make([]time.Duration, 0, b.N)
	healthT := make([]time.Duration, 0, b.N)
	var goCPU time.Duration
	childCPU, cpuOK := processCPU(p.cmd.Process.Pid)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		gd, cpu := goRead(ctx, b, r)
		goT, goCPU = append(goT, gd), goCPU+cpu

		var got reader.IdentityJSON
		t := time.Now()
		err := sc.post("/v1/read", auth, `{"timeout_ms":10000}`, &got)
		d := time.Since(t)
		if err != nil || got.Mode != "QR" {
			b.Fatalf("read of apcv agent serve (%s): %v %+v", p.name, err, got)
		}
		sinkIdentityJSON = got
		agT = append(agT, d)
		decT = append(decT, sc.decoded)

		t = time.Now()
		if err := hc.get("/v1/health"); err != nil {
			b.Fatalf("health of apcv agent serve (%s): %v", p.name, err)
		}
		healthT = append(healthT, time.Since(t))
	}
	b.StopTimer()
	mGo, mAg, mDec := median(goT), median(agT), median(decT)
	b.ReportMetric(float64(mGo)/1e3, "go-µs-median")
	b.ReportMetric(float64(mAg)/float64(mGo), "x-go-sync-process"+suffix)
	b.ReportMetric(float64(mAg-mDec)/float64(mGo), "x-go-sync-process"+suffix+"-less-client-json")
	b.ReportMetric(float64(mAg)/1e3, "agent-process"+suffix+"-sync-µs-median")
	b.ReportMetric(float64(mDec)/1e3, "sync-client-json-µs-median")
	b.ReportMetric(float64(median(healthT))/1e3, "process-health"+suffix+"-µs-median")
	if cpu, ok := processCPU(p.cmd.Process.Pid); ok && cpuOK && goCPU > 0 {
		b.ReportMetric(float64(cpu-childCPU)/float64(goCPU), "x-go-cpu-process"+suffix)
	}
}

// get sends a GET of path and reads the answer, which must be a 200.
func (c *syncClient) get(path string) error {
	if _, err := io.WriteString(c.conn, "GET "+path+" HTTP/1.1\r\nHost: "+c.host+"\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

// maxPresented is the most QR presentations an agent's configuration may
// have waiting (desk.Config's emulate.presented).
const maxPresented = 100_000

// TestMain removes the apcv binary the agent-process benchmark and test
// built.
func TestMain(m *testing.M) {
	code := m.Run()
	if apcvBuild.dir != "" {
		os.RemoveAll(apcvBuild.dir)
	}
	os.Exit(code)
}

// apcvBuild is cmd/apcv, built once per test binary.
var apcvBuild struct {
	once sync.Once
	dir  string // the temporary directory, removed by TestMain
	bin  string
	skip string // why it could not be built here (no go tool)
	err  error
}

// apcvBinary returns the path of cmd/apcv built for this machine, as this
// test binary was built (its -tags, and -race when it has it). It skips tb
// when the go tool is not in PATH.
func apcvBinary(tb testing.TB) string {
	tb.Helper()
	apcvBuild.once.Do(func() {
		gobin, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
		if err != nil {
			apcvBuild.skip = fmt.Sprintf("the go tool is not in PATH (%v): apcv cannot be built here", err)
			return
		}
		args := []string{"build"}
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch {
				case s.Key == "-tags" && s.Value != "":
					args = append(args, "-tags", s.Value)
				case s.Key == "-race" && s.Value == "true":
					args = append(args, "-race")
				}
			}
		}
		apcvBuild.dir, apcvBuild.err = os.MkdirTemp("", "apcv-bench-")
		if apcvBuild.err != nil {
			return
		}
		apcvBuild.bin = filepath.Join(apcvBuild.dir, "apcv")
		if runtime.GOOS == "windows" {
			apcvBuild.bin += ".exe"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		args = append(args, "-o", apcvBuild.bin, "github.com/apcvkit/apcvkit/cmd/apcv")
		if out, err := exec.CommandContext(ctx, gobin, args...).CombinedOutput(); err != nil {
			apcvBuild.err = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	})
	if apcvBuild.skip != "" {
		tb.Skip(apcvBuild.skip)
	}
	if apcvBuild.err != nil {
		tb.Fatal(apcvBuild.err)
	}
	return apcvBuild.bin
}

// agentProcess is "apcv agent serve" running as a child process.
type agentProcess struct {
	cmd   *exec.Cmd
	name  string // its profile and added environment, for messages
	env   string // the environment added to this process's
	addr  string // host:port it listens on
	token string // its pairing token
	dir   string // its configuration, token and output files

	waited  chan struct{} // closed when cmd.Wait has returned
	waitErr error
	stopped sync.Once
}

// startAgentProcess starts apcv agent serve on a free loopback port,
// reading an emulated phone of profile with presented QR codes already
// presented, env added to its environment (such as "GOMAXPROCS=1"). It
// returns once the agent listens. The cleanup stops it and waits for it,
// whatever the test's outcome; its files are in tb.TempDir.
func startAgentProcess(tb testing.TB, profile string, presented int, env ...string) *agentProcess {
	tb.Helper()
	p, err := launchAgentProcess(tb, profile, presented, env...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// listening is the first line apcv agent serve writes.
var listening = regexp.MustCompile(`^apcv agent listening on http://(127\.0\.0\.1:[0-9]+)\n`)

// launchAgentProcess is startAgentProcess, which fails tb on its error.
// The child, once started, is stopped and waited for by tb's cleanup on
// every path, and at once when it does not come to listen (then p, stopped,
// comes with the error).
func launchAgentProcess(tb testing.TB, profile string, presented int, env ...string) (*agentProcess, error) {
	tb.Helper()
	bin := apcvBinary(tb)
	p := &agentProcess{dir: tb.TempDir(), env: strings.Join(env, " "), waited: make(chan struct{})}
	p.name = strings.TrimSpace(profile + " " + p.env)
	conf, err := json.Marshal(agent.Config{Emulate: &agent.Emulate{Profile: profile, Mode: "qr", Presented: presented}})
	if err != nil {
		return nil, err
	}
	confFile, tokFile := filepath.Join(p.dir, "agent.json"), filepath.Join(p.dir, "agent-token")
	outFile, errFile := filepath.Join(p.dir, "stdout"), filepath.Join(p.dir, "stderr")
	if err := os.WriteFile(confFile, conf, 0o600); err != nil {
		return nil, err
	}
	if p.token, err = agent.LoadOrCreateToken(tokFile); err != nil {
		return nil, err
	}
	// The child's output goes to files, not to pipes copied by goroutines
	// of this process, which would run during the measured reads.
	stdout, err := os.Create(outFile)
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := os.Create(errFile)
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	p.cmd = exec.Command(bin, "agent", "serve", "--config", confFile, "--addr", "127.0.0.1:0", "--token-file", tokFile)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = stdout, stderr
	dieWithParent(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.waited)
	}()
	tb.Cleanup(p.stop)

	// Its first line says where it listens; it writes it once its
	// configuration is read, its codes presented and its port bound.
	fail := func(format string, args ...any) error {
		p.stop()
		out, _ := os.ReadFile(errFile)
		return fmt.Errorf("apcv agent serve (%s): "+format+"; %v; stderr: %s", append(append([]any{p.name}, args...), p.waitErr, out)...)
	}
	deadline := time.After(2 * time.Minute)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		out, _ := os.ReadFile(outFile)
		if i := strings.IndexByte(string(out), '\n'); i >= 0 {
			m := listening.FindStringSubmatch(string(out[:i+1]))
			if m == nil {
				return p, fail("first line %q", out[:i+1])
			}
			p.addr = m[1]
			return p, nil
		}
		select {
		case <-p.waited:
			return p, fail("exited before listening")
		case <-deadline:
			return p, fail("not listening after 2 minutes")
		case <-tick.C:
		}
	}
}

// stop interrupts the child (SIGINT: it stops serving and exits 0), kills
// it if it has not exited 10 s later, and waits for it. Once; later calls
// return at once.
func (p *agentProcess) stop() {
	p.stopped.Do(func() {
		if err := p.cmd.Process.Signal(os.Interrupt); err != nil { // no SIGINT on Windows
			p.cmd.Process.Kill()
		}
		select {
		case <-p.waited:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.waited
		}
	})
}

// TestAgentProcess: the benchmark's child agent answers health, reads
// presented QR codes (and a new one when none is left) and refuses a wrong
// token; it gets the
// environment it is given; its cleanup stops it cleanly (exit 0), and
// leaves no process and no file. A child that cannot start is reported
// with its stderr and leaves nothing either.
func TestAgentProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds apcv")
	}
	apcvBinary(t) // here, so that where apcv cannot be built the whole test skips, not its subtests alone
	var ps []*agentProcess
	var bad *agentProcess
	t.Run("serve", func(t *testing.T) {
		ps = append(ps, startAgentProcess(t, "isere-solo", 2), startAgentProcess(t, "famille-6-drome", 1, "GOMAXPROCS=1"))
		for _, p := range ps {
			sc, err := newSyncClient(p.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			if err := sc.get("/v1/health"); err != nil {
				t.Errorf("%s: health: %v", p.name, err)
			}
			var got reader.IdentityJSON
			if err := sc.post("/v1/read", "Bearer wrong", `{"timeout_ms":10000}`, &got); err == nil || !strings.Contains(err.Error(), "401") {
				t.Errorf("%s: read with a wrong token: %v, want status 401", p.name, err)
			}
			for i := range 3 { // the presented codes, then one presented on demand
				got = reader.IdentityJSON{}
				if err := sc.post("/v1/read", "Bearer "+p.token, `{"timeout_ms":10000}`, &got); err != nil || got.Mode != "QR" || len(got.Beneficiaires) == 0 {
					t.Fatalf("%s: read %d: %v %+v", p.name, i, err, got)
				}
			}
			if p.env != "" {
				env, ok := processEnv(p.cmd.Process.Pid)
				if !ok && runtime.GOOS == "linux" || ok && !strings.Contains("\x00"+env+"\x00", "\x00"+p.env+"\x00") {
					t.Errorf("the child's environment (%t) lacks %s", ok, p.env)
				}
			}
		}
	})
	t.Run("bad-config", func(t *testing.T) {
		p, err := launchAgentProcess(t, "no-such-profile", 0)
		if err == nil {
			t.Fatalf("apcv agent serve with an unknown profile listens on %s", p.addr)
		}
		bad = p
		if p == nil || !strings.Contains(err.Error(), "exited before listening") || !strings.Contains(err.Error(), "no-such-profile") {
			t.Fatalf("error %v, want the exit before listening and the child's complaint", err)
		}
		if gone, ok := processGone(p.cmd.Process.Pid); ok && !gone {
			t.Errorf("process %d still exists", p.cmd.Process.Pid)
		}
	})
	if len(ps) != 2 {
		t.Fatal("the serve subtest started no agent")
	}
	if bad != nil {
		if _, err := os.Stat(bad.dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the agent that could not start left its directory: %v", err)
		}
	}
	for _, p := range ps {
		select {
		case <-p.waited:
		default:
			t.Fatalf("%s: still running after its test's cleanup", p.name)
		}
		// Windows has no interrupt to send: stop kills the child there.
		if runtime.GOOS != "windows" && (p.waitErr != nil || !p.cmd.ProcessState.Success()) {
			t.Errorf("%s: stopped with %v, want exit 0 on interrupt", p.name, p.waitErr)
		}
		if gone, ok := processGone(p.cmd.Process.Pid); ok && !gone {
			t.Errorf("%s: process %d still exists", p.name, p.cmd.Process.Pid)
		}
		if _, err := os.Stat(p.dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: its directory is left: %v", p.name, err)
		}
	}
}
