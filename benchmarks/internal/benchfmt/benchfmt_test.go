package benchfmt

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/apcvkit/apcvkit/benchmarks
BenchmarkQRText/beneficiaires=1-2         	     300	    227502 ns/op	   2.09 MB/s	    6796 B/op	      68 allocs/op
BenchmarkNFCLink/beneficiaires=1/kbps=424-2  20  22432386 ns/op  1.196 x-airtime  367 allocs/op
BenchmarkQRText/beneficiaires=1-2         	     300	    200000 ns/op	   2.09 MB/s	    6796 B/op	      68 allocs/op
BenchmarkQRText/beneficiaires=1-2         	     300	    210000 ns/op	   2.09 MB/s	    6796 B/op	      68 allocs/op
BenchmarkNFCPCSC
    nfc_test.go:140: pcscd needed
--- SKIP: BenchmarkNFCPCSC
PASS
`

func TestParse(t *testing.T) {
	got, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d results, want 4", len(got))
	}
	want := Result{Name: "BenchmarkNFCLink/beneficiaires=1/kbps=424", N: 20,
		Values: map[string]float64{"ns/op": 22432386, "x-airtime": 1.196, "allocs/op": 367}}
	if !reflect.DeepEqual(got[1], want) {
		t.Fatalf("got %+v, want %+v", got[1], want)
	}
	if m, ok := Median(got, "BenchmarkQRText/beneficiaires=1", "ns/op"); !ok || m != 210000 {
		t.Errorf("median %v %v, want 210000", m, ok)
	}
	if _, ok := Median(got, "BenchmarkQRText/beneficiaires=1", "x-airtime"); ok {
		t.Error("median of a unit never reported")
	}
}

func TestMedianEven(t *testing.T) {
	rs := []Result{{Name: "B", Values: map[string]float64{"u": 1}}, {Name: "B", Values: map[string]float64{"u": 3}}}
	if m, _ := Median(rs, "B", "u"); m != 2 {
		t.Fatalf("median %v, want 2", m)
	}
}

var malformed = []struct{ name, in string }{
	{"odd pairs", "BenchmarkX-2 10 5 ns/op 7\n"},
	{"value not a number", "BenchmarkX-2 10 five ns/op\n"},
	{"name too long", "Benchmark" + strings.Repeat("x", MaxName) + " 10 5 ns/op\n"},
	{"line too long", "BenchmarkX-2 10 " + strings.Repeat("1", 2<<20) + " ns/op\n"},
}

func TestParseMalformed(t *testing.T) {
	for _, tt := range malformed {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(strings.NewReader(tt.in)); !errors.Is(err, ErrSyntax) {
				t.Fatalf("err = %v, want ErrSyntax", err)
			}
		})
	}
}

func TestTrimProcs(t *testing.T) {
	for in, want := range map[string]string{
		"BenchmarkA-2":                    "BenchmarkA",
		"BenchmarkA/kbps=424-16":          "BenchmarkA/kbps=424",
		"BenchmarkA/mild-1280x720-2":      "BenchmarkA/mild-1280x720",
		"BenchmarkA/mild-1280x720":        "BenchmarkA/mild-1280x720",
		"BenchmarkA":                      "BenchmarkA",
		"BenchmarkA/x-":                   "BenchmarkA/x-",
		"BenchmarkA/beneficiaires=1-2-16": "BenchmarkA/beneficiaires=1-2",
	} {
		if got := TrimProcs(in); got != want {
			t.Errorf("TrimProcs(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	for _, tt := range malformed[:3] {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rs, err := Parse(strings.NewReader(string(in)))
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		for _, r := range rs {
			if !strings.HasPrefix(r.Name, "Benchmark") || r.Values == nil {
				t.Fatalf("result %+v", r)
			}
		}
	})
}
