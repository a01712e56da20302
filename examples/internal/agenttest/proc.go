package agenttest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/examples/internal/exampletest"
)

// Proc is a client program a test runs (python3, curl, mono…).
type Proc struct {
	Cmd    *exec.Cmd
	Stdout *exampletest.Buffer
	Stderr *exampletest.Buffer
	done   chan struct{}
	err    error
}

// Start starts name with args in dir (the test's directory when "") with
// the environment plus env. The cleanup kills it by its PID if it still
// runs.
func Start(t testing.TB, dir string, env []string, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Cmd: exec.Command(name, args...), Stdout: &exampletest.Buffer{}, Stderr: &exampletest.Buffer{}, done: make(chan struct{})}
	p.Cmd.Dir = dir
	p.Cmd.Env = append(os.Environ(), env...)
	p.Cmd.Stdout, p.Cmd.Stderr = p.Stdout, p.Stderr
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.Cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.Cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// Wait waits for the program to exit and returns its exit code (-1 when a
// signal ended it); it fails the test after timeout.
func (p *Proc) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %v\nstdout:\n%s\nstderr:\n%s", p, timeout, p.Stdout, p.Stderr)
	}
	return p.Cmd.ProcessState.ExitCode()
}

// Stop ends the program (SIGTERM, by its PID) and waits for it.
func (p *Proc) Stop(t testing.TB) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	if err := terminate(p.Cmd.Process); err != nil {
		t.Errorf("stop %s: %v", p, err)
	}
	p.Wait(t, 10*time.Second)
}

func (p *Proc) String() string { return strings.Join(p.Cmd.Args, " ") }

// Run runs name to its end (at most timeout) and returns its exit code,
// stdout and stderr.
func Run(t testing.TB, dir string, env []string, timeout time.Duration, name string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	p := Start(t, dir, env, name, args...)
	code = p.Wait(t, timeout)
	return code, p.Stdout.String(), p.Stderr.String()
}

// Missing skips the test because a client program is not installed, or
// fails it when APCV_REQUIRE_PEERS is set (make test sets it, after
// scripts/deps.sh test installed them).
func Missing(t testing.TB, program string, err error) {
	t.Helper()
	if os.Getenv("APCV_REQUIRE_PEERS") != "" {
		t.Fatalf("%s required (APCV_REQUIRE_PEERS is set; scripts/deps.sh test installs it): %v", program, err)
	}
	t.Skipf("%s is not installed (scripts/deps.sh test installs it): %v", program, err)
}
