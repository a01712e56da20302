package camera_test

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// corpusItem is one generated test image.
type corpusItem struct {
	class string
	name  string
	text  string
	img   *image.Gray
}

// corpus generates the clean, mild and hard classes: texts alternate
// between 480 and 960 characters; seeds 1..n.
func corpus(t testing.TB, nFrames int) []corpusItem {
	var items []corpusItem
	for seed := uint64(1); seed <= 2; seed++ {
		text := base45Text(seed, 480*int(seed))
		items = append(items, corpusItem{"clean", fmt.Sprintf("clean-%d", len(text)), text, cleanImage(t, text, 4)})
	}
	for _, class := range []string{"mild", "hard"} {
		for seed := uint64(1); seed <= uint64(nFrames); seed++ {
			n := 480
			if seed%2 == 0 {
				n = 960
			}
			text := base45Text(seed, n)
			o := qrimage.Mild(seed)
			if class == "hard" {
				o = qrimage.Hard(seed)
			}
			items = append(items, corpusItem{class, fmt.Sprintf("%s-%02d", class, seed), text, frame(t, text, o)})
		}
	}
	return items
}

// peerRead runs an external decoder on a PNG and reports whether it printed
// text.
func peerRead(bin, path, text string) bool {
	var args []string
	switch filepath.Base(bin) {
	case "zbarimg":
		args = []string{"-q", "--raw", path}
	default:
		args = []string{"-format", "QRCode", "-bytes", path}
	}
	out, _ := exec.Command(bin, args...).Output()
	return strings.TrimRight(string(out), "\r\n") == text
}

// TestCorpus measures the decode success rate per class, for us and, for
// the record, for zbarimg and ZXingReader when installed. Set
// APCV_CORPUS_REPORT=1 to log one line per image with every strategy alone.
func TestCorpus(t *testing.T) {
	n := 10
	if testing.Short() || raceEnabled {
		n = 2 // frame generation is slow under the race detector
	}
	items := corpus(t, n)
	minRate := map[string]float64{"clean": 1, "mild": 1, "hard": 0.7}
	if n < 10 {
		minRate["hard"] = 0.5
	}
	peers := map[string]string{}
	for _, name := range []string{"zbarimg", "ZXingReader"} {
		if p, err := exec.LookPath(name); err == nil {
			peers[name] = p
		} else if os.Getenv("APCV_REQUIRE_PEERS") != "" {
			t.Fatalf("%s required: %v", name, err)
		}
	}
	dir := t.TempDir()
	type tally struct {
		total, ours int
		peers       map[string]int
		by          map[camera.Strategy]int
	}
	tallies := map[string]*tally{}
	report := os.Getenv("APCV_CORPUS_REPORT") != ""
	for _, it := range items {
		tl := tallies[it.class]
		if tl == nil {
			tl = &tally{peers: map[string]int{}, by: map[camera.Strategy]int{}}
			tallies[it.class] = tl
		}
		tl.total++
		r, err := camera.DecodeWith(context.Background(), camera.FromImage(it.img), camera.DecodeOptions{Budget: -1})
		line := fmt.Sprintf("%-8s %4d chars:", it.name, len(it.text))
		if err == nil && r.Text == it.text {
			tl.ours++
			tl.by[r.Strategy]++
			line += fmt.Sprintf(" ours=%v (%d tried, %v)", r.Strategy, r.Tried, r.Elapsed.Round(100_000))
		} else if err == nil {
			t.Errorf("%s: wrong text read by %v", it.name, r.Strategy)
		} else {
			line += " ours=-"
		}
		if len(peers) > 0 {
			p := filepath.Join(dir, it.name+".png")
			writePNG(t, p, it.img)
			for name, bin := range peers {
				ok := peerRead(bin, p, it.text)
				if ok {
					tl.peers[name]++
				}
				line += fmt.Sprintf(" %s=%v", name, ok)
			}
		}
		if report {
			for _, s := range []camera.Strategy{camera.StrategyHalf, camera.StrategyPure, camera.StrategyHybrid, camera.StrategyTryHarder,
				camera.StrategyResampleMean3, camera.StrategyResample, camera.StrategyMean3, camera.StrategyCrop,
				camera.StrategyStretch, camera.StrategyDown2, camera.StrategyGlobal, camera.StrategyInverted} {
				r, err := camera.DecodeWith(context.Background(), camera.FromImage(it.img), camera.DecodeOptions{Strategies: []camera.Strategy{s}})
				line += fmt.Sprintf(" %v=%v/%v", s, err == nil && r.Text == it.text, r.Elapsed.Round(100_000))
			}
		}
		t.Log(line)
	}
	for _, class := range []string{"clean", "mild", "hard"} {
		tl := tallies[class]
		rate := float64(tl.ours) / float64(tl.total)
		t.Logf("%-5s ours %d/%d by %v; zbarimg %d/%d; ZXingReader %d/%d", class, tl.ours, tl.total, tl.by,
			tl.peers["zbarimg"], tl.total, tl.peers["ZXingReader"], tl.total)
		if rate < minRate[class] {
			t.Errorf("%s: read %d/%d, want at least %.0f%%", class, tl.ours, tl.total, 100*minRate[class])
		}
	}
}
