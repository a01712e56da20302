package testdeps

import (
	"bufio"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Kind is what a probe looks for.
type Kind int

const (
	Program   Kind = iota // a command found through PATH ("zbarimg")
	PkgConfig             // a pkg-config module ("zxing")
	File                  // an absolute path ("/usr/sbin/pcscd")
)

func (k Kind) String() string {
	switch k {
	case Program:
		return "program"
	case PkgConfig:
		return "pkg-config"
	case File:
		return "file"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Probe is one thing the sources look for on the machine.
type Probe struct {
	Kind Kind
	Name string
	At   string // "file.go:12" where it was seen, relative to the scanned root
}

func (p Probe) String() string { return fmt.Sprintf("%s %s (%s)", p.Kind, p.Name, p.At) }

// Scan returns the probes in the Go files under root, skipping testdata and
// hidden directories, and in the shell scripts named (paths relative to
// root). Each (kind, name) appears once, at its first place.
func Scan(root string, scripts ...string) ([]Probe, error) {
	var probes []Probe
	dirs := map[string][]string{} // directory → its .go files
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") {
			dirs[filepath.Dir(path)] = append(dirs[filepath.Dir(path)], path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, sc := range scripts {
		b, err := os.ReadFile(filepath.Join(root, sc))
		if err != nil {
			return nil, err
		}
		probes = append(probes, ScanShell(filepath.ToSlash(sc), b)...)
	}
	for _, files := range dirs {
		src := map[string][]byte{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			rel, _ := filepath.Rel(root, f)
			src[filepath.ToSlash(rel)] = b
		}
		ps, err := ScanGo(src)
		if err != nil {
			return nil, err
		}
		probes = append(probes, ps...)
	}
	return dedup(probes), nil
}

func dedup(probes []Probe) []Probe {
	slices.SortStableFunc(probes, func(a, b Probe) int {
		if a.Kind != b.Kind {
			return int(a.Kind - b.Kind)
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.At, b.At)
	})
	return slices.CompactFunc(probes, func(a, b Probe) bool { return a.Kind == b.Kind && a.Name == b.Name })
}

var (
	absPath  = regexp.MustCompile(`^/(usr|bin|sbin|lib)/[^\s"'$*?]+$`)
	shPath   = regexp.MustCompile(`/(usr|bin|sbin|lib)/[^\s"'$*?;|&)}]+`)
	shLookup = regexp.MustCompile(`command -v ([A-Za-z0-9_.+-]+)`)
)

var makeScript = regexp.MustCompile(`(?:^|[\s;&|(@])((?:\./)?(?:scripts|\.ci)/[A-Za-z0-9_./-]+)`)

// MakeScripts returns the scripts (scripts/…, .ci/…) the recipe of target in
// a Makefile runs, in order, each once.
func MakeScripts(makefile []byte, target string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(string(makefile), "\n") {
		switch {
		case strings.HasPrefix(line, "\t"):
			if !in {
				continue
			}
			for _, m := range makeScript.FindAllStringSubmatch(line, -1) {
				if p := strings.TrimPrefix(m[1], "./"); !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		default:
			name, _, ok := strings.Cut(line, ":")
			in = ok && slices.Contains(strings.Fields(name), target) && !strings.Contains(line, ":=")
		}
	}
	return out
}

// ScanShell returns the probes of one shell script: `command -v NAME` and
// absolute system paths (the #! line aside).
func ScanShell(name string, src []byte) []Probe {
	var probes []Probe
	sc := bufio.NewScanner(strings.NewReader(string(src)))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 && strings.HasPrefix(line, "#!") {
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue // comments name paths as prose
		}
		at := name + ":" + strconv.Itoa(n)
		for _, m := range shLookup.FindAllStringSubmatch(line, -1) {
			probes = append(probes, Probe{Program, m[1], at})
		}
		for _, m := range shPath.FindAllString(line, -1) {
			probes = append(probes, Probe{File, m, at})
		}
	}
	return probes
}

// ScanGo returns the probes of the Go files of one directory (a package and
// its tests, which share their helpers), keyed by file name.
func ScanGo(files map[string][]byte) ([]Probe, error) {
	fset := token.NewFileSet()
	s := &scanner{fset: fset, helpers: map[string][]int{}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := parser.ParseFile(fset, n, files[n], parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("testdeps: %w", err)
		}
		s.files = append(s.files, f)
	}
	// Helpers first (functions that hand a parameter to a sink), to a fixed
	// point so that a helper of a helper counts too.
	for changed := true; changed; {
		changed = false
		s.walk(func(fn *ast.FuncDecl, stack []ast.Node, call *ast.CallExpr) {
			if fn == nil {
				return
			}
			args := []ast.Expr{s.sinkArg(call)}
			if id, ok := call.Fun.(*ast.Ident); ok {
				for _, i := range s.helpers[id.Name] {
					if i < len(call.Args) {
						args = append(args, call.Args[i])
					}
				}
			}
			for _, arg := range args {
				id, ok := arg.(*ast.Ident)
				if !ok {
					continue
				}
				if i := paramIndex(fn, id.Name); i >= 0 && !slices.Contains(s.helpers[fn.Name.Name], i) {
					s.helpers[fn.Name.Name] = append(s.helpers[fn.Name.Name], i)
					changed = true
				}
			}
		})
	}
	s.walk(func(fn *ast.FuncDecl, stack []ast.Node, call *ast.CallExpr) {
		at := s.at(call)
		if arg := s.sinkArg(call); arg != nil {
			progs := s.literals(arg, stack)
			for _, p := range progs {
				s.addProgram(p, at)
			}
			if slices.Contains(progs, "pkg-config") && !isLookPath(call) {
				i := slices.Index(call.Args, arg)
				for _, a := range call.Args[i+1:] {
					for _, m := range s.literals(a, stack) {
						if !strings.HasPrefix(m, "-") {
							s.probes = append(s.probes, Probe{PkgConfig, m, at})
						}
					}
				}
			}
		}
		if id, ok := call.Fun.(*ast.Ident); ok {
			for _, i := range s.helpers[id.Name] {
				if i < len(call.Args) {
					if lit, ok := stringLit(call.Args[i]); ok {
						s.addProgram(lit, at)
					}
				}
			}
		}
	})
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := stringLit(n); ok && absPath.MatchString(lit) {
				s.probes = append(s.probes, Probe{File, lit, s.at(n)})
			}
			return true
		})
	}
	return s.probes, nil
}

type scanner struct {
	fset    *token.FileSet
	files   []*ast.File
	helpers map[string][]int // function name → indices of parameters that reach a sink
	probes  []Probe
}

// addProgram records a program found through PATH; an absolute path is a
// file, a relative one names a file of the repository, not a package's.
func (s *scanner) addProgram(name, at string) {
	switch {
	case filepath.IsAbs(name):
		s.probes = append(s.probes, Probe{File, name, at})
	case !strings.Contains(name, "/"):
		s.probes = append(s.probes, Probe{Program, name, at})
	}
}

func (s *scanner) at(n ast.Node) string {
	p := s.fset.Position(n.Pos())
	return p.Filename + ":" + strconv.Itoa(p.Line)
}

// walk calls f for every call expression, with its enclosing function
// declaration (nil at package level) and the path of nodes down to it.
func (s *scanner) walk(f func(fn *ast.FuncDecl, stack []ast.Node, call *ast.CallExpr)) {
	for _, file := range s.files {
		var fn *ast.FuncDecl
		var stack []ast.Node
		ast.Inspect(file, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if d, ok := n.(*ast.FuncDecl); ok {
				fn = d
			}
			if c, ok := n.(*ast.CallExpr); ok {
				f(fn, stack, c)
			}
			stack = append(stack, n)
			return true
		})
	}
}

func isExec(call *ast.CallExpr, name string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "exec"
}

func isLookPath(call *ast.CallExpr) bool { return isExec(call, "LookPath") }

// sinkArg returns the argument naming the program of exec.LookPath,
// exec.Command or exec.CommandContext, or nil.
func (s *scanner) sinkArg(call *ast.CallExpr) ast.Expr {
	switch {
	case (isExec(call, "LookPath") || isExec(call, "Command")) && len(call.Args) > 0:
		return call.Args[0]
	case isExec(call, "CommandContext") && len(call.Args) > 1:
		return call.Args[1]
	}
	return nil
}

func paramIndex(fn *ast.FuncDecl, name string) int {
	i := 0
	for _, field := range fn.Type.Params.List {
		if len(field.Names) == 0 {
			i++
			continue
		}
		for _, n := range field.Names {
			if n.Name == name {
				return i
			}
			i++
		}
	}
	return -1
}

func stringLit(n ast.Node) (string, bool) {
	b, ok := n.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(b.Value)
	return v, err == nil
}

// literals returns the strings e stands for: a literal, a variable of a
// range over a literal, or a field of a ranged struct literal.
func (s *scanner) literals(e ast.Expr, stack []ast.Node) []string {
	if lit, ok := stringLit(e); ok {
		return []string{lit}
	}
	var name, field string
	switch x := e.(type) {
	case *ast.Ident:
		name = x.Name
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		if !ok {
			return nil
		}
		name, field = id.Name, x.Sel.Name
	default:
		return nil
	}
	for i := len(stack) - 1; i >= 0; i-- {
		r, ok := stack[i].(*ast.RangeStmt)
		if !ok {
			continue
		}
		v, ok := r.Value.(*ast.Ident)
		if !ok || v.Name != name {
			continue
		}
		cl, ok := r.X.(*ast.CompositeLit)
		if !ok {
			return nil
		}
		var out []string
		for _, elt := range cl.Elts {
			if field == "" {
				if lit, ok := stringLit(elt); ok {
					out = append(out, lit)
				}
				continue
			}
			if lit, ok := fieldLit(cl, elt, field); ok {
				out = append(out, lit)
			}
		}
		return out
	}
	return nil
}

// fieldLit returns the string literal given to field in elt, an element of
// the slice literal cl of an inline struct type.
func fieldLit(cl *ast.CompositeLit, elt ast.Expr, field string) (string, bool) {
	el, ok := elt.(*ast.CompositeLit)
	if !ok {
		return "", false
	}
	for _, e := range el.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == field {
				return stringLit(kv.Value)
			}
		}
	}
	at, ok := cl.Type.(*ast.ArrayType)
	if !ok {
		return "", false
	}
	st, ok := at.Elt.(*ast.StructType)
	if !ok {
		return "", false
	}
	i := 0
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name == field && i < len(el.Elts) {
				return stringLit(el.Elts[i])
			}
			i++
		}
		if len(f.Names) == 0 {
			i++
		}
	}
	return "", false
}

// CgoProbes returns what building the packages matching patterns (with
// their tests and dependencies, and the build tags given) needs for cgo: the
// C compiler (go env CC) and the pkg-config modules of the cgo packages, as
// go list reports them in dir.
func CgoProbes(ctx context.Context, dir string, tags []string, patterns ...string) ([]Probe, error) {
	args := []string{"list", "-deps", "-test", "-tags", strings.Join(tags, ","), "-f", "{{if .CgoFiles}}{{.ImportPath}}\t{{join .CgoPkgConfig \" \"}}{{end}}"}
	args = append(args, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("testdeps: go list: %w", err)
	}
	var probes []Probe
	for _, line := range strings.Split(string(out), "\n") {
		pkg, mods, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		if len(probes) == 0 {
			cc := exec.CommandContext(ctx, "go", "env", "CC")
			cc.Dir = dir
			b, err := cc.Output()
			if err != nil {
				return nil, fmt.Errorf("testdeps: go env CC: %w", err)
			}
			if f := strings.Fields(string(b)); len(f) > 0 {
				probes = append(probes, Probe{Program, f[0], "cgo (" + pkg + ")"})
			}
		}
		for _, m := range strings.Fields(mods) {
			probes = append(probes, Probe{PkgConfig, m, "cgo (" + pkg + ")"})
		}
	}
	return dedup(probes), nil
}
