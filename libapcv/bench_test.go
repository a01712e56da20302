package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
)

// benchProfile is the phone of BenchmarkReadQR: one beneficiary, as most
// presentations at a desk.
const benchProfile = "isere-solo"

// BenchmarkReadQR reads a QR presentation already waiting at the scanner,
// three ways, in one run (compare them with benchstat, or by ratio to
// reader):
//
//   - reader: Go's reader.Read, the baseline;
//   - desk: the session core the agent and libapcv share (desk.Session.Read);
//   - libapcv: apcv_read from C (testdata/bench.c), through libapcv.so,
//     identity JSON included. A Go test cannot load a second Go runtime from
//     a c-shared library, so the C driver runs as a process and times b.N
//     reads itself; its ns/op replaces the sub-benchmark's.
//
// The presentations are made before the clock starts (the phone signs each
// with a fresh counter: the replay cache refuses a QR shown twice). Run it
// with a fixed count, so that each sub-benchmark makes them once:
//
//	go test ./libapcv -run '^$' -bench ReadQR -benchtime 2000x -count 6
func BenchmarkReadQR(b *testing.B) {
	b.Run("reader", func(b *testing.B) {
		w, texts := presentations(b, b.N)
		src := &slice{texts: texts}
		r, err := reader.Open(context.Background(), reader.Config{Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w, QR: []qrscan.Source{src}})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		b.ReportAllocs()
		b.ResetTimer()
		c0 := cpuTime()
		for range b.N {
			if _, err := r.Read(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, c0)
	})
	b.Run("desk", func(b *testing.B) {
		s, err := desk.Open(context.Background(), desk.Config{Emulate: &desk.Emulate{Profile: benchProfile, Mode: "qr", Presented: b.N}})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		sub := s.Subscribe(0, true) // as libapcv has one, for apcv_next_event
		defer sub.Close()
		go func() {
			for range sub.C() { // drained, as a client reading its events would
			}
		}()
		b.ReportAllocs()
		b.ResetTimer()
		c0 := cpuTime()
		for range b.N {
			if _, err := s.Read(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, c0)
	})
	b.Run("libapcv", func(b *testing.B) {
		exe := benchDriver(b)
		out, err := exec.Command(exe, strconv.Itoa(b.N), benchProfile).CombinedOutput()
		if err != nil {
			b.Fatalf("%s: %v\n%s", exe, err, out)
		}
		var ns, cpu float64
		if n, err := fmt.Sscanf(strings.TrimSpace(string(out)), "ns/op %g cpu-ns/op %g", &ns, &cpu); n != 2 || err != nil {
			b.Fatalf("bench.c printed %q", out)
		}
		b.ReportMetric(ns, "ns/op")
		b.ReportMetric(cpu, "cpu-ns/op")
	})
}

// reportCPU reports the process's CPU time per iteration since c0 (all its
// threads, as bench.c measures the C side): on a loaded machine, compare
// the sub-benchmarks by cpu-ns/op rather than by ns/op.
func reportCPU(b *testing.B, c0 time.Duration) {
	if c := cpuTime(); c > 0 && b.N > 0 {
		b.ReportMetric(float64(c-c0)/float64(b.N), "cpu-ns/op")
	}
}

// presentations returns a world and n QR texts of its phone.
func presentations(b *testing.B, n int) (*emulator.World, []string) {
	w, err := emulator.New(emulator.Options{Profile: benchProfile})
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, n)
	for i := range texts {
		if texts[i], err = w.Phone.PresentQR(); err != nil {
			b.Fatal(err)
		}
	}
	return w, texts
}

// slice is a QR scanner holding scans already made.
type slice struct {
	texts []string
	i     int
}

func (s *slice) Name() string { return "qr:slice" }

func (s *slice) Next(ctx context.Context) (qrscan.Scan, error) {
	if s.i == len(s.texts) {
		<-ctx.Done()
		return qrscan.Scan{}, ctx.Err()
	}
	s.i++
	return qrscan.Scan{Text: s.texts[s.i-1], Source: "qr:slice"}, nil
}

func (s *slice) Close() error { return nil }

// benchDriver compiles testdata/bench.c against the library (once).
func benchDriver(b *testing.B) string {
	lib := library(b)
	exe := filepath.Join(filepath.Dir(lib), "bench")
	libDir := filepath.Dir(lib)
	cmd := exec.Command("gcc", "-O2", "-D_POSIX_C_SOURCE=200809L", "-I.", filepath.Join("testdata", "bench.c"),
		"-L"+libDir, "-lapcv", "-Wl,-rpath,"+libDir, "-o", exe)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("gcc bench.c: %v\n%s", err, out)
	}
	return exe
}
