package errcatalog_test

import (
	"bytes"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
)

var update = flag.Bool("update", false, "rewrite zz_imports_test.go and the README's count of error kinds")

const (
	apcverrPath = "github.com/apcvkit/apcvkit/apcverr"
	importsFile = "zz_imports_test.go"
)

// goos are the systems whose build the walk looks at: a kind defined in a
// file of one system only is still found.
var goos = []string{"linux", "darwin", "windows"}

// pkg is one package of the module, as go list sees it.
type pkg struct {
	path, name, dir string
	files           []string
	importsApcverr  bool
}

// goCommand returns the path of the go command. Without one the test fails,
// except on Windows, where it skips: scripts/test-windows.sh runs the test
// binary alone under Wine, with no Go toolchain there. The walk is the same
// on every system (it lists the module for each of goos, windows included)
// and runs with make test.
func goCommand(t *testing.T) string {
	t.Helper()
	gocmd, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
	switch {
	case err != nil && runtime.GOOS == "windows":
		t.Skipf("the go command is needed to walk the module, and this system has none: %v", err)
	case err != nil:
		t.Fatalf("the go command is needed to walk the module: %v", err)
	}
	return gocmd
}

// moduleRoot returns the module's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(goCommand(t), "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// listModule runs go list on every package of the module, for each of goos,
// and returns them by import path.
func listModule(t *testing.T) map[string]*pkg {
	t.Helper()
	gocmd, root := goCommand(t), moduleRoot(t)
	pkgs := map[string]*pkg{}
	for _, sys := range goos {
		cmd := exec.Command(gocmd, "list", "-e", "-f",
			`{{.ImportPath}}|{{.Name}}|{{.Dir}}|{{join .GoFiles ","}},{{join .CgoFiles ","}}|{{join .Imports ","}}`, "./...")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+sys, "CGO_ENABLED=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GOOS=%s go list ./...: %v\n%s", sys, err, stderr.Bytes())
		}
		for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
			f := strings.Split(line, "|")
			if len(f) != 5 {
				t.Fatalf("go list: unexpected line %q", line)
			}
			p := pkgs[f[0]]
			if p == nil {
				p = &pkg{path: f[0], name: f[1], dir: f[2]}
				pkgs[f[0]] = p
			}
			for file := range strings.SplitSeq(f[3], ",") {
				if file != "" && !slices.Contains(p.files, file) {
					p.files = append(p.files, file)
				}
			}
			if slices.Contains(strings.Split(f[4], ","), apcverrPath) {
				p.importsApcverr = true
			}
		}
	}
	if len(pkgs) < 40 {
		t.Fatalf("go list found %d packages: not the module", len(pkgs))
	}
	return pkgs
}

// importable reports whether internal/errcatalog may import path: not a
// command, and not under an internal directory other than the module's.
func importable(p *pkg) bool {
	if p.name == "main" {
		return false
	}
	rest := strings.TrimPrefix(p.path, "github.com/apcvkit/apcvkit/")
	return !strings.Contains("/"+rest, "/internal/") || strings.HasPrefix(rest, "internal/")
}

// TestImportsComplete walks the module (go list ./...) and checks that
// zz_imports_test.go links in every package that imports apcverr, so that
// apcverr.All holds every error kind: a new package with desk errors fails
// this test until the file is regenerated (go test -update). A package the
// catalogue cannot import (a command, a nested internal package) must not
// define kinds.
func TestImportsComplete(t *testing.T) {
	want, ok := importsComplete(t)
	switch {
	case ok:
	case *update:
		if err := os.WriteFile(importsFile, generate(want), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d packages; run -update again for the README count", importsFile, len(want))
	default:
		t.Errorf("%s is stale: the packages that import apcverr are\n\t%s\nRun: go test ./internal/errcatalog -update", importsFile, strings.Join(want, "\n\t"))
	}
}

var imports struct {
	sync.Once
	want []string
	ok   bool
}

// importsComplete returns the packages the catalogue must import, and
// whether zz_imports_test.go (as compiled into this test) is exactly them.
func importsComplete(t *testing.T) (want []string, ok bool) {
	t.Helper()
	goCommand(t) // fails or skips each caller, not only the first
	imports.Do(func() {
		for _, p := range listModule(t) {
			if !p.importsApcverr || p.path == apcverrPath {
				continue
			}
			if importable(p) {
				imports.want = append(imports.want, p.path)
				continue
			}
			for _, f := range p.files {
				if n := callsNew(t, filepath.Join(p.dir, f)); n > 0 {
					t.Errorf("%s: %d error kinds in a package the catalogue cannot import (%s): move them to a library package", filepath.Join(p.dir, f), n, p.name)
				}
			}
		}
		slices.Sort(imports.want)
		got, _ := os.ReadFile(importsFile)
		imports.ok = bytes.Equal(got, generate(imports.want))
	})
	return imports.want, imports.ok
}

// callsNew counts the calls of apcverr.New in a file, under whatever name
// the file imports apcverr.
func callsNew(t *testing.T, file string) int {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	name := ""
	for _, im := range f.Imports {
		if path, _ := strconv.Unquote(im.Path.Value); path == apcverrPath {
			name = "apcverr"
			if im.Name != nil {
				name = im.Name.Name
			}
		}
	}
	if name == "" {
		return 0
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(src, []byte(name+".New("))
}

func generate(paths []string) []byte {
	var b bytes.Buffer
	b.WriteString(`// Code generated by "go test ./internal/errcatalog -update"; DO NOT EDIT.

package errcatalog_test

// Every package of the module that imports apcverr (go list ./... on
// ` + strings.Join(goos, ", ") + `), linked in so that apcverr.All holds the error kinds
// they define. TestImportsComplete keeps this list whole.
import (
`)
	for _, p := range paths {
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\n")
	return b.Bytes()
}

// TestNoDuplicateCodes: a code names one kind. A concept used by several
// packages has one home that the others re-export (phone.ErrLocked is
// nfc.ErrAppLocked), so errors.Is and the code agree.
func TestNoDuplicateCodes(t *testing.T) {
	byCode := map[string][]*apcverr.Error{}
	for _, e := range apcverr.All() {
		byCode[e.Code] = append(byCode[e.Code], e)
	}
	for code, es := range byCode {
		if len(es) > 1 {
			var msgs []string
			for _, e := range es {
				msgs = append(msgs, strconv.Quote(e.EN))
			}
			t.Errorf("code %q is defined %d times (grep -rn '\"%s\"' to find them):\n\t%s", code, len(es), code, strings.Join(msgs, "\n\t"))
		}
	}
}

var readmeCount = regexp.MustCompile(`\((\d+) error kinds, each checked by ` + "`internal/errcatalog`" + `\)`)

// TestREADMECount: the README's count of error kinds is the catalogue's.
func TestREADMECount(t *testing.T) {
	if _, ok := importsComplete(t); !ok {
		t.Fatalf("%s is stale, so the catalogue is not whole: see TestImportsComplete", importsFile)
	}
	readme := filepath.Join(moduleRoot(t), "README.md")
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	m := readmeCount.FindSubmatchIndex(b)
	if m == nil {
		t.Fatalf("README.md: no %q", readmeCount)
	}
	n := len(apcverr.All())
	if got := string(b[m[2]:m[3]]); got != strconv.Itoa(n) {
		if !*update {
			t.Fatalf("README.md says %s error kinds, the catalogue has %d. Run: go test ./internal/errcatalog -update", got, n)
		}
		b = slices.Concat(b[:m[2]], []byte(strconv.Itoa(n)), b[m[3]:])
		if err := os.WriteFile(readme, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("README.md: %s → %d error kinds", got, n)
	}
}
