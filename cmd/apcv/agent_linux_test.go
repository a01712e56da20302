package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kardianos/service"
)

// TestAgentSystemdUnit installs the agent with kardianos/service's systemd
// back end into a temporary home and checks the user unit it writes with
// systemd-analyze verify (which reports a bad key or value as a warning: any
// output fails). Enabling and starting the unit need a running systemd user
// manager, absent from this container: install then fails at `systemctl
// --user enable`, after the unit is written; status and uninstall against a
// real systemd are not tested here.
func TestAgentSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("APCV_REQUIRE_PEERS") != "" { // make test: scripts/deps.sh installs systemd
			t.Fatal("systemd-analyze is not installed (Debian package systemd) and APCV_REQUIRE_PEERS is set")
		}
		t.Skip("systemd-analyze is not installed (Debian package systemd)")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	runtimeDir := filepath.Join(home, "run")
	os.Mkdir(runtimeDir, 0o700)
	t.Setenv("XDG_RUNTIME_DIR", runtimeDir)
	forceSystemd(t)

	args, err := installArgs([]string{"--emulate", "isere-solo", "--origin", "https://desk.example", "--read-timeout", "90s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := serviceConfig(args)
	if err != nil {
		t.Fatal(err)
	}
	s, err := service.New(noProgram{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	installErr := s.Install()
	unitPath := filepath.Join(home, ".config", "systemd", "user", serviceName+".service")
	unit, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatalf("no unit written (install: %v): %v", installErr, err)
	}
	t.Logf("install: %v (enabling needs a running systemd user manager)\n%s", installErr, unit)
	exe, _ := os.Executable()
	tokFile := filepath.Join(home, ".config", "apcvkit", "agent-token")
	for _, want := range []string{
		"ExecStart=" + exe + ` "agent" "serve" `,
		"--token-file=" + tokFile, "--origin=https://desk.example", "--emulate=isere-solo", "--read-timeout=1m30s",
		"Restart=on-failure", "WantedBy=default.target",
	} {
		if !bytes.Contains(unit, []byte(want)) {
			t.Errorf("unit lacks %q", want)
		}
	}
	verify := func(path string) string {
		out, err := exec.Command(analyze, "verify", "--user", path).CombinedOutput()
		if err != nil {
			return string(out) + err.Error()
		}
		return string(out)
	}
	if out := verify(unitPath); strings.TrimSpace(out) != "" {
		t.Errorf("systemd-analyze verify:\n%s", out)
	}
	// The check can fail: a unit with a bad value does.
	bad := filepath.Join(home, "bad", serviceName+".service")
	os.Mkdir(filepath.Dir(bad), 0o700)
	os.WriteFile(bad, bytes.Replace(unit, []byte("Restart=on-failure"), []byte("Restart=sometimes"), 1), 0o600)
	if out := verify(bad); !strings.Contains(out, "sometimes") {
		t.Errorf("systemd-analyze verify accepted Restart=sometimes: %q", out)
	}
}

// detected is a service system taken as present.
type detected struct{ service.System }

func (detected) Detect() bool { return true }

// fakeSystemctl stands for a systemd user manager, which this container does
// not run: it records each call in its log and keeps one unit's state
// (active or not) in a file; list-unit-files lists the user units present
// in $HOME/.config/systemd/user, as systemd would after daemon-reload.
// Everything else of install, status and uninstall is real: our command,
// kardianos/service's systemd back end, the unit file it writes.
const fakeSystemctl = `#!/bin/sh
echo "$*" >>"$FAKE_SYSTEMCTL_DIR/log"
units="$HOME/.config/systemd/user"
state="$FAKE_SYSTEMCTL_DIR/active"
case "$1" in
--version) echo "systemd 252 (252.30-1~deb12u2)" ;;
is-active)
	if [ -f "$state" ]; then echo active; exit 0; fi
	echo inactive; exit 3 ;;
list-unit-files)
	for f in "$units"/*.service; do [ -f "$f" ] && echo "$(basename "$f") enabled enabled"; done
	exit 0 ;;
start)
	[ "$2" = --user ] && [ -f "$units/$3" ] || { echo "Failed to start $3: Unit $3 not found." >&2; exit 5; }
	touch "$state" ;;
stop) rm -f "$state" ;;
enable | disable)
	[ "$2" = --user ] && [ -f "$units/$3" ] || { echo "Unit file $3 does not exist." >&2; exit 1; } ;;
daemon-reload) [ "$2" = --user ] || exit 1 ;;
*) echo "fake systemctl: unexpected $*" >&2; exit 1 ;;
esac
`

// TestAgentServiceLifecycle runs apcv agent install, status and uninstall
// (agentService, as the command line calls it) through kardianos/service's
// systemd back end, with fakeSystemctl in place of the systemd user manager:
// install writes the user unit, enables it, reloads and starts it; status
// says running (exit 0), then stopped (exit 1) once the unit is stopped; a
// second install is refused; uninstall stops, disables and removes the unit;
// status then says not installed. Whether a real systemd runs the unit is
// not tested here (TestAgentSystemdUnit checks the unit with
// systemd-analyze verify).
func TestAgentServiceLifecycle(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(fakeSystemctl), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_SYSTEMCTL_DIR", bin)
	forceSystemd(t)

	calls := func() []string { // the systemctl calls since the last look
		b, _ := os.ReadFile(filepath.Join(bin, "log"))
		os.Remove(filepath.Join(bin, "log"))
		var out []string
		for l := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
			if l != "" && l != "--version --user" { // the back end asks the version when it writes the unit
				out = append(out, l)
			}
		}
		return out
	}
	cmd := func(action string, args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := agentService(action, args, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	unit := filepath.Join(home, ".config", "systemd", "user", serviceName+".service")
	name := serviceName + ".service"
	same := func(what string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: systemctl calls\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	if code, out := cmd("status"); code != exitFailure || !strings.Contains(out, "not installed") {
		t.Errorf("status before install: exit %d %q", code, out)
	}
	calls()
	code, out := cmd("install", "--emulate", "isere-solo", "--addr", "127.0.0.1:7799")
	if code != exitOK || !strings.Contains(out, "installed and started") {
		t.Fatalf("install: exit %d %q", code, out)
	}
	same("install", calls(), "enable --user "+name, "daemon-reload --user", "start --user "+name)
	b, err := os.ReadFile(unit)
	if err != nil || !bytes.Contains(b, []byte(`"--addr=127.0.0.1:7799"`)) || !bytes.Contains(b, []byte(`"--emulate=isere-solo"`)) {
		t.Fatalf("unit %s (%v):\n%s", unit, err, b)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "apcvkit", "agent-token")); err != nil {
		t.Errorf("install made no token file: %v", err)
	}
	if code, out := cmd("status"); code != exitOK || !strings.Contains(out, "installed, running") {
		t.Errorf("status after install: exit %d %q", code, out)
	}
	same("status", calls(), "is-active "+name+" --user")
	if code, out := cmd("install", "--emulate", "isere-solo"); code != exitFailure || !strings.Contains(out, "exists") {
		t.Errorf("second install: exit %d %q, want a refusal", code, out)
	}
	if b2, _ := os.ReadFile(unit); !bytes.Equal(b, b2) {
		t.Error("a refused second install changed the unit")
	}
	os.Remove(filepath.Join(bin, "active")) // the unit stopped (a crash past its restarts, a systemctl stop)
	calls()
	if code, out := cmd("status"); code != exitFailure || !strings.Contains(out, "installed, stopped") {
		t.Errorf("status when stopped: exit %d %q", code, out)
	}
	same("status when stopped", calls(), "is-active "+name+" --user", "list-unit-files -t service "+name+" --user")
	if code, out := cmd("status", "extra"); code != exitUsage {
		t.Errorf("status with an argument: exit %d %q, want usage", code, out)
	}
	if code, out := cmd("uninstall"); code != exitOK || !strings.Contains(out, "uninstalled") {
		t.Fatalf("uninstall: exit %d %q", code, out)
	}
	same("uninstall", calls(), "stop --user "+name, "disable --user "+name, "daemon-reload --user")
	if _, err := os.Stat(unit); err == nil {
		t.Error("uninstall left the unit file")
	}
	if code, out := cmd("status"); code != exitFailure || !strings.Contains(out, "not installed") {
		t.Errorf("status after uninstall: exit %d %q", code, out)
	}
	if code, out := cmd("uninstall"); code != exitFailure {
		t.Errorf("uninstall of nothing: exit %d %q, want a failure", code, out)
	}
}

// forceSystemd makes kardianos/service use its linux-systemd system until
// the test ends: its detection looks for a running systemd, which a test
// machine may not have.
func forceSystemd(t *testing.T) {
	t.Helper()
	var systemd service.System
	for _, s := range service.AvailableSystems() {
		if s.String() == "linux-systemd" {
			systemd = s
		}
	}
	if systemd == nil {
		t.Fatal("kardianos/service has no linux-systemd system")
	}
	registry := service.AvailableSystems()
	service.ChooseSystem(detected{systemd})
	t.Cleanup(func() { service.ChooseSystem(registry...) })
}
