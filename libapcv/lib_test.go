package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests build the library with scripts/libapcv.sh (once per test
// binary) and drive it from real non-Go processes: gcc-built C programs and
// Python's ctypes.

var built struct {
	once sync.Once
	dir  string // scripts/libapcv.sh --out
	lib  string // the library
	log  []byte
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// library builds libapcv.so for this machine and returns its path. The
// tests load it into C and Python processes: Linux only (Windows DLLs are
// checked by TestWindowsDLL; no macOS toolchain exists here).
func library(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("the clients' tests load libapcv.so: Linux only, not %s", runtime.GOOS)
	}
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "libapcv-test-")
		if built.err != nil {
			return
		}
		built.lib = filepath.Join(built.dir, runtime.GOOS+"_"+runtime.GOARCH, "libapcv.so")
		built.log, built.err = buildLib(built.dir)
	})
	if built.err != nil {
		t.Fatalf("scripts/libapcv.sh: %v\n%s", built.err, built.log)
	}
	return built.lib
}

// buildLib runs scripts/libapcv.sh --out dir targets...
func buildLib(dir string, targets ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{"../scripts/libapcv.sh", "--out", dir}, targets...)...)
	return cmd.CombinedOutput()
}

// compileC compiles examples/c/NAME.c against apcv.h and the library.
func compileC(t *testing.T, name string) string {
	t.Helper()
	lib := library(t)
	exe := filepath.Join(t.TempDir(), name)
	libDir := filepath.Dir(lib)
	cmd := exec.Command("gcc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-pthread",
		"-I.", filepath.Join("..", "examples", "c", name+".c"), "-L"+libDir, "-lapcv", "-Wl,-rpath,"+libDir, "-o", exe)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, out)
	}
	return exe
}

// python is Debian's python3 (scripts/deps.sh installs it): the python3 on a
// PATH may be a shim no package owns.
const python = "/usr/bin/python3"

// run runs a client process with the library's path in APCV_LIB and returns
// its exit code and output.
func run(t *testing.T, timeout time.Duration, name string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "APCV_LIB="+library(t), "PYTHONDONTWRITEBYTECODE=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v: still running after %s\nstdout:\n%s\nstderr:\n%s", name, args, timeout, o.String(), e.String())
	}
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%s: %v", name, err)
	}
	return code, o.String(), e.String()
}

func lines(s string) string { return fmt.Sprintf("%q", s) }

// TestWindowsDLL builds apcv.dll for windows/amd64 and windows/386 with
// mingw-w64 (scripts/libapcv.sh) and checks that each exports exactly the
// recorded apcv_ functions, and apcv.def lists them for MSVC's lib tool.
// The DLLs cannot run here (no Windows PC/SC); make test-windows runs Go
// tests under Wine, not this library.
func TestWindowsDLL(t *testing.T) {
	library(t) // Linux
	dir := t.TempDir()
	if out, err := buildLib(dir, "windows/amd64", "windows/386"); err != nil {
		t.Fatalf("scripts/libapcv.sh windows: %v\n%s", err, out)
	}
	want := readLines(t, symbolsFile)
	for _, tc := range []struct{ arch, objdump string }{
		{"amd64", "x86_64-w64-mingw32-objdump"},
		{"386", "i686-w64-mingw32-objdump"},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			d := filepath.Join(dir, "windows_"+tc.arch)
			out, err := exec.Command(tc.objdump, "-p", filepath.Join(d, "apcv.dll")).Output()
			if err != nil {
				t.Fatalf("%s: %v", tc.objdump, err)
			}
			// The export name table: "\t[   0] apcv_cancel" lines after its title.
			_, table, ok := strings.Cut(string(out), "[Ordinal/Name Pointer] Table")
			if !ok {
				t.Fatalf("no export table in apcv.dll:\n%s", out)
			}
			var got []string
			for l := range strings.SplitSeq(table, "\n") {
				f := strings.Fields(l)
				if len(f) == 0 && len(got) > 0 {
					break
				}
				if len(f) >= 2 && strings.HasPrefix(f[0], "[") {
					got = append(got, f[len(f)-1])
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("apcv.dll (%s) exports %v, want %v", tc.arch, got, want)
			}
			def, err := os.ReadFile(filepath.Join(d, "apcv.def"))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range want {
				if !strings.Contains(string(def), "    "+s+"\n") {
					t.Errorf("apcv.def lacks %s", s)
				}
			}
			if h, err := os.ReadFile(filepath.Join(d, "apcv.h")); err != nil || !strings.Contains(string(h), "#define APCV_ABI_VERSION") {
				t.Errorf("apcv.h next to the DLL: %v", err)
			}
		})
	}
}
