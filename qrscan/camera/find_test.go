package camera_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestFindPatternsMatches: our run-based finder-pattern search returns what
// gozxing's Find returns (the same three patterns, or a failure for both),
// with and without TRY_HARDER, on binarized camera frames (hard, mild,
// inverted, rescaled) and on random matrices.
func TestFindPatternsMatches(t *testing.T) {
	var ms []*gozxing.BitMatrix
	n := 6
	if testing.Short() || raceEnabled {
		n = 3
	}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		for _, o := range []qrimage.FrameOptions{qrimage.Hard(seed), qrimage.Mild(seed)} {
			img := frame(t, base45Text(seed, 467), o)
			m, err := camera.HybridMatrix(camera.FromImage(img), new(camera.Scratch))
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 40 {
		w, h := 20+r.IntN(300), 20+r.IntN(300)
		m, _ := gozxing.NewBitMatrix(w, h)
		// Blocks of random sizes: runs of every length, finder-like
		// proportions among them.
		for y := 0; y < h; y++ {
			for x := 0; x < w; {
				n := 1 + r.IntN(8)
				if r.IntN(2) == 0 {
					for k := x; k < min(x+n, w); k++ {
						m.Set(k, y)
					}
				}
				x += n
			}
		}
		ms = append(ms, m)
	}
	describe := func(info *detector.FinderPatternInfo, err error) string {
		if err != nil {
			return "not found"
		}
		s := ""
		for _, p := range []*detector.FinderPattern{info.GetBottomLeft(), info.GetTopLeft(), info.GetTopRight()} {
			s += fmt.Sprintf("(%v,%v %v %d)", p.GetX(), p.GetY(), p.GetEstimatedModuleSize(), p.GetCount())
		}
		return s
	}
	found := 0
	for i, m := range ms {
		for _, hints := range []map[gozxing.DecodeHintType]any{nil, {gozxing.DecodeHintType_TRY_HARDER: true}} {
			want := describe(detector.NewFinderPatternFinder(m, nil).Find(hints))
			_, tryHarder := hints[gozxing.DecodeHintType_TRY_HARDER]
			got := describe(camera.FindPatterns(m, tryHarder))
			if got != want {
				t.Errorf("matrix %d, try harder %v: %s, gozxing %s", i, tryHarder, got, want)
			}
			if want != "not found" {
				found++
			}
		}
	}
	if frames := 2 * n; found < frames { // half the searches on frames
		t.Fatalf("patterns found in only %d searches of %d on frames: the comparison proves little", found, 2*frames)
	}
}
