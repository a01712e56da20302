// Package agenttest runs the real programs that the tests of the non-Go
// clients (examples/web, examples/agent-python, examples/agent-curl,
// examples/csharp) talk to: the apcv binary, built once per test binary,
// as `apcv agent serve` and as `apcv emulate --vpcd` (the phone on the
// harness's "clients" PC/SC slot), and libapcv (Libapcv).
//
//	func TestMain(m *testing.M) { agenttest.Main(m) }
//
//	a := agenttest.StartAgent(t, agenttest.Options{Emulate: "isere-solo"})
//	// a.URL, a.Token, a.TokenFile; a.Log holds its stderr
//
//	ph := agenttest.PCSCPhone(t, "famille-6-drome")   // skips without pcscd
//	a := agenttest.StartAgent(t, agenttest.Options{PCSC: ph.Reader, Lists: ph.Lists})
//
// Every process is stopped by its PID at the test's cleanup and its exit
// checked.
package agenttest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/examples/internal/exampletest"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
)

// tmp is the directory of the programs the tests build, removed by Main.
var tmp struct {
	once sync.Once
	dir  string
	err  error
}

func tmpDir() (string, error) {
	tmp.once.Do(func() { tmp.dir, tmp.err = os.MkdirTemp("", "apcvkit-agenttest-") })
	return tmp.dir, tmp.err
}

// Main runs the package's tests, then removes the programs Apcv and
// Libapcv built.
func Main(m *testing.M) {
	code := m.Run()
	if tmp.dir != "" {
		os.RemoveAll(tmp.dir)
	}
	os.Exit(code)
}

// Root returns the module's root directory.
func Root(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("go env GOMOD: not in the module")
	}
	return filepath.Dir(mod)
}

// goBuild runs go build with args in the module's root.
func goBuild(root string, args ...string) error {
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

var apcv struct {
	once sync.Once
	bin  string
	err  error
}

// Apcv returns the path of the apcv binary, built from this module's
// cmd/apcv the first time (with -tags usb on Linux, as the Makefile does).
// Use Main as TestMain so that it is removed.
func Apcv(t testing.TB) string {
	t.Helper()
	root := Root(t)
	apcv.once.Do(func() {
		dir, err := tmpDir()
		if err != nil {
			apcv.err = err
			return
		}
		apcv.bin = filepath.Join(dir, "apcv")
		if runtime.GOOS == "windows" {
			apcv.bin += ".exe"
		}
		var args []string
		if runtime.GOOS == "linux" {
			args = append(args, "-tags", "usb")
		}
		apcv.err = goBuild(root, append(args, "-o", apcv.bin, "./cmd/apcv")...)
	})
	if apcv.err != nil {
		t.Fatal(apcv.err)
	}
	return apcv.bin
}

var lib struct {
	once sync.Once
	dir  string
	err  error
}

// Libapcv returns the directory holding libapcv, built from this module's
// ./libapcv with go build -buildmode=c-shared the first time: libapcv.so
// (apcv.dll on Windows, libapcv.dylib on macOS). Use Main as TestMain so
// that it is removed.
func Libapcv(t testing.TB) string {
	t.Helper()
	root := Root(t)
	lib.once.Do(func() {
		dir, err := tmpDir()
		if err != nil {
			lib.err = err
			return
		}
		lib.dir = filepath.Join(dir, "lib")
		name := "libapcv.so"
		switch runtime.GOOS {
		case "windows":
			name = "apcv.dll"
		case "darwin":
			name = "libapcv.dylib"
		}
		lib.err = goBuild(root, "-buildmode=c-shared", "-o", filepath.Join(lib.dir, name), "./libapcv")
	})
	if lib.err != nil {
		t.Fatal(lib.err)
	}
	return lib.dir
}

// Options says how StartAgent runs `apcv agent serve`.
type Options struct {
	Emulate string   // --emulate PROFILE: the in-memory emulated phone
	Config  string   // --config FILE
	PCSC    string   // --pcsc READER
	Lists   string   // --lists DIR (with PCSC)
	Origins []string // --origin URL, each
	Args    []string // more arguments
	Debug   bool     // apcv --debug: the agent logs every request it refuses (Info)
}

// Config writes cfg (the JSON configuration of apcv agent --config, e.g.
// {"emulate": {"profile": "isere-solo", "locked": true}}) to a temporary
// file and returns its path.
func Config(t testing.TB, cfg any) string {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "agent.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Agent is a running `apcv agent serve`.
type Agent struct {
	URL       string // "http://127.0.0.1:PORT"
	Token     string // the pairing token (`apcv agent pair`)
	TokenFile string
	Log       *exampletest.Buffer // its stderr
	Stdout    *exampletest.Buffer // its stdout after the first line
	PID       int
}

// StartAgent pairs (apcv agent pair --token-file, in a temporary file) and
// starts apcv agent serve on a free loopback port with opts; it returns once
// the agent printed its address. The cleanup stops it with SIGTERM (by its
// PID) and fails the test if it does not exit, or exits with an error,
// within 10 s.
func StartAgent(t testing.TB, opts Options) *Agent {
	t.Helper()
	bin := Apcv(t)
	a := &Agent{TokenFile: filepath.Join(t.TempDir(), "token"), Log: &exampletest.Buffer{}, Stdout: &exampletest.Buffer{}}
	out, err := exec.Command(bin, "agent", "pair", "--token-file", a.TokenFile).Output()
	if err != nil {
		t.Fatalf("apcv agent pair: %v", stderrOf(err))
	}
	a.Token = strings.TrimSpace(string(out))
	if a.Token == "" || strings.ContainsAny(a.Token, " \n") {
		t.Fatalf("apcv agent pair printed %q, not one token", out)
	}
	var args []string
	if opts.Debug {
		args = append(args, "--debug")
	}
	args = append(args, "agent", "serve", "--addr", "127.0.0.1:0", "--token-file", a.TokenFile)
	if opts.Emulate != "" {
		args = append(args, "--emulate", opts.Emulate)
	}
	if opts.Config != "" {
		args = append(args, "--config", opts.Config)
	}
	if opts.PCSC != "" {
		args = append(args, "--pcsc", opts.PCSC)
	}
	if opts.Lists != "" {
		args = append(args, "--lists", opts.Lists)
	}
	for _, o := range opts.Origins {
		args = append(args, "--origin", o)
	}
	args = append(args, opts.Args...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = a.Log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a.PID = cmd.Process.Pid
	stop := stopper(t, "apcv agent serve", cmd, a.Log)
	first := make(chan string, 1)
	go func() {
		br := bufio.NewReader(stdout)
		line, _ := br.ReadString('\n')
		first <- line
		io.Copy(a.Stdout, br)
	}()
	const prefix = "apcv agent listening on "
	select {
	case line := <-first:
		if !strings.HasPrefix(line, prefix) {
			stop()
			t.Fatalf("apcv %s: first line %q, want %q…\nstderr:\n%s", strings.Join(args, " "), line, prefix, a.Log)
		}
		a.URL = strings.TrimSpace(strings.TrimPrefix(line, prefix))
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("apcv %s: no address within 30 s\nstderr:\n%s", strings.Join(args, " "), a.Log)
	}
	return a
}

// stopper registers the cleanup that stops cmd (SIGTERM by PID, then
// SIGKILL after 10 s, a test failure) and returns it, to call early; it
// runs once.
func stopper(t testing.TB, what string, cmd *exec.Cmd, log fmt.Stringer) func() {
	var once sync.Once
	stop := func() {
		once.Do(func() {
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			if err := terminate(cmd.Process); err != nil {
				t.Errorf("%s (PID %d): %v", what, cmd.Process.Pid, err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("%s (PID %d) exited with %v after SIGTERM\nstderr:\n%s", what, cmd.Process.Pid, err, log)
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Errorf("%s (PID %d) did not exit within 10 s of SIGTERM: killed\nstderr:\n%s", what, cmd.Process.Pid, log)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return fmt.Sprintf("%v\n%s", err, ee.Stderr)
	}
	return err.Error()
}

// Phone is an emulated phone served by `apcv emulate --vpcd` to the real
// pcscd, on the harness's "clients" slot.
type Phone struct {
	Reader string // the PC/SC reader name
	Lists  string // the lists directory the emulator wrote (authority key, signed lists)
	PID    int
}

// PCSCPhone starts `apcv emulate --profile profile --vpcd ADDR --lists-out DIR
// args...` on the "clients" slot (pcsctest.Require: skips without pcscd and
// vpcd, or fails with APCV_REQUIRE_PCSC=1) and waits until pcscd sees the
// card. The slot is held for the test's duration by a lock file, as the
// packages of these tests run in parallel. The cleanup stops the emulator
// by its PID and waits until pcscd sees the card gone.
func PCSCPhone(t testing.TB, profile string, args ...string) Phone {
	t.Helper()
	addr, name := pcsctest.Require(t, "clients")
	unlock, err := lockSlot(filepath.Join(os.TempDir(), "apcvkit-clients-slot.lock"), 5*time.Minute)
	if err != nil {
		t.Fatalf("pcsc slot \"clients\": %v", err)
	}
	t.Cleanup(unlock)
	// The previous phone must be gone first (cleanups run last first: this
	// one waits after the emulator stopped).
	pcsctest.WaitCard(t, name, false, 10*time.Second)
	t.Cleanup(func() { pcsctest.WaitCard(t, name, false, 10*time.Second) })
	ph := Phone{Reader: name, Lists: t.TempDir()}
	cmd := exec.Command(Apcv(t), append([]string{"emulate", "--profile", profile, "--vpcd", addr, "--lists-out", ph.Lists}, args...)...)
	log := &exampletest.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ph.PID = cmd.Process.Pid
	stopper(t, "apcv emulate", cmd, log)
	log.WaitFor(t, "vpcd: serving the phone", 30*time.Second)
	pcsctest.WaitCard(t, name, true, 15*time.Second)
	return ph
}

// Context returns a context that ends after d or with the test.
func Context(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
