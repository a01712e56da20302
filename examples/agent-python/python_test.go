package agentpython

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/examples/internal/agenttest"
	"github.com/apcvkit/apcvkit/nfc"
)

func TestMain(m *testing.M) { agenttest.Main(m) }

// python returns Debian's python3, the one scripts/deps.sh test installs
// (not whichever python3 comes first on the PATH, such as a pyenv shim).
func python(t *testing.T) string {
	t.Helper()
	const p = "/usr/bin/python3"
	if _, err := exec.LookPath(p); err != nil {
		agenttest.Missing(t, "python3", err)
	}
	return p
}

// env keeps python from writing __pycache__ into the source tree.
var env = []string{"PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8"}

// TestPythonClient runs apcv_agent.py (urllib only) as a real python3
// process against the real agent: the event stream and a read, over the
// in-memory emulated phone and over pcscd+vpcd; a refusal; a wrong token.
func TestPythonClient(t *testing.T) {
	py := python(t)
	t.Run("emulate/read", func(t *testing.T) {
		a := agenttest.StartAgent(t, agenttest.Options{Emulate: "famille-6-drome"})
		clientRead(t, py, a, "famille-6-drome")
	})
	t.Run("emulate/wrong-token", func(t *testing.T) {
		a := agenttest.StartAgent(t, agenttest.Options{Emulate: "isere-solo"})
		code, out, errOut := agenttest.Run(t, "", append(env, "APCV_AGENT_TOKEN=not-the-token"), 30*time.Second, py, "apcv_agent.py", "--agent", a.URL, "read")
		if code != 1 || out != "" {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		if !strings.Contains(errOut, "401 unauthorized") || !strings.Contains(errOut, "FR: ") {
			t.Errorf("stderr lacks the 401 and its desk message:\n%s", errOut)
		}
	})
	t.Run("emulate/locked", func(t *testing.T) {
		cfg := agenttest.Config(t, map[string]any{"emulate": map[string]any{"profile": "isere-solo", "locked": true}})
		a := agenttest.StartAgent(t, agenttest.Options{Config: cfg})
		clientRefused(t, py, a, nfc.ErrAppLocked.Code, nfc.ErrAppLocked.FR)
	})
	t.Run("pcsc/read", func(t *testing.T) {
		ph := agenttest.PCSCPhone(t, "famille-6-drome")
		a := agenttest.StartAgent(t, agenttest.Options{PCSC: ph.Reader, Lists: ph.Lists})
		clientRead(t, py, a, "famille-6-drome")
	})
	t.Run("pcsc/locked", func(t *testing.T) {
		ph := agenttest.PCSCPhone(t, "isere-solo", "--locked")
		a := agenttest.StartAgent(t, agenttest.Options{PCSC: ph.Reader, Lists: ph.Lists})
		clientRefused(t, py, a, nfc.ErrAppLocked.Code, nfc.ErrAppLocked.FR)
	})
}

// startEvents starts `apcv_agent.py events --until stop` and waits until
// its stream is open.
func startEvents(t *testing.T, py string, a *agenttest.Agent, stop string) *agenttest.Proc {
	t.Helper()
	ev := agenttest.Start(t, "", env, py, "apcv_agent.py", "--agent", a.URL, "--token-file", a.TokenFile, "events", "--until", stop)
	ev.Stderr.WaitFor(t, "events: connected", 30*time.Second)
	return ev
}

func clientRead(t *testing.T, py string, a *agenttest.Agent, profile string) {
	prof, err := phone.BuiltinProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	ev := startEvents(t, py, a, "identity")
	code, out, errOut := agenttest.Run(t, "", env, 90*time.Second, py, "apcv_agent.py", "--agent", a.URL, "--token-file", a.TokenFile, "read")
	if code != 0 {
		t.Fatalf("read: exit %d\nstdout:\n%s\nstderr:\n%s\nagent:\n%s", code, out, errOut, a.Log)
	}
	if code := ev.Wait(t, 30*time.Second); code != 0 {
		t.Fatalf("events: exit %d\nstdout:\n%s\nstderr:\n%s", code, ev.Stdout, ev.Stderr)
	}
	events := ev.Stdout.String()
	t.Logf("read:\n%s\nevents:\n%s", out, events)
	for _, b := range prof.Family.Beneficiaires {
		line := b.NIR.Masked() + "  " + credential.MaskName(b.NomFamille) + " " + credential.MaskName(b.Prenoms)
		if !strings.Contains(out, line) {
			t.Errorf("read prints no line %q", line)
		}
		for _, pii := range []string{string(b.NIR), b.NIR.Format(), b.NomFamille, b.Prenoms} {
			if strings.Contains(out+events, pii) {
				t.Errorf("the client printed %q unmasked", pii)
			}
		}
	}
	want := "event identity"
	if !strings.Contains(events, want) || !strings.Contains(events, "beneficiaires="+strconv.Itoa(len(prof.Family.Beneficiaires))) {
		t.Errorf("events lack %q with the family's size", want)
	}
	if !strings.Contains(events, "event reading") {
		t.Errorf("events lack the reading event")
	}
}

func clientRefused(t *testing.T, py string, a *agenttest.Agent, code, fr string) {
	ev := startEvents(t, py, a, "refused")
	exit, out, errOut := agenttest.Run(t, "", env, 90*time.Second, py, "apcv_agent.py", "--agent", a.URL, "--token-file", a.TokenFile, "read")
	if exit != 1 || out != "" {
		t.Fatalf("read: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", exit, out, errOut)
	}
	if !strings.Contains(errOut, " "+code+"\n") || !strings.Contains(errOut, "FR: "+fr+"\n") {
		t.Errorf("stderr lacks the code %q and the desk message %q:\n%s", code, fr, errOut)
	}
	if c := ev.Wait(t, 30*time.Second); c != 0 {
		t.Fatalf("events: exit %d\nstdout:\n%s\nstderr:\n%s", c, ev.Stdout, ev.Stderr)
	}
	if want := "event refused"; !strings.Contains(ev.Stdout.String(), want) || !strings.Contains(ev.Stdout.String(), "code="+code+" message="+fr) {
		t.Errorf("events lack the refusal %q with its FR message:\n%s", code, ev.Stdout)
	}
}
