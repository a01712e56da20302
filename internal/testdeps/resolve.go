package testdeps

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

var (
	// ErrNotInstalled: the program, module or file is not on this machine.
	ErrNotInstalled = errors.New("testdeps: not installed")
	// ErrNoPackage: it is on this machine, but no Debian package owns it.
	ErrNoPackage = errors.New("testdeps: no Debian package owns it")
)

// Owner is where a probe is found on this machine and the Debian package
// that installed it.
type Owner struct {
	Probe
	Path    string // "/usr/bin/zbarimg"; empty when not found
	Package string // "zbar-tools"; empty with Err
	Err     error  // ErrNotInstalled, ErrNoPackage, or why dpkg could not say
}

// Resolve finds each probe (programs through PATH, then /usr/sbin and /sbin,
// pkg-config modules through their .pc file) and asks dpkg which package
// owns it.
func Resolve(ctx context.Context, probes []Probe) []Owner {
	owners := make([]Owner, len(probes))
	var paths []string
	for i, p := range probes {
		o := Owner{Probe: p}
		o.Path, o.Err = locate(ctx, p)
		owners[i] = o
		if o.Err == nil {
			paths = append(paths, candidates(o.Path)...)
		}
	}
	pkgOf, err := dpkgOwners(ctx, paths)
	for i := range owners {
		o := &owners[i]
		if o.Err != nil {
			continue
		}
		if err != nil {
			o.Err = err
			continue
		}
		for _, c := range candidates(o.Path) {
			if pkg, ok := pkgOf[c]; ok {
				o.Package = pkg
				break
			}
		}
		if o.Package == "" {
			o.Err = ErrNoPackage
		}
	}
	return owners
}

func locate(ctx context.Context, p Probe) (string, error) {
	switch p.Kind {
	case Program:
		if path, err := exec.LookPath(p.Name); err == nil {
			return path, nil
		}
		for _, dir := range []string{"/usr/sbin", "/sbin"} {
			path := filepath.Join(dir, p.Name)
			if fi, err := os.Stat(path); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return path, nil
			}
		}
		return "", ErrNotInstalled
	case PkgConfig:
		out, err := exec.CommandContext(ctx, "pkg-config", "--variable=pcfiledir", p.Name).Output()
		if err != nil {
			return "", fmt.Errorf("%w (pkg-config --variable=pcfiledir %s: %v)", ErrNotInstalled, p.Name, err)
		}
		path := filepath.Join(strings.TrimSpace(string(out)), p.Name+".pc")
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("%w: %v", ErrNotInstalled, err)
		}
		return path, nil
	case File:
		if _, err := os.Stat(p.Name); err != nil {
			return "", ErrNotInstalled
		}
		return p.Name, nil
	}
	return "", fmt.Errorf("testdeps: unknown probe kind %v", p.Kind)
}

// candidates are the names dpkg may know path by: itself, its target when
// it is a symbolic link, and the other side of the /usr merge.
func candidates(path string) []string {
	c := []string{path}
	if real, err := filepath.EvalSymlinks(path); err == nil && real != path {
		c = append(c, real)
	}
	for _, p := range slices.Clone(c) {
		for _, d := range []string{"/bin/", "/sbin/", "/lib/"} {
			if rest, ok := strings.CutPrefix(p, "/usr"+d); ok {
				c = append(c, d+rest)
			} else if rest, ok := strings.CutPrefix(p, d); ok {
				c = append(c, "/usr"+d+rest)
			}
		}
	}
	return c
}

// dpkgOwners runs one dpkg -S for all paths and returns the package of each
// path dpkg knows (the first one when several share a directory).
func dpkgOwners(ctx context.Context, paths []string) (map[string]string, error) {
	got := map[string]string{}
	if len(paths) == 0 {
		return got, nil
	}
	cmd := exec.CommandContext(ctx, "dpkg-query", append([]string{"-S"}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) { // 1: some path unknown
		return nil, fmt.Errorf("testdeps: dpkg-query -S: %w: %s", err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "diversion ") {
			continue
		}
		pkgs, path, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		pkg, _, _ := strings.Cut(pkgs, ", ")
		pkg, _, _ = strings.Cut(pkg, ":") // libpcsclite-dev:amd64
		if _, seen := got[path]; !seen {
			got[path] = pkg
		}
	}
	return got, nil
}

// Graph is what each package needs installed with it (Depends and
// PreDepends, every alternative and every provider of a virtual package),
// as apt-cache reports it.
type Graph map[string][]string

// Depends reads the dependency graph below pkgs from apt-cache, without
// Recommends and Suggests (scripts/deps.sh installs with
// --no-install-recommends).
func Depends(ctx context.Context, pkgs []string) (Graph, error) {
	args := append([]string{"depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"}, pkgs...)
	out, err := exec.CommandContext(ctx, "apt-cache", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("testdeps: apt-cache depends: %w", err)
	}
	return ParseDepends(out), nil
}

// ParseDepends parses the output of apt-cache depends --recurse.
func ParseDepends(out []byte) Graph {
	g := Graph{}
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
		case !strings.HasPrefix(line, " "): // "pcsc-tools"
			cur = strings.Trim(line, "<>")
			if _, ok := g[cur]; !ok {
				g[cur] = nil
			}
		case strings.HasPrefix(line, "    "): // a provider of the virtual package above
			g[cur] = append(g[cur], strings.TrimSpace(line))
		default: // "  Depends: libc6", " |Depends: a", "  PreDepends: <perlapi>"
			_, dep, ok := strings.Cut(line, ": ")
			if ok && !strings.HasPrefix(dep, "<") {
				dep, _, _ = strings.Cut(dep, ":") // libc6:i386
				g[cur] = append(g[cur], dep)
			}
		}
	}
	return g
}

// Closure returns roots and everything they need in g.
func (g Graph) Closure(roots []string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		for _, d := range g[p] {
			visit(d)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return seen
}

// Base returns the installed packages every Debian system has (Essential:
// yes, or Priority: required), which a bare machine has too.
func Base(ctx context.Context) (map[string]bool, error) {
	out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f", "${Package}\t${Essential}\t${Priority}\n").Output()
	if err != nil {
		return nil, fmt.Errorf("testdeps: dpkg-query -W: %w", err)
	}
	base := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 3 && (f[1] == "yes" || f[2] == "required") {
			base[f[0]] = true
		}
	}
	return base, nil
}

// Problem is a probe the list of packages does not cover.
type Problem struct {
	Owner
	Why string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s", p.Probe, p.Why)
}

// Check returns the owners whose package is neither installed by list (with
// what it needs, in g) nor part of every Debian system (base). An owner
// that could not be resolved is a problem too: on a machine where list was
// installed, the probe finds nothing. allow names the programs that come
// from elsewhere (the Go toolchain) and why.
func Check(owners []Owner, list []string, g Graph, base map[string]bool, allow map[string]string) []Problem {
	have := g.Closure(list)
	var problems []Problem
	for _, o := range owners {
		if _, ok := allow[o.Name]; ok && o.Kind == Program {
			continue
		}
		switch {
		case errors.Is(o.Err, ErrNotInstalled):
			problems = append(problems, Problem{o, "not installed here, so no package of the list provides it"})
		case o.Err != nil:
			problems = append(problems, Problem{o, fmt.Sprintf("%s: %v", o.Path, o.Err)})
		case !have[o.Package] && !base[o.Package]:
			problems = append(problems, Problem{o, fmt.Sprintf("%s comes from %s, which the list does not install", o.Path, o.Package)})
		}
	}
	return problems
}
