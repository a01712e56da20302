package testdeps

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// notDebian: programs the suite runs that do not come from a Debian
// package, and why that is fine.
var notDebian = map[string]string{
	"go": "the Go toolchain, which the README asks for first",
}

const root = "../.."

// optionalTags are the build tags that bring in more cgo (usb: libusb
// through gousb), which make test sets on Linux: the check counts what
// they need whether or not this run was built with them.
var optionalTags = []string{"usb"}

var gathered struct {
	sync.Mutex
	done   bool
	list   []string
	owners []Owner
	g      Graph
	base   map[string]bool
}

// suite gathers, once for both tests, the list scripts/deps.sh test
// installs and where this machine has what the sources probe (this
// package's own sources aside: its test tables are made-up probes).
func suite(t *testing.T) (list []string, owners []Owner, g Graph, base map[string]bool) {
	t.Helper()
	gathered.Lock()
	defer gathered.Unlock()
	if !gathered.done {
		gathered.list, gathered.owners, gathered.g, gathered.base = gather(t)
		gathered.done = true
	}
	return gathered.list, gathered.owners, gathered.g, gathered.base
}

func gather(t *testing.T) (list []string, owners []Owner, g Graph, base map[string]bool) {
	t.Helper()
	for _, tool := range []string{"dpkg-query", "apt-cache"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("not a Debian system (%s: %v): scripts/deps.sh is Debian's", tool, err)
		}
	}
	ctx := context.Background()
	out, err := exec.CommandContext(ctx, filepath.Join(root, "scripts", "deps.sh"), "--list", "test").Output()
	if err != nil {
		t.Fatalf("scripts/deps.sh --list test: %v", err)
	}
	list = strings.Fields(string(out))
	if len(list) == 0 {
		t.Fatal("scripts/deps.sh --list test printed no package")
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	scripts := MakeScripts(makefile, "test")
	if !slices.Contains(scripts, "scripts/pcscd/with-pcscd.sh") {
		t.Fatalf("make test runs %q: no scripts/pcscd/with-pcscd.sh, the Makefile changed shape", scripts)
	}
	probes, err := Scan(root, scripts...)
	if err != nil {
		t.Fatal(err)
	}
	cgo, err := CgoProbes(ctx, root, optionalTags, "./...")
	if err != nil {
		t.Fatal(err)
	}
	probes = slices.DeleteFunc(probes, func(p Probe) bool { return strings.HasPrefix(p.At, "internal/testdeps/") })
	probes = dedup(append(probes, cgo...))
	owners = Resolve(ctx, probes)
	if g, err = Depends(ctx, list); err != nil {
		t.Fatal(err)
	}
	if base, err = Base(ctx); err != nil {
		t.Fatal(err)
	}
	return list, owners, g, base
}

// required: make test (APCV_REQUIRE_*=1) runs after scripts/deps.sh test,
// so there a probe that finds nothing is a package the list lacks. A bare
// go test on a machine without the packages only reports the ones it can
// check.
func required() bool {
	return os.Getenv("APCV_REQUIRE_PCSC") == "1" || os.Getenv("APCV_REQUIRE_PEERS") == "1"
}

// TestDepsTestCoversTheSuite: every program, pkg-config module and system
// file the tests (and the helpers and scripts they run) probe comes from a
// package scripts/deps.sh test installs, or from what that package needs,
// or from Debian's base system.
func TestDepsTestCoversTheSuite(t *testing.T) {
	list, owners, g, base := suite(t)
	for _, o := range owners {
		switch {
		case o.Err != nil:
			t.Logf("%-52s %v", o.Probe, o.Err)
		default:
			t.Logf("%-52s %s ← %s", o.Probe, o.Path, o.Package)
		}
	}
	if len(owners) < 10 {
		t.Fatalf("only %d probes found: the scanner no longer sees the tests' probes", len(owners))
	}
	var skipped []string
	for _, p := range Check(owners, list, g, base, notDebian) {
		if !required() && errorsIsNotInstalled(p.Err) {
			skipped = append(skipped, p.Name)
			continue
		}
		t.Errorf("%s\n\tadd its package to test=(…) in scripts/deps.sh", p)
	}
	if len(skipped) > 0 {
		t.Skipf("not installed here, not checked (make test, which runs scripts/deps.sh test first, checks them): %s", strings.Join(skipped, ", "))
	}
}

func errorsIsNotInstalled(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), ErrNotInstalled.Error())
}

// TestDepsCheckCanFail: taking out of the list any package that directly
// provides a probe makes Check report that probe; a check that always
// passes would not.
func TestDepsCheckCanFail(t *testing.T) {
	list, owners, g, base := suite(t)
	caught := 0
	for _, pkg := range list {
		var provides []string
		for _, o := range owners {
			if o.Err == nil && o.Package == pkg {
				provides = append(provides, o.Name)
			}
		}
		if len(provides) == 0 {
			t.Logf("%s provides no probe itself (needed by the packages that need it, or by cgo's build)", pkg)
			continue
		}
		without := slices.DeleteFunc(slices.Clone(list), func(p string) bool { return p == pkg })
		if g.Closure(without)[pkg] {
			t.Logf("%s is also needed by another package of the list: removing it alone changes nothing", pkg)
			continue
		}
		var reported []string
		for _, p := range Check(owners, without, g, base, notDebian) {
			reported = append(reported, p.Name)
		}
		for _, name := range provides {
			if !slices.Contains(reported, name) {
				t.Errorf("without %s in the list, %s is not reported (got %q)", pkg, name, reported)
			}
		}
		caught++
	}
	if caught == 0 {
		t.Fatal("no package of the list could be taken out to see the check fail")
	}
}
