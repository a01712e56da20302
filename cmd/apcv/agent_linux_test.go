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
	var systemd service.System
	for _, s := range service.AvailableSystems() {
		if s.String() == "linux-systemd" {
			systemd = s
		}
	}
	if systemd == nil {
		t.Fatal("kardianos/service has no linux-systemd system")
	}
	// Its detection looks for a running systemd: force it.
	registry := service.AvailableSystems()
	service.ChooseSystem(detected{systemd})
	defer service.ChooseSystem(registry...)

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
