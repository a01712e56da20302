package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/internal/desk"
)

var updateABI = flag.Bool("update-abi", false, "record the ABI in abi/ (only after a bump of APCV_ABI_VERSION)")

// abi is what a C program compiled against apcv.h depends on.
type abi struct {
	Version int      // APCV_ABI_VERSION
	Symbols []string // the exported functions (nm -D --defined-only), sorted
	Header  string   // sha256 of apcv.h
	Codes   []string // the result codes, "num code", in order
}

// The record, checked in.
const (
	abiDir      = "abi"
	symbolsFile = "abi/symbols.txt"
	headerFile  = "abi/apcv.h.sha256"
	codesFile   = "abi/codes.txt"
	versionFile = "abi/version"
)

var abiVersionRE = regexp.MustCompile(`(?m)^#define APCV_ABI_VERSION (\d+)$`)

// headerABI reads the version and the hash of a header.
func headerABI(h []byte) (version int, sum string, err error) {
	m := abiVersionRE.FindSubmatch(h)
	if m == nil {
		return 0, "", fmt.Errorf("apcv.h: no #define APCV_ABI_VERSION")
	}
	version, _ = strconv.Atoi(string(m[1]))
	s := sha256.Sum256(h)
	return version, hex.EncodeToString(s[:]), nil
}

// exportedSymbols lists the functions a shared library exports. Every one
// must be an apcv_ function: nothing of the Go runtime may leak into the ABI.
func exportedSymbols(lib string) ([]string, error) {
	out, err := exec.Command("nm", "-D", "--defined-only", lib).Output()
	if err != nil {
		return nil, fmt.Errorf("nm -D %s: %w", lib, err)
	}
	var syms []string
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		if !strings.HasPrefix(f[2], "apcv_") {
			return nil, fmt.Errorf("%s exports %s (%s): only apcv_ functions may be exported", filepath.Base(lib), f[2], f[1])
		}
		syms = append(syms, f[2])
	}
	slices.Sort(syms)
	return syms, nil
}

func codesOf(rows []desk.ResultCodeInfo) []string {
	var cs []string
	for _, r := range rows {
		cs = append(cs, fmt.Sprintf("%d %s", r.Num, r.Code))
	}
	return cs
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var ls []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			ls = append(ls, l)
		}
	}
	return ls
}

func recorded(t *testing.T) abi {
	t.Helper()
	v, err := strconv.Atoi(strings.Join(readLines(t, versionFile), ""))
	if err != nil {
		t.Fatalf("%s: %v", versionFile, err)
	}
	return abi{Version: v, Symbols: readLines(t, symbolsFile), Header: strings.Join(readLines(t, headerFile), ""), Codes: readLines(t, codesFile)}
}

func write(t *testing.T, a abi) {
	t.Helper()
	for name, ls := range map[string][]string{versionFile: {strconv.Itoa(a.Version)}, symbolsFile: a.Symbols, headerFile: {a.Header}, codesFile: a.Codes} {
		if err := os.WriteFile(name, []byte(strings.Join(ls, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkABI returns what forbids cur after rec: a change without a bump of
// the version, a version that went back, or a result code renumbered or
// removed (never allowed: the table is append only).
func checkABI(rec, cur abi) []string {
	var problems []string
	for i, c := range rec.Codes {
		if i >= len(cur.Codes) || cur.Codes[i] != c {
			problems = append(problems, fmt.Sprintf("result code %q was renumbered or removed: the table is append only", c))
		}
	}
	var changed []string
	if !slices.Equal(rec.Symbols, cur.Symbols) {
		changed = append(changed, fmt.Sprintf("exported symbols %v → %v", rec.Symbols, cur.Symbols))
	}
	if rec.Header != cur.Header {
		changed = append(changed, "apcv.h")
	}
	if !slices.Equal(rec.Codes, cur.Codes) {
		changed = append(changed, fmt.Sprintf("result codes (%d → %d)", len(rec.Codes), len(cur.Codes)))
	}
	switch {
	case cur.Version < rec.Version:
		problems = append(problems, fmt.Sprintf("APCV_ABI_VERSION went back from %d to %d", rec.Version, cur.Version))
	case len(changed) > 0 && cur.Version == rec.Version:
		problems = append(problems, fmt.Sprintf("the ABI changed without a bump of APCV_ABI_VERSION (%d): %s", cur.Version, strings.Join(changed, "; ")))
	}
	return problems
}

// TestABI builds the library and checks its ABI against the record in abi/:
// any change to the exported functions, apcv.h or the result codes fails
// until APCV_ABI_VERSION is bumped (in apcv.h, doc.go's abiVersion and
// examples/python/apcv.py) and the record rewritten with
//
//	go test ./libapcv -run 'TestABI$' -update-abi
//
// A result code renumbered or removed fails even then.
func TestABI(t *testing.T) {
	lib := library(t)
	h, err := os.ReadFile("apcv.h")
	if err != nil {
		t.Fatal(err)
	}
	var cur abi
	if cur.Version, cur.Header, err = headerABI(h); err != nil {
		t.Fatal(err)
	}
	if cur.Symbols, err = exportedSymbols(lib); err != nil {
		t.Fatal(err)
	}
	cur.Codes = codesOf(desk.ResultCodes())

	// The header declares exactly the functions exported, and every version
	// number agrees with the header's.
	var declared []string
	for _, m := range regexp.MustCompile(`(?m)^APCV_API [^(]*?\b(apcv_\w+)\(`).FindAllSubmatch(h, -1) {
		declared = append(declared, string(m[1]))
	}
	slices.Sort(declared)
	if !slices.Equal(declared, cur.Symbols) {
		t.Errorf("apcv.h declares %v, the library exports %v", declared, cur.Symbols)
	}
	if abiVersion != cur.Version {
		t.Errorf("doc.go's abiVersion %d, apcv.h's APCV_ABI_VERSION %d", abiVersion, cur.Version)
	}
	py, err := os.ReadFile(filepath.Join("..", "examples", "python", "apcv.py"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(py, fmt.Appendf(nil, "\nABI_VERSION = %d ", cur.Version)) {
		t.Errorf("examples/python/apcv.py: ABI_VERSION is not %d", cur.Version)
	}

	if _, err := os.Stat(versionFile); os.IsNotExist(err) && *updateABI { // the first record
		write(t, cur)
		t.Logf("recorded ABI %d in %s/", cur.Version, abiDir)
		return
	}
	rec := recorded(t)
	if problems := checkABI(rec, cur); len(problems) > 0 {
		t.Fatalf("libapcv's ABI:\n\t%s", strings.Join(problems, "\n\t"))
	}
	if slices.Equal(rec.Symbols, cur.Symbols) && rec.Header == cur.Header && slices.Equal(rec.Codes, cur.Codes) && rec.Version == cur.Version {
		return
	}
	if !*updateABI {
		t.Fatalf("APCV_ABI_VERSION is now %d, but the record in %s/ is of %d: run go test ./libapcv -run 'TestABI$' -update-abi",
			cur.Version, abiDir, rec.Version)
	}
	write(t, cur)
	t.Logf("recorded ABI %d in %s/", cur.Version, abiDir)
}

// TestABICheckFails: every kind of change is caught, and a bump lets
// through all but a renumbered or removed result code.
func TestABICheckFails(t *testing.T) {
	base := abi{Version: 3, Symbols: []string{"apcv_close", "apcv_open"}, Header: "aa", Codes: []string{"1 a", "2 b"}}
	edit := func(f func(a *abi)) abi {
		a := base
		a.Symbols, a.Codes = slices.Clone(base.Symbols), slices.Clone(base.Codes)
		f(&a)
		return a
	}
	bump := func(a *abi) { a.Version++ }
	for _, tc := range []struct {
		name string
		cur  abi
		ok   bool
	}{
		{"unchanged", base, true},
		{"bump alone", edit(bump), true},
		{"symbol added", edit(func(a *abi) { a.Symbols = append(a.Symbols, "apcv_extra") }), false},
		{"symbol added, bumped", edit(func(a *abi) { a.Symbols = append(a.Symbols, "apcv_extra"); bump(a) }), true},
		{"symbol removed", edit(func(a *abi) { a.Symbols = a.Symbols[:1] }), false},
		{"header changed", edit(func(a *abi) { a.Header = "bb" }), false},
		{"header changed, bumped", edit(func(a *abi) { a.Header = "bb"; bump(a) }), true},
		{"code appended", edit(func(a *abi) { a.Codes = append(a.Codes, "3 c") }), false},
		{"code appended, bumped", edit(func(a *abi) { a.Codes = append(a.Codes, "3 c"); bump(a) }), true},
		{"code renumbered, bumped", edit(func(a *abi) { a.Codes = []string{"1 b", "2 a"}; bump(a) }), false},
		{"code removed, bumped", edit(func(a *abi) { a.Codes = a.Codes[:1]; bump(a) }), false},
		{"version went back", edit(func(a *abi) { a.Version-- }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p := checkABI(base, tc.cur); (len(p) == 0) != tc.ok {
				t.Errorf("checkABI = %q, want ok %v", p, tc.ok)
			}
		})
	}
}

// TestExportedSymbolsFails runs the symbol check on real shared libraries
// built with gcc: one that exports one more apcv_ function than the record
// (an ABI change) and one that exports a function outside the apcv_ prefix.
func TestExportedSymbolsFails(t *testing.T) {
	library(t) // Linux, with the toolchain the tests need
	dir := t.TempDir()
	build := func(name, src string) string {
		c, so := filepath.Join(dir, name+".c"), filepath.Join(dir, name+".so")
		if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("gcc", "-shared", "-fPIC", "-o", so, c).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
		return so
	}
	var src strings.Builder
	for _, s := range readLines(t, symbolsFile) {
		fmt.Fprintf(&src, "int %s(void) { return 0; }\n", s)
	}
	rec := recorded(t)
	same := build("same", src.String())
	syms, err := exportedSymbols(same)
	if err != nil || !slices.Equal(syms, rec.Symbols) {
		t.Fatalf("symbols of a library with the recorded exports: %v, %v", syms, err)
	}
	extra := build("extra", src.String()+"int apcv_extra(void) { return 1; }\n")
	syms, err = exportedSymbols(extra)
	if err != nil {
		t.Fatal(err)
	}
	cur := rec
	cur.Symbols = syms
	if p := checkABI(rec, cur); len(p) != 1 || !strings.Contains(p[0], "apcv_extra") {
		t.Errorf("one more export, no bump: checkABI = %q", p)
	}
	leak := build("leak", src.String()+"int helper(void) { return 2; }\n")
	if _, err := exportedSymbols(leak); err == nil || !strings.Contains(err.Error(), "helper") {
		t.Errorf("a library exporting helper: %v", err)
	}
}
