// Command budget checks a `go test -bench` output against the allocation
// budget of the decode-verify path:
//
//	go run ./benchmarks/cmd/budget -budget benchmarks/budget.txt benchmarks/out/ci-bench.txt
//
// The budget file has one benchmark a line, "NAME MAX-ALLOCS-PER-OP"; '#'
// starts a comment. NAME is the benchmark's full name without the
// -GOMAXPROCS suffix ("BenchmarkQRText/beneficiaires=1"). Every budgeted
// benchmark must appear in the output with an allocs/op figure (run with
// -benchmem or b.ReportAllocs), and none above its budget; with -count,
// every result line is checked. A benchmark that skipped (the PC/SC one
// without pcscd) is missing: list it with -allow-missing to tolerate it.
// Time is never checked. The exit status is 0 when within budget, 1 when
// over or missing, 2 on bad input.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/apcvkit/apcvkit/benchmarks/internal/benchfmt"
)

func main() {
	budgetFile := flag.String("budget", "benchmarks/budget.txt", "the budget file")
	allowMissing := flag.String("allow-missing", "", "comma-separated benchmark names that may be absent from the output")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: budget [-budget FILE] [-allow-missing NAMES] BENCH-OUTPUT")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(*budgetFile, flag.Arg(0), *allowMissing, os.Stdout, os.Stderr))
}

func run(budgetPath, outputPath, allowMissing string, stdout, stderr io.Writer) int {
	bf, err := os.Open(budgetPath)
	if err != nil {
		fmt.Fprintln(stderr, "budget:", err)
		return 2
	}
	defer bf.Close()
	budget, err := parseBudget(bf)
	if err != nil {
		fmt.Fprintf(stderr, "budget: %s: %v\n", budgetPath, err)
		return 2
	}
	of, err := os.Open(outputPath)
	if err != nil {
		fmt.Fprintln(stderr, "budget:", err)
		return 2
	}
	defer of.Close()
	results, err := parseBench(of)
	if err != nil {
		fmt.Fprintf(stderr, "budget: %s: %v\n", outputPath, err)
		return 2
	}
	allowed := map[string]bool{}
	for _, n := range strings.Split(allowMissing, ",") {
		if n = strings.TrimSpace(n); n != "" {
			allowed[n] = true
		}
	}
	failures := check(budget, results, allowed)
	for _, f := range failures {
		fmt.Fprintln(stderr, "budget:", f)
	}
	if len(failures) > 0 {
		return 1
	}
	fmt.Fprintf(stdout, "budget: %d benchmarks within their allocs/op budget\n", len(budget))
	return 0
}

// errSyntax is wrapped by parseBudget for a line it cannot read.
var errSyntax = errors.New("syntax error")

// maxName bounds a benchmark name.
const maxName = benchfmt.MaxName

// parseBudget reads "NAME MAX" lines.
func parseBudget(r io.Reader) (map[string]float64, error) {
	budget := map[string]float64{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 || !strings.HasPrefix(f[0], "Benchmark") || len(f[0]) > maxName {
			return nil, fmt.Errorf("line %d: want \"BenchmarkName max-allocs\": %w", n, errSyntax)
		}
		max, err := strconv.ParseFloat(f[1], 64)
		if err != nil || max < 0 || max != max {
			return nil, fmt.Errorf("line %d: budget %q: %w", n, f[1], errSyntax)
		}
		if _, dup := budget[f[0]]; dup {
			return nil, fmt.Errorf("line %d: %s budgeted twice: %w", n, f[0], errSyntax)
		}
		budget[f[0]] = max
	}
	return budget, sc.Err()
}

// result is one benchmark result line's allocs/op (-1 when absent).
type result struct {
	name   string
	allocs float64
}

// parseBench reads the result lines of a `go test -bench` output.
func parseBench(r io.Reader) ([]result, error) {
	rs, err := benchfmt.Parse(r)
	if err != nil {
		return nil, err
	}
	out := make([]result, len(rs))
	for i, r := range rs {
		out[i] = result{name: r.Name, allocs: -1}
		if v, ok := r.Values["allocs/op"]; ok {
			out[i].allocs = v
		}
	}
	return out, nil
}

// check returns one message per budget breach or missing figure, sorted.
func check(budget map[string]float64, results []result, allowMissing map[string]bool) []string {
	var msgs []string
	seen := map[string]bool{}
	for _, r := range results {
		max, ok := budget[r.name]
		if !ok {
			continue
		}
		seen[r.name] = true
		switch {
		case r.allocs < 0:
			msgs = append(msgs, fmt.Sprintf("%s: no allocs/op in the output (run with -benchmem)", r.name))
		case r.allocs > max:
			msgs = append(msgs, fmt.Sprintf("%s: %g allocs/op, budget %g", r.name, r.allocs, max))
		}
	}
	for name := range budget {
		if !seen[name] && !allowMissing[name] {
			msgs = append(msgs, fmt.Sprintf("%s: budgeted but not in the output", name))
		}
	}
	sort.Strings(msgs)
	return msgs
}
