// Command benchrun regenerates the table of benchmarks/README.md in one
// run (make bench):
//
//	go run ./benchmarks/cmd/benchrun [-count 5] [-benchtime 200x] [-iters 10] [-rounds 3]
//
// It runs the benchmarks behind P1, P3 and P4 through a real pcscd with the
// project's virtual readers (scripts/pcscd/with-pcscd.sh), then the peer
// harness behind P2 (benchmarks/cmd/peers), saves both outputs in
// benchmarks/out/ (readme-bench.txt, for benchstat, and readme-peers.txt),
// and prints the table: each ratio is read from one run (its two sides are
// timed in the same iterations), as the median over -count runs.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/apcvkit/apcvkit/benchmarks/internal/benchfmt"
)

type config struct {
	count         int
	benchtime     string
	iters, rounds int
	mild, hard    int
	families      int
	seed          uint64
}

func main() {
	var c config
	flag.IntVar(&c.count, "count", 5, "go test -count")
	flag.StringVar(&c.benchtime, "benchtime", "200x", "go test -benchtime")
	flag.IntVar(&c.iters, "iters", 10, "peers: timed decodes per image and reader")
	flag.IntVar(&c.rounds, "rounds", 3, "peers: rounds")
	flag.IntVar(&c.mild, "mild", 20, "peers: mild frames")
	flag.IntVar(&c.hard, "hard", 20, "peers: hard frames")
	flag.IntVar(&c.families, "families", 10, "peers: frames per distortion family")
	flag.Uint64Var(&c.seed, "seed", 0, "peers: seed of the family frames (0: a fresh one)")
	flag.Parse()
	if err := run(context.Background(), c); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// benchPattern selects the benchmarks the table reads.
const benchPattern = `^Benchmark(P1|Crypto|QRText|NFCLink|NFCPCSC|NFCPCSCTap|QRSize)$`

func run(ctx context.Context, c config) error {
	out := filepath.Join("benchmarks", "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("%w (run from the repository root)", err)
	}
	benchFile, peersFile := filepath.Join(out, "readme-bench.txt"), filepath.Join(out, "readme-peers.txt")
	bench, err := capture(ctx, benchFile, "scripts/pcscd/with-pcscd.sh", "go", "test", "-p", "1", "-run", "^$",
		"-bench", benchPattern, "-benchmem", "-count", strconv.Itoa(c.count), "-benchtime", c.benchtime, "./benchmarks/")
	if err != nil {
		return err
	}
	peers, err := capture(ctx, peersFile, "go", "run", "./benchmarks/cmd/peers", "-iters", strconv.Itoa(c.iters),
		"-rounds", strconv.Itoa(c.rounds), "-mild", strconv.Itoa(c.mild), "-hard", strconv.Itoa(c.hard),
		"-families", strconv.Itoa(c.families), "-seed", strconv.FormatUint(c.seed, 10))
	if err != nil {
		return err
	}
	results, err := benchfmt.Parse(bytes.NewReader(bench))
	if err != nil {
		return err
	}
	fmt.Printf("\ncommand: go run ./benchmarks/cmd/benchrun -count %d -benchtime %s -iters %d -rounds %d -mild %d -hard %d -families %d -seed %d\n",
		c.count, c.benchtime, c.iters, c.rounds, c.mild, c.hard, c.families, c.seed)
	fmt.Printf("outputs: %s, %s\n\n", benchFile, peersFile)
	return table(os.Stdout, results, peers)
}

// capture runs a command, copying its output to the terminal and to file.
func capture(ctx context.Context, file string, name string, args ...string) ([]byte, error) {
	fmt.Fprintf(os.Stderr, "benchrun: %s %s\n", name, strings.Join(args, " "))
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	if werr := os.WriteFile(file, buf.Bytes(), 0o644); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return buf.Bytes(), nil
}

var p2Line = regexp.MustCompile(`(?m)^P2 \(mild 1280×720.*\): ([0-9.]+)`)

// table prints the P1–P4 rows.
func table(w io.Writer, rs []benchfmt.Result, peers []byte) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tpath\tmeasured against\tgoal\tmeasured\t")
	get := func(name, unit string) string {
		v, ok := benchfmt.Median(rs, name, unit)
		if !ok {
			return "not run"
		}
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	for _, n := range []string{"1", "4"} {
		b := "BenchmarkP1/beneficiaires=" + n
		fmt.Fprintf(tw, "P1\tQR text to identity, %s beneficiaire(s)\t2 ECDSA verifications + device-key decompression\t≤ 1.05\t%s (vs the 2 verifications alone: %s)\t\n",
			n, get(b, "x-crypto"), get(b, "x-verify2"))
	}
	p2 := "not run"
	if m := p2Line.FindSubmatch(peers); m != nil {
		p2 = string(m[1])
	}
	fmt.Fprintf(tw, "P2\t1280×720 mild frame to identity\tzxing-cpp decode of the same frames\t≤ 1.0\t%s\t\n", p2)
	for _, n := range []string{"1", "4"} {
		b := "BenchmarkNFCLink/beneficiaires=" + n + "/kbps=424"
		fmt.Fprintf(tw, "P3\tNFC tap over the link model at 424 kbit/s, %s beneficiaire(s)\tairtime\t≤ 1.1\t%s (mean-based %s)\t\n",
			n, get(b, "x-airtime"), get(b, "x-airtime-mean"))
	}
	fmt.Fprintf(tw, "P3\tNFC session through pcscd + vpcd\ta bare exchange of the same APDUs\t≤ 1.05\t%s (without the reader's public-key floor: %s)\t\n",
		get("BenchmarkNFCPCSC/interleaved", "x-bare"), get("BenchmarkNFCPCSC/interleaved", "x-bare-nocrypto"))
	fmt.Fprintf(tw, "P3\tNFC tap through pcscd + vpcd, connection included\ta bare ebfe/scard tap of the same APDUs\t≤ 1.05 without the floor\t%s (without the reader's public-key floor: %s)\t\n",
		get("BenchmarkNFCPCSCTap/interleaved", "x-bare"), get("BenchmarkNFCPCSCTap/interleaved", "x-bare-nocrypto"))
	count := func(name, unit string) string {
		v, ok := benchfmt.Median(rs, name, unit)
		if !ok {
			return "not run"
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for _, s := range []struct{ n, goal string }{{"1", "≤ 480"}, {"4", "≤ 960"}} {
		b := "BenchmarkQRSize/testworld-" + s.n
		fmt.Fprintf(tw, "P4\tQR text, %s beneficiaire(s) (testworld)\t\t%s chars, version ≤ 25\t%s chars, version %s\t\n",
			s.n, s.goal, count(b, "chars"), count(b, "qr-version"))
	}
	printed := map[string]bool{}
	for _, r := range rs {
		if strings.HasPrefix(r.Name, "BenchmarkQRSize/profile-") && !printed[r.Name] { // sizes repeat with -count
			printed[r.Name] = true
			fmt.Fprintf(tw, "P4\tQR text, profile %s (%.0f beneficiaire(s))\t\t\t%.0f chars, version %.0f\t\n",
				strings.TrimPrefix(r.Name, "BenchmarkQRSize/profile-"), r.Values["beneficiaires"], r.Values["chars"], r.Values["qr-version"])
		}
	}
	return tw.Flush()
}
