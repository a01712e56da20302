// Command peers compares the SDK's camera path with two independent QR
// decoders, zxing-cpp and zbar, on the very same images, in one run:
//
//	go run ./benchmarks/cmd/peers [-iters 10] [-rounds 3] [-mild 20] [-hard 20] [-families 10] [-seed N]
//	                              [-only low-contrast,glare] [-misses]
//
// It installs Debian's libzxing-dev and libzbar-dev when they are missing
// (scripts/deps.sh bench), builds two tiny programs of ours (csrc/: one C++
// on zxing-cpp, one C on zbar), renders the corpus with qrimage (the clean
// code, then mild and hard 1280×720 webcam frames of seeds 1..N, all
// holding a verifiable QR text of a testworld credential, then -families
// frames of each distortion family of corpus.Families, drawn from -seed
// over the QR texts of families of 1, 2, 4 and 6 beneficiaries; a fresh
// seed by default, printed with the table) into a temporary directory as
// binary PGM files, and times, on each image, N decodes by
// each reader, in process, after loading every image (start-up excluded),
// in rounds that alternate the readers (an image's time is its median over
// the rounds, so that a change of the machine's load weighs on all).
// Ours is the whole path to a verified identity: camera.DecodeWith with the
// default strategies (no time budget), then Verifier.VerifyQR. The peers
// only decode.
//
// It prints one table: per image class, the decode success of each reader
// on the corpus, and the mean time per image of each, over the images both
// ours and zxing-cpp read (zbar is timed on the same images, its failures
// included), with the ratios. P2 is ours / zxing-cpp on mild 1280×720.
//
// -only renders the named families alone; -misses lists, after the table,
// every image a peer read and ours did not, with the frame options and
// the text's length that render it again (qrimage.Frame; -keep keeps its
// PGM file).
package main

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apcvkit/apcvkit/benchmarks/internal/corpus"
	"github.com/apcvkit/apcvkit/internal/testworld"
)

//go:embed csrc/zxing_bench.cpp csrc/zbar_bench.c
var csrc embed.FS

// config is what the flags set.
type config struct {
	iters      int
	rounds     int
	mild, hard int
	families   int    // frames per distortion family
	seed       uint64 // the families' seed; 0 draws one
	install    bool   // run scripts/deps.sh bench when a library is missing
	keep       string // keep the images and programs in this directory
	only       string // comma-separated family names; empty for all
	misses     bool   // list the images a peer read and ours did not
}

func main() {
	var c config
	flag.IntVar(&c.iters, "iters", 10, "timed decodes per image and reader")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds; each runs every reader on every image, and an image's time is its median over rounds")
	flag.IntVar(&c.mild, "mild", 20, "mild 1280×720 frames (seeds 1..N)")
	flag.IntVar(&c.hard, "hard", 20, "hard 1280×720 frames (seeds 1..N)")
	flag.IntVar(&c.families, "families", 10, "frames per distortion family (corpus.Families), 0 for none")
	flag.Uint64Var(&c.seed, "seed", 0, "seed of the family frames (0: a fresh one, printed with the table)")
	flag.BoolVar(&c.install, "install", true, "install libzxing-dev and libzbar-dev with scripts/deps.sh bench when missing")
	flag.StringVar(&c.keep, "keep", "", "write the images and programs to this directory and keep them (default: a temporary directory, removed)")
	flag.StringVar(&c.only, "only", "", "comma-separated distortion families to render (default: all of corpus.Families)")
	flag.BoolVar(&c.misses, "misses", false, "after the table, list the images a peer read and ours did not, with their frame options")
	flag.Parse()
	if err := run(context.Background(), c, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

// reader names, in table order.
const (
	ours  = "ours"
	zxing = "zxing-cpp"
	zbar  = "zbar"
)

// result is one reader's outcome on one image.
type result struct {
	ok bool
	ns int64 // mean time per decode
}

func run(ctx context.Context, c config, stdout, stderr io.Writer) error {
	if c.iters < 1 || c.rounds < 1 || c.mild < 0 || c.hard < 0 || c.families < 0 {
		return errors.New("-iters and -rounds must be at least 1, -mild, -hard and -families at least 0")
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	fams := corpus.Families
	if c.only != "" {
		f, err := corpus.FamiliesNamed(strings.Split(c.only, ","))
		if err != nil {
			return err
		}
		fams = f
	}
	if err := ensureLibs(ctx, c.install, stderr); err != nil {
		return err
	}
	dir := c.keep
	if dir == "" {
		d, err := os.MkdirTemp("", "apcv-peers-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	zxBin, zbBin, err := build(ctx, dir)
	if err != nil {
		return err
	}

	fmt.Fprintf(stderr, "peers: rendering the corpus (1 clean, %d mild, %d hard)…\n", c.mild, c.hard)
	w := testworld.New(1)
	texts, err := corpus.Texts(w, 1, 1)
	if err != nil {
		return err
	}
	imgs, err := corpus.Images(texts[0], c.mild, c.hard)
	if err != nil {
		return err
	}
	if c.families > 0 {
		fmt.Fprintf(stderr, "peers: rendering %d frames of each of %d families (seed %d)…\n", c.families, len(fams), c.seed)
		fam, err := corpus.FamilyImagesOf(fams, corpus.Worlds(), c.seed, c.families)
		if err != nil {
			return err
		}
		imgs = append(imgs, fam...)
	}
	paths := make([]string, len(imgs))
	for i, im := range imgs {
		paths[i] = filepath.Join(dir, im.Name())
		if err := writePGM(paths[i], im); err != nil {
			return err
		}
	}

	// Rounds alternate the readers, so that a change of the machine's load
	// weighs on all of them; each image's time is its median over rounds.
	rounds := map[string][][]result{}
	for round := 1; round <= c.rounds; round++ {
		fmt.Fprintf(stderr, "peers: round %d of %d: ours", round, c.rounds)
		rounds[ours] = append(rounds[ours], timeOurs(ctx, w, imgs, c.iters))
		for _, p := range []struct{ name, bin string }{{zxing, zxBin}, {zbar, zbBin}} {
			fmt.Fprintf(stderr, ", %s", p.name)
			r, err := runPeer(ctx, p.bin, c.iters, paths, imgs)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			rounds[p.name] = append(rounds[p.name], r)
		}
		fmt.Fprintln(stderr)
	}
	res := map[string][]result{}
	for name, rs := range rounds {
		res[name] = medianRounds(rs)
	}
	return report(stdout, c, imgs, res)
}

// ensureLibs checks that pkg-config finds zxing and zbar and that the
// compilers exist, and installs what is missing when allowed.
func ensureLibs(ctx context.Context, install bool, stderr io.Writer) error {
	missing := func() error {
		for _, tool := range []string{"pkg-config", "g++", "gcc"} {
			if _, err := exec.LookPath(tool); err != nil {
				return fmt.Errorf("%s not found", tool)
			}
		}
		if out, err := exec.CommandContext(ctx, "pkg-config", "--exists", "--print-errors", "zxing", "zbar").CombinedOutput(); err != nil {
			return fmt.Errorf("pkg-config zxing zbar: %s", strings.TrimSpace(string(out)))
		}
		return nil
	}
	err := missing()
	if err == nil || !install {
		return err
	}
	root, rerr := moduleRoot(ctx)
	if rerr != nil {
		return fmt.Errorf("%w (and the deps script cannot be found: %v)", err, rerr)
	}
	fmt.Fprintf(stderr, "peers: %v: running scripts/deps.sh bench\n", err)
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "deps.sh"), "bench")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("scripts/deps.sh bench: %w", err)
	}
	return missing()
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the module")
	}
	return filepath.Dir(gomod), nil
}

// build writes the embedded sources to dir and compiles them with the
// flags pkg-config gives.
func build(ctx context.Context, dir string) (zx, zb string, err error) {
	flags := func(pkg string) ([]string, error) {
		out, err := exec.CommandContext(ctx, "pkg-config", "--cflags", "--libs", pkg).Output()
		if err != nil {
			return nil, fmt.Errorf("pkg-config %s: %w", pkg, err)
		}
		return strings.Fields(string(out)), nil
	}
	for _, b := range []struct {
		src, bin, compiler, pkg string
		std                     string
		out                     *string
	}{
		{"csrc/zxing_bench.cpp", "zxing_bench", "g++", "zxing", "-std=c++17", &zx},
		{"csrc/zbar_bench.c", "zbar_bench", "gcc", "zbar", "-std=c99", &zb},
	} {
		code, err := csrc.ReadFile(b.src)
		if err != nil {
			return "", "", err
		}
		src := filepath.Join(dir, filepath.Base(b.src))
		if err := os.WriteFile(src, code, 0o644); err != nil {
			return "", "", err
		}
		f, err := flags(b.pkg)
		if err != nil {
			return "", "", err
		}
		bin := filepath.Join(dir, b.bin)
		args := append([]string{"-O2", b.std, "-D_POSIX_C_SOURCE=200809L", "-o", bin, src}, f...)
		if out, err := exec.CommandContext(ctx, b.compiler, args...).CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("%s %s: %w\n%s", b.compiler, strings.Join(args, " "), err, out)
		}
		*b.out = bin
	}
	return zx, zb, nil
}

func writePGM(path string, im corpus.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := corpus.WritePGM(f, im.Gray); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timeOurs runs our path on every image: one decode-verify (the outcome),
// then, for the images read, iters timed ones, each with a fresh Verifier
// built beforehand (the replay check refuses a text seen twice).
func timeOurs(ctx context.Context, w *testworld.World, imgs []corpus.Image, iters int) []result {
	out := make([]result, len(imgs))
	for i, im := range imgs {
		w := w
		if im.World != nil {
			w = im.World
		}
		p, err := corpus.DecodeVerify(ctx, w.Verifier(nil), im.Gray)
		if err != nil || p.CredentialID != w.CID {
			continue
		}
		vs := corpus.Verifiers(w, iters)
		runtime.GC()
		ok := true
		start := time.Now()
		for _, v := range vs {
			if _, err := corpus.DecodeVerify(ctx, v, im.Gray); err != nil {
				ok = false // a reader that read the image once must read it again
				break
			}
		}
		out[i] = result{ok: ok, ns: time.Since(start).Nanoseconds() / int64(iters)}
	}
	return out
}

// medianRounds merges one reader's rounds: an image is read if every round
// read it, in the median of the rounds' times.
func medianRounds(rounds [][]result) []result {
	out := make([]result, len(rounds[0]))
	for i := range out {
		ok := true
		ns := make([]int64, len(rounds))
		for r := range rounds {
			ok = ok && rounds[r][i].ok
			ns[r] = rounds[r][i].ns
		}
		slices.Sort(ns)
		out[i] = result{ok: ok, ns: ns[len(ns)/2]}
	}
	return out
}

// runPeer runs a peer program on the images and parses its report. A
// decode whose text is not the image's counts as a failure.
func runPeer(ctx context.Context, bin string, iters int, paths []string, imgs []corpus.Image) ([]result, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append([]string{strconv.Itoa(iters)}, paths...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, stderr.String())
	}
	lines, err := parsePeerOutput(out)
	if err != nil {
		return nil, err
	}
	if len(lines) != len(paths) {
		return nil, fmt.Errorf("%d result lines for %d images", len(lines), len(paths))
	}
	res := make([]result, len(paths))
	for i, l := range lines {
		if l.path != paths[i] {
			return nil, fmt.Errorf("line %d is for %s, want %s", i+1, l.path, paths[i])
		}
		res[i] = result{ok: l.ok && l.text == imgs[i].Text, ns: l.ns}
	}
	return res, nil
}

// peerLine is one line of a peer program's report.
type peerLine struct {
	path string
	ok   bool
	ns   int64
	text string
}

// errPeerOutput is wrapped for a report line that is not
// "path TAB ok|fail TAB ns TAB text".
var errPeerOutput = errors.New("malformed peer output")

// parsePeerOutput parses a peer program's report.
func parsePeerOutput(out []byte) ([]peerLine, error) {
	var lines []peerLine
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.SplitN(sc.Text(), "\t", 4)
		if len(f) != 4 || f[0] == "" || (f[1] != "ok" && f[1] != "fail") {
			return nil, fmt.Errorf("line %d: %w", n, errPeerOutput)
		}
		ns, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || ns < 0 {
			return nil, fmt.Errorf("line %d: time %q: %w", n, f[2], errPeerOutput)
		}
		if f[1] == "fail" && f[3] != "" {
			return nil, fmt.Errorf("line %d: a failure with a text: %w", n, errPeerOutput)
		}
		lines = append(lines, peerLine{path: f[0], ok: f[1] == "ok", ns: ns, text: f[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", errPeerOutput, err)
	}
	return lines, nil
}

// classRow is one row of the table.
type classRow struct {
	class  corpus.Class
	images int
	ok     map[string]int
	timed  int
	meanNS map[string]float64
}

// summarize aggregates per class: successes over every image, mean times
// over the images both ours and zxing-cpp read.
func summarize(imgs []corpus.Image, res map[string][]result) []classRow {
	var rows []classRow
	var classes []corpus.Class // in the order of the images
	for _, im := range imgs {
		if !slices.Contains(classes, im.Class) {
			classes = append(classes, im.Class)
		}
	}
	for _, c := range classes {
		r := classRow{class: c, ok: map[string]int{}, meanNS: map[string]float64{}}
		sum := map[string]int64{}
		for i, im := range imgs {
			if im.Class != c {
				continue
			}
			r.images++
			for name, rs := range res {
				if rs[i].ok {
					r.ok[name]++
				}
			}
			if res[ours][i].ok && res[zxing][i].ok {
				r.timed++
				for name, rs := range res {
					sum[name] += rs[i].ns
				}
			}
		}
		if r.images == 0 {
			continue
		}
		for name, s := range sum {
			if r.timed > 0 {
				r.meanNS[name] = float64(s) / float64(r.timed)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

func report(w io.Writer, c config, imgs []corpus.Image, res map[string][]result) error {
	rows := summarize(imgs, res)
	fmt.Fprintf(w, "peers: %d rounds of %d timed decodes per image and reader; %s\n", c.rounds, c.iters, machine())
	if c.families > 0 {
		fmt.Fprintf(w, "families: %d frames each, seed %d (-seed %d renders the same frames)\n", c.families, c.seed, c.seed)
	}
	fmt.Fprintf(w, "ours = camera.DecodeWith + Verifier.VerifyQR (frame to verified identity); peers decode only.\n")
	fmt.Fprintf(w, "ms: mean per image (of its median over rounds) over the images ours and zxing-cpp both read (\"timed\").\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\timages\tours ok\tzxing-cpp ok\tzbar ok\ttimed\tours ms\tzxing-cpp ms\tzbar ms\tours/zxing-cpp\tours/zbar\t")
	ms := func(v float64) string {
		if v == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", v/1e6)
	}
	ratio := func(a, b float64) string {
		if a == 0 || b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", r.class, r.images, r.ok[ours], r.ok[zxing], r.ok[zbar],
			r.timed, ms(r.meanNS[ours]), ms(r.meanNS[zxing]), ms(r.meanNS[zbar]),
			ratio(r.meanNS[ours], r.meanNS[zxing]), ratio(r.meanNS[ours], r.meanNS[zbar]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.class == corpus.Mild && r.meanNS[zxing] > 0 {
			fmt.Fprintf(w, "\nP2 (mild 1280×720, frame to identity vs zxing-cpp decode): %.2f (goal ≤ 1.0)\n", r.meanNS[ours]/r.meanNS[zxing])
		}
	}
	if c.misses {
		writeMisses(w, imgs, res)
	}
	return nil
}

// writeMisses lists the images a peer read and ours did not: which peers,
// the text's length and the frame options that render the frame again.
func writeMisses(w io.Writer, imgs []corpus.Image, res map[string][]result) {
	n := 0
	for i, im := range imgs {
		if res[ours][i].ok || (!res[zxing][i].ok && !res[zbar][i].ok) {
			continue
		}
		if n == 0 {
			fmt.Fprintf(w, "\nread by a peer, not by ours:\n")
		}
		n++
		var by []string
		for _, p := range []string{zxing, zbar} {
			if res[p][i].ok {
				by = append(by, p)
			}
		}
		fmt.Fprintf(w, "  %s (%s; %d chars): %#v\n", strings.TrimSuffix(im.Name(), ".pgm"), strings.Join(by, ", "), len(im.Text), im.Options)
	}
	if n == 0 {
		fmt.Fprintf(w, "\nno image read by a peer and not by ours\n")
	}
}

// machine describes the machine: cores, CPU model, Go version, load.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = ", load " + strings.Join(f[:3], " ")
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s%s", runtime.NumCPU(), cpu, runtime.Version(), load)
}
