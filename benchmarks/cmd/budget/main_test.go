package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/benchmarks/internal/benchfmt"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/apcvkit/apcvkit/benchmarks
cpu: AMD EPYC
BenchmarkQRText/beneficiaires=1-2         	     300	    227502 ns/op	   2.09 MB/s	    6796 B/op	      68 allocs/op
BenchmarkQRText/beneficiaires=4-2         	     300	    219417 ns/op	   3.50 MB/s	    8237 B/op	      83 allocs/op
BenchmarkNFCLink/beneficiaires=1/kbps=424-2  20  22432386 ns/op  0.03 MB/s  18.76 airtime-ms/op  1.196 x-airtime  31501 B/op  367 allocs/op
BenchmarkNoAllocs-2   	100	  12 ns/op
BenchmarkNFCPCSC
    nfc_test.go:140: pcscd needed: not run under scripts/pcscd/with-pcscd.sh
--- SKIP: BenchmarkNFCPCSC
PASS
ok  	github.com/apcvkit/apcvkit/benchmarks	7.226s
`

func TestParseBench(t *testing.T) {
	got, err := parseBench(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	want := []result{
		{"BenchmarkQRText/beneficiaires=1", 68},
		{"BenchmarkQRText/beneficiaires=4", 83},
		{"BenchmarkNFCLink/beneficiaires=1/kbps=424", 367},
		{"BenchmarkNoAllocs", -1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

var budgetTests = []struct {
	name string
	in   string
	want map[string]float64
	err  bool
}{
	{"empty", "", map[string]float64{}, false},
	{"comments and blanks", "# budget\n\nBenchmarkA 10 # margin 2\nBenchmarkB/x=1 3.5\n",
		map[string]float64{"BenchmarkA": 10, "BenchmarkB/x=1": 3.5}, false},
	{"zero is a budget", "BenchmarkA 0\n", map[string]float64{"BenchmarkA": 0}, false},
	{"missing number", "BenchmarkA\n", nil, true},
	{"three fields", "BenchmarkA 1 2\n", nil, true},
	{"negative", "BenchmarkA -1\n", nil, true},
	{"NaN", "BenchmarkA NaN\n", nil, true},
	{"not a benchmark", "TestA 1\n", nil, true},
	{"twice", "BenchmarkA 1\nBenchmarkA 2\n", nil, true},
}

func TestParseBudget(t *testing.T) {
	for _, tt := range budgetTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseBudget(strings.NewReader(tt.in))
			if tt.err {
				if !errors.Is(err, errSyntax) {
					t.Fatalf("err = %v, want errSyntax", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	results := []result{{"BenchmarkA", 10}, {"BenchmarkA", 12}, {"BenchmarkB", 5}, {"BenchmarkC", -1}, {"BenchmarkFree", 99}}
	for _, tt := range []struct {
		name    string
		budget  map[string]float64
		allowed map[string]bool
		want    []string
	}{
		{"within", map[string]float64{"BenchmarkA": 12, "BenchmarkB": 5}, nil, nil},
		{"one count over", map[string]float64{"BenchmarkA": 11}, nil, []string{"BenchmarkA: 12 allocs/op, budget 11"}},
		{"no allocs figure", map[string]float64{"BenchmarkC": 1}, nil, []string{"BenchmarkC: no allocs/op in the output (run with -benchmem)"}},
		{"missing", map[string]float64{"BenchmarkD": 1}, nil, []string{"BenchmarkD: budgeted but not in the output"}},
		{"missing allowed", map[string]float64{"BenchmarkD": 1}, map[string]bool{"BenchmarkD": true}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := check(tt.budget, results, tt.allowed); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRun runs the command on files: within budget, over, bad budget file,
// and the repository's budget.txt parses.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(out, []byte(sampleOutput), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var so, se strings.Builder
	for _, tt := range []struct {
		name, budget, allow string
		code                int
	}{
		{"within", write("ok.txt", "BenchmarkQRText/beneficiaires=1 70\n"), "", 0},
		{"over", write("over.txt", "BenchmarkQRText/beneficiaires=4 80\n"), "", 1},
		{"skipped", write("skip.txt", "BenchmarkNFCPCSC/sdk 400\n"), "", 1},
		{"skipped allowed", write("skip2.txt", "BenchmarkNFCPCSC/sdk 400\n"), "BenchmarkNFCPCSC/sdk", 0},
		{"bad budget", write("bad.txt", "BenchmarkA x\n"), "", 2},
		{"no budget file", filepath.Join(dir, "none.txt"), "", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code := run(tt.budget, out, tt.allow, &so, &se); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, se.String())
			}
		})
	}
	f, err := os.Open("../../budget.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := parseBudget(f)
	if err != nil || len(b) == 0 {
		t.Fatalf("benchmarks/budget.txt: %d entries, %v", len(b), err)
	}
}

func FuzzParseBench(f *testing.F) {
	f.Add([]byte(sampleOutput))
	f.Add([]byte("BenchmarkX-2 10 5 ns/op 7\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rs, err := parseBench(strings.NewReader(string(in)))
		if err != nil {
			if !errors.Is(err, benchfmt.ErrSyntax) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, r := range rs {
			if !strings.HasPrefix(r.name, "Benchmark") {
				t.Fatalf("result %+v", r)
			}
		}
	})
}

func FuzzParseBudget(f *testing.F) {
	for _, tt := range budgetTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := parseBudget(strings.NewReader(string(in)))
		if err != nil {
			return
		}
		for name, max := range b {
			if !strings.HasPrefix(name, "Benchmark") || max < 0 || max != max {
				t.Fatalf("accepted %q %g", name, max)
			}
		}
	})
}
