package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScenarioCLI: apcv scenario run passes a shipped scenario (exit 0),
// fails one whose expectation is wrong naming the step and line (exit 1),
// and refuses a file that cannot run before running anything (exit 2);
// list and show give the shipped ones.
func TestScenarioCLI(t *testing.T) {
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong.yaml")
	if err := os.WriteFile(wrong, []byte(`name: wrong-expectation
steps:
  - new-phone: isere-solo
  - activate
  - advance: 91d
  - network: offline
  - unlock
  - read-qr
`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("steps:\n  - teleport: mars\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"shipped passes", []string{"scenario", "run", "renewal-at-opening"}, exitOK, "PASS renewal-at-opening (", ""},
		{"wrong expectation", []string{"scenario", "run", "--quiet", "renewal-at-opening", wrong}, exitFailure,
			"2 scenario(s): 1 passed, 1 failed", "step 6 (line 8, read-qr): reader: desk-scanner: credential: valid until 2026-05-31 09:00:00 +0000 UTC: credential-expired"},
		{"cannot run", []string{"scenario", "run", "renewal-at-opening", bad}, exitUsage, "", `bad.yaml:2: step 1: unknown step "teleport"`},
		{"unknown name", []string{"scenario", "run", "no-such-story"}, exitUsage, "", "no shipped scenario"},
		{"no argument", []string{"scenario", "run"}, exitUsage, "", "usage"},
		{"list", []string{"scenario", "list"}, exitOK, "portal-revocation", ""},
		{"show", []string{"scenario", "show", "portal-revocation"}, exitOK, "portal-revoke:", ""},
		{"steps", []string{"scenario", "steps"}, exitOK, "expect-error", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.err) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if tt.name == "wrong expectation" && (!strings.Contains(out, "FAIL wrong-expectation") || strings.Contains(out, "renewal-at-opening\n")) {
				t.Errorf("--quiet output:\n%s", out)
			}
			if tt.name == "cannot run" && strings.Contains(out, "PASS") {
				t.Errorf("a scenario ran although another file cannot:\n%s", out)
			}
		})
	}
}
