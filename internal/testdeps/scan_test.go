package testdeps

import (
	"slices"
	"strings"
	"testing"
)

func names(probes []Probe) []string {
	var out []string
	for _, p := range dedup(probes) {
		out = append(out, p.Kind.String()+" "+p.Name)
	}
	return out
}

func TestScanGo(t *testing.T) {
	for _, tt := range []struct {
		name string
		src  string
		want []string
	}{
		{"look path", `exec.LookPath("zbarimg")`, []string{"program zbarimg"}},
		{"command", `exec.Command("qrencode", "-o", "x.png")`, []string{"program qrencode"}},
		{"command context", `exec.CommandContext(ctx, "scriptor", "-r", r)`, []string{"program scriptor"}},
		{"helper", "}\nfunc peer(t *testing.T, name string) string { p, _ := exec.LookPath(name); return p }\nfunc g() { peer(t, \"ZXingReader\")",
			[]string{"program ZXingReader"}},
		{"helper of a helper", "}\nfunc a(dir, name string) { exec.Command(name) }\nfunc b(n string) { a(\"/tmp\", n) }\nfunc g() { b(\"pcsc_scan\"); a(\"x\", \"scriptor\")",
			[]string{"program pcsc_scan", "program scriptor"}},
		{"range over literals", `for _, n := range []string{"g++", "gcc"} { exec.LookPath(n) }`, []string{"program g++", "program gcc"}},
		{"range over structs, positional", `for _, b := range []struct{ src, compiler string }{{"a.c", "gcc"}, {"b.cpp", "g++"}} { exec.CommandContext(ctx, b.compiler, b.src) }`,
			[]string{"program g++", "program gcc"}},
		{"range over structs, keyed", `for _, p := range []struct{ bin string; args []string }{{bin: "zbarimg"}, {args: nil, bin: "ZXingReader"}} { exec.LookPath(p.bin) }`,
			[]string{"program ZXingReader", "program zbarimg"}},
		{"pkg-config modules", `exec.CommandContext(ctx, "pkg-config", "--exists", "--print-errors", "zxing", "zbar")`,
			[]string{"program pkg-config", "pkg-config zbar", "pkg-config zxing"}},
		{"looking pkg-config up names no module", `exec.LookPath("pkg-config")`, []string{"program pkg-config"}},
		{"absolute path", `os.Stat("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")`, []string{"file /usr/lib/pcsc/drivers/serial/libifdvpcd.so"}},
		{"absolute program", `exec.Command("/usr/sbin/pcscd", "-f")`, []string{"file /usr/sbin/pcscd"}},
		{"relative program is the repository's", `exec.Command("scripts/pcscd/with-pcscd.sh")`, nil},
		{"computed at run time", `exec.Command(os.Args[0], "-test.run=x"); exec.Command(bin)`, nil},
		{"another package's LookPath", `other.LookPath("nothing")`, nil},
		{"non-system path", `os.Stat("/tmp/x"); _ = "/usr"`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := "package p\nfunc f() {\n" + tt.src + "\n}\n"
			got, err := ScanGo(map[string][]byte{"p.go": []byte(src)})
			if err != nil {
				t.Fatal(err)
			}
			if n := names(got); !slices.Equal(n, tt.want) {
				t.Errorf("got %q, want %q", n, tt.want)
			}
		})
	}
}

// A helper in one file of the directory, called from a test file beside it.
func TestScanGoAcrossFiles(t *testing.T) {
	got, err := ScanGo(map[string][]byte{
		"main.go":      []byte("package main\nfunc tool(name string) { exec.LookPath(name) }\n"),
		"main_test.go": []byte("package main\nfunc TestX(t *testing.T) { tool(\"qrencode\") }\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "qrencode" || got[0].At != "main_test.go:2" {
		t.Errorf("got %v", got)
	}
}

func TestScanGoBadSource(t *testing.T) {
	if _, err := ScanGo(map[string][]byte{"bad.go": []byte("package p\nfunc {")}); err == nil {
		t.Error("a file that does not parse gave no error")
	}
}

func TestScanShell(t *testing.T) {
	src := `#!/usr/bin/env bash
# /usr/share/doc in a comment
PCSCD=$(command -v pcscd || echo /usr/sbin/pcscd)
VPCD_SO=${APCV_VPCD_DRIVER:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}
	command -v pcsc_scan >/dev/null || return 1
`
	got := names(ScanShell("s.sh", []byte(src)))
	want := []string{"program pcsc_scan", "program pcscd", "file /usr/lib/pcsc/drivers/serial/libifdvpcd.so", "file /usr/sbin/pcscd"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseDepends(t *testing.T) {
	g := ParseDepends([]byte(`pcsc-tools
  Depends: libc6
  Depends: libpcsc-perl
libpcsc-perl
  Depends: perl
  Depends: <perlapi-5.36.0>
    perl-base
 |Depends: a
  Depends: b:i386
libc6
perl
`))
	got := g.Closure([]string{"pcsc-tools"})
	for _, p := range []string{"pcsc-tools", "libc6", "libpcsc-perl", "perl", "perl-base", "a", "b"} {
		if !got[p] {
			t.Errorf("%s missing from the closure %v", p, got)
		}
	}
	if got["perlapi-5.36.0"] || len(got) != 7 {
		t.Errorf("closure %v", got)
	}
}

func TestCheck(t *testing.T) {
	g := Graph{"pkg-config": {"pkgconf"}, "pkgconf": {"libc6"}, "zbar-tools": {"libzbar0"}}
	base := map[string]bool{"coreutils": true}
	allow := map[string]string{"go": "the Go toolchain"}
	zbar := Owner{Probe: Probe{Program, "zbarimg", "a.go:1"}, Path: "/usr/bin/zbarimg", Package: "zbar-tools"}
	pkgconf := Owner{Probe: Probe{Program, "pkg-config", "a.go:2"}, Path: "/usr/bin/pkg-config", Package: "pkgconf"}
	env := Owner{Probe: Probe{File, "/usr/bin/env", "s.sh:1"}, Path: "/usr/bin/env", Package: "coreutils"}
	goTool := Owner{Probe: Probe{Program, "go", "a.go:3"}, Path: "/usr/local/go/bin/go", Err: ErrNoPackage}
	for _, tt := range []struct {
		name   string
		owners []Owner
		list   []string
		want   []string // probe names reported
	}{
		{"all covered", []Owner{zbar, pkgconf, env, goTool}, []string{"zbar-tools", "pkg-config"}, nil},
		{"package left out", []Owner{zbar, pkgconf}, []string{"pkg-config"}, []string{"zbarimg"}},
		{"covered only through a dependency", []Owner{pkgconf}, []string{"zbar-tools"}, []string{"pkg-config"}},
		{"not installed", []Owner{{Probe: Probe{Program, "ZXingReader", "b.go:1"}, Err: ErrNotInstalled}}, []string{"zbar-tools"}, []string{"ZXingReader"}},
		{"installed by hand", []Owner{{Probe: Probe{Program, "mytool", "b.go:2"}, Path: "/usr/local/bin/mytool", Err: ErrNoPackage}}, nil, []string{"mytool"}},
		{"allowed name as a file is not allowed", []Owner{{Probe: Probe{File, "go", "b.go:3"}, Err: ErrNotInstalled}}, nil, []string{"go"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range Check(tt.owners, tt.list, g, base, allow) {
				got = append(got, p.Name)
				if !strings.Contains(p.String(), p.At) {
					t.Errorf("%q does not say where the probe is", p)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems for %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	got := candidates("/usr/bin/definitely-not-here")
	if !slices.Equal(got, []string{"/usr/bin/definitely-not-here", "/bin/definitely-not-here"}) {
		t.Errorf("got %q", got)
	}
}

func TestMakeScripts(t *testing.T) {
	mk := `GO ?= go
X := scripts/not-a-recipe.sh

demo:
	@scripts/deps.sh demo

# a comment: scripts/commented.sh
test test-short:
	@scripts/deps.sh test
	APCV_REQUIRE_PCSC=1 scripts/pcscd/with-pcscd.sh $(GO) test ./...

	APCV_REQUIRE_PCSC=1 ./scripts/pcscd/with-pcscd.sh --allow-restart $(GO) test -p 1 ./nfc/pcsc/
	.ci/check-something
test-windows:
	scripts/wine/run.sh
`
	for _, tt := range []struct {
		target string
		want   []string
	}{
		{"test", []string{"scripts/deps.sh", "scripts/pcscd/with-pcscd.sh", ".ci/check-something"}},
		{"test-short", []string{"scripts/deps.sh", "scripts/pcscd/with-pcscd.sh", ".ci/check-something"}},
		{"demo", []string{"scripts/deps.sh"}},
		{"test-windows", []string{"scripts/wine/run.sh"}},
		{"nope", nil},
	} {
		if got := MakeScripts([]byte(mk), tt.target); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.target, got, tt.want)
		}
	}
}
