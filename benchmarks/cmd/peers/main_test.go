package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/benchmarks/internal/corpus"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
)

var peerOutputTests = []struct {
	name string
	in   string
	want []peerLine
	err  bool
}{
	{"empty", "", nil, false},
	{"ok", "/t/clean.pgm\tok\t1234\tAPCV1:ABC\n", []peerLine{{"/t/clean.pgm", true, 1234, "APCV1:ABC"}}, false},
	{"fail", "/t/hard-1280x720-01.pgm\tfail\t99\t\n", []peerLine{{"/t/hard-1280x720-01.pgm", false, 99, ""}}, false},
	{"text with spaces and tabs kept", "a\tok\t1\tAPCV1:A B\tC\n", []peerLine{{"a", true, 1, "APCV1:A B\tC"}}, false},
	{"two lines, no final newline", "a\tok\t1\tX\nb\tfail\t2\t", []peerLine{{"a", true, 1, "X"}, {"b", false, 2, ""}}, false},
	{"three fields", "a\tok\t1\n", nil, true},
	{"bad status", "a\tmaybe\t1\tX\n", nil, true},
	{"negative time", "a\tok\t-1\tX\n", nil, true},
	{"time not a number", "a\tok\t1e3\tX\n", nil, true},
	{"time overflows", "a\tok\t99999999999999999999\tX\n", nil, true},
	{"failure with a text", "a\tfail\t1\tX\n", nil, true},
	{"no path", "\tok\t1\tX\n", nil, true},
	{"garbage", "zxing_bench: usage\n", nil, true},
}

func TestParsePeerOutput(t *testing.T) {
	for _, tt := range peerOutputTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePeerOutput([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, errPeerOutput) {
					t.Fatalf("err = %v, want errPeerOutput", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("line %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParsePeerOutput(f *testing.F) {
	for _, tt := range peerOutputTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lines, err := parsePeerOutput(in)
		if err != nil {
			if !errors.Is(err, errPeerOutput) {
				t.Fatalf("error %v does not wrap errPeerOutput", err)
			}
			return
		}
		for _, l := range lines {
			if l.path == "" || l.ns < 0 || (!l.ok && l.text != "") {
				t.Fatalf("accepted %+v", l)
			}
		}
	})
}

func TestSummarize(t *testing.T) {
	imgs := []corpus.Image{{Class: corpus.Clean}, {Class: corpus.Mild, Seed: 1}, {Class: corpus.Mild, Seed: 2}, {Class: corpus.Mild, Seed: 3}}
	res := map[string][]result{
		ours:  {{true, 10}, {true, 100}, {true, 300}, {false, 0}},
		zxing: {{true, 5}, {true, 50}, {false, 7}, {true, 40}},
		zbar:  {{false, 20}, {true, 200}, {true, 600}, {true, 80}},
	}
	rows := summarize(imgs, res)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2 (no hard image)", len(rows))
	}
	clean, mild := rows[0], rows[1]
	if clean.images != 1 || clean.timed != 1 || clean.ok[zbar] != 0 || clean.meanNS[ours] != 10 || clean.meanNS[zbar] != 20 {
		t.Errorf("clean row %+v", clean)
	}
	// Only seed 1 is read by both ours and zxing-cpp: it alone is timed.
	if mild.images != 3 || mild.ok[ours] != 2 || mild.ok[zxing] != 2 || mild.ok[zbar] != 3 || mild.timed != 1 {
		t.Errorf("mild row %+v", mild)
	}
	if mild.meanNS[ours] != 100 || mild.meanNS[zxing] != 50 || mild.meanNS[zbar] != 200 {
		t.Errorf("mild means %v", mild.meanNS)
	}
}

func TestMedianRounds(t *testing.T) {
	got := medianRounds([][]result{
		{{true, 30}, {true, 1}},
		{{true, 10}, {false, 2}},
		{{true, 20}, {true, 3}},
	})
	want := []result{{true, 20}, {false, 2}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("image %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// needPeers skips unless the C and C++ libraries are installed, or fails
// with APCV_REQUIRE_PEERS=1.
func needPeers(t *testing.T) {
	t.Helper()
	if err := ensureLibs(context.Background(), false, nil); err != nil {
		if os.Getenv("APCV_REQUIRE_PEERS") == "1" {
			t.Fatalf("peers needed (APCV_REQUIRE_PEERS=1): %v (scripts/deps.sh test)", err)
		}
		t.Skipf("peers needed: %v (scripts/deps.sh test)", err)
	}
}

// TestRun runs the whole harness on a tiny corpus and checks the table:
// every reader reads the clean code, with a time.
func TestRun(t *testing.T) {
	needPeers(t)
	if testing.Short() {
		t.Skip("renders frames and builds the peers")
	}
	var out, log bytes.Buffer
	c := config{iters: 1, rounds: 1, mild: 1, hard: 1, keep: t.TempDir()}
	if err := run(context.Background(), c, &out, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var clean []string
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == string(corpus.Clean) {
			clean = f
		}
	}
	// class images ours-ok zxing-ok zbar-ok timed ours-ms zxing-ms zbar-ms …
	if len(clean) != 11 || clean[1] != "1" || clean[2] != "1" || clean[3] != "1" || clean[4] != "1" || clean[5] != "1" {
		t.Fatalf("clean row %q in\n%s", clean, out.String())
	}
	for _, ms := range clean[6:9] {
		if ms == "-" {
			t.Errorf("clean row without a time: %q", clean)
		}
	}
	for _, c := range corpus.Classes {
		if !strings.Contains(out.String(), string(c)) {
			t.Errorf("no %s row in\n%s", c, out.String())
		}
	}
}

// TestPeerBadInput: the peer programs refuse a file that is not a binary
// 8-bit PGM, and a bad iteration count, instead of timing garbage.
func TestPeerBadInput(t *testing.T) {
	needPeers(t)
	dir := t.TempDir()
	zx, zb, err := build(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.pgm")
	if err := os.WriteFile(bad, []byte("P2\n2 2\n255\n0 0 0 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.pgm")
	if err := os.WriteFile(short, []byte("P5\n4 4\n255\n\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{zx, zb} {
		for _, args := range [][]string{{"1", bad}, {"1", short}, {"0", short}, {"1", filepath.Join(dir, "missing.pgm")}, {"1"}} {
			if out, err := exec.Command(bin, args...).CombinedOutput(); err == nil {
				t.Errorf("%s %q: accepted (%s)", filepath.Base(bin), args, out)
			}
		}
	}
}

// TestWriteMisses: -misses lists exactly the images a peer read and ours
// did not, with the peers, the text's length and the frame options.
func TestWriteMisses(t *testing.T) {
	imgs := []corpus.Image{
		{Class: corpus.Mild, Seed: 1, Text: "AB"},
		{Class: "glare", Seed: 2, Text: "ABC", Options: qrimage.FrameOptions{Glare: 0.75, Seed: 9}},
		{Class: "glare", Seed: 3, Text: "ABCD"},
		{Class: "glare", Seed: 4, Text: "ABCDE"},
	}
	res := map[string][]result{
		ours:  {{true, 1}, {false, 0}, {false, 0}, {true, 1}},
		zxing: {{true, 1}, {false, 0}, {false, 0}, {true, 1}},
		zbar:  {{false, 1}, {true, 1}, {false, 0}, {true, 1}},
	}
	var b bytes.Buffer
	writeMisses(&b, imgs, res)
	out := b.String()
	if !strings.Contains(out, "glare-02 (zbar; 3 chars): qrimage.FrameOptions{") || !strings.Contains(out, "Glare:0.75") {
		t.Errorf("glare-02 not listed with its options:\n%s", out)
	}
	for _, other := range []string{"mild-1280x720-01", "glare-03", "glare-04"} {
		if strings.Contains(out, other) {
			t.Errorf("%s listed:\n%s", other, out)
		}
	}
	b.Reset()
	writeMisses(&b, imgs[:1], map[string][]result{ours: res[ours][:1], zxing: res[zxing][:1], zbar: res[zbar][:1]})
	if !strings.Contains(b.String(), "no image read by a peer and not by ours") {
		t.Errorf("no miss: %q", b.String())
	}
}
