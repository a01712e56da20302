package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/reader"
)

func TestVersionCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "version")
	want := "apcv " + reader.Version() + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if code != exitOK || out != want {
		t.Errorf("exit %d, %q (stderr %q), want %q", code, out, errOut, want)
	}
	if code, _, _ := runCLI(t, "version", "extra"); code != exitUsage {
		t.Errorf("apcv version extra: exit %d, want %d", code, exitUsage)
	}
}

// TestVersionLinked builds apcv the way make dist does, with a version
// linked into reader, and runs apcv version.
func TestVersionLinked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds apcv")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go not in PATH: %v", err)
	}
	const v = "v9.8.7-1-gabcdef0-dirty"
	bin := filepath.Join(t.TempDir(), "apcv")
	build := exec.Command(gobin, "build", "-trimpath", "-ldflags", "-X github.com/apcvkit/apcvkit/reader.version="+v, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("apcv version: %v", err)
	}
	if !strings.HasPrefix(string(out), "apcv "+v+" (") {
		t.Errorf("apcv version printed %q, want the linked %s", out, v)
	}
}
