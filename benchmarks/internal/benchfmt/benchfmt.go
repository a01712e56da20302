// Package benchfmt reads the result lines of `go test -bench` output, for
// the budget checker and the README runner:
//
//	results, err := benchfmt.Parse(r)
//	allocs, ok := results[0].Values["allocs/op"]
package benchfmt

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ErrSyntax is wrapped for a result line that cannot be read.
var ErrSyntax = errors.New("benchfmt: syntax error")

// MaxName bounds a benchmark name.
const MaxName = 1024

// Result is one result line.
type Result struct {
	Name   string             // without the -GOMAXPROCS suffix
	N      uint64             // iterations
	Values map[string]float64 // by unit: "ns/op", "allocs/op", "x-airtime", …
}

// Parse reads the result lines, "BenchmarkName-P  N  V unit  V unit …", in
// order. Other lines (goos:, PASS, ok, logs, a parent benchmark's bare
// name) are skipped.
func Parse(r io.Reader) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		iters, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			continue // "BenchmarkX" then a log, not a result
		}
		if len(f)%2 != 0 || len(f[0]) > MaxName {
			return nil, fmt.Errorf("line %d: odd value/unit pairs: %w", n, ErrSyntax)
		}
		res := Result{Name: TrimProcs(f[0]), N: iters, Values: map[string]float64{}}
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value %q: %w", n, f[i], ErrSyntax)
			}
			res.Values[f[i+1]] = v
		}
		out = append(out, res)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	return out, nil
}

// TrimProcs removes the "-GOMAXPROCS" suffix go test adds to names.
func TrimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// Median returns the median of unit over the results named name (several
// with -count), and whether there was any.
func Median(results []Result, name, unit string) (float64, bool) {
	var vs []float64
	for _, r := range results {
		if v, ok := r.Values[unit]; ok && r.Name == name {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}
