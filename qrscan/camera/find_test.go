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
// finderMatrices are the binarized camera frames (n hard, n mild) and the
// 40 random matrices of blocks that the run-based searches are compared
// with their references on.
func finderMatrices(t *testing.T, n int) []*gozxing.BitMatrix {
	t.Helper()
	var ms []*gozxing.BitMatrix
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
	return ms
}

func TestFindPatternsMatches(t *testing.T) {
	n := 6
	if testing.Short() || raceEnabled {
		n = 3
	}
	ms := finderMatrices(t, n)
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

// TestFinderRunsMatches: finderRuns, which reads a row's runs a word at a
// time, reports the same 1:1:3:1:1 windows (run lengths, row, start, end)
// as a pixel-by-pixel reading of the row, at row steps 1 and 2, on the
// frames and random matrices of TestFindPatternsMatches (every width mod
// 32 among them) and on rows that start or end dark.
func TestFinderRunsMatches(t *testing.T) {
	n := 4
	if testing.Short() || raceEnabled {
		n = 2
	}
	ms := finderMatrices(t, n)
	for _, w := range []int{1, 7, 31, 32, 33, 63, 64, 65} {
		m, _ := gozxing.NewBitMatrix(w, 3)
		for x := 0; x < w; x++ {
			if x%5 != 1 {
				m.Set(x, 0) // dark at both ends
			}
			m.Set(x, 2) // all dark
		}
		ms = append(ms, m)
	}
	hits := 0
	for i, m := range ms {
		for _, step := range []int{1, 2} {
			var got []string
			camera.FinderRuns(m, step, func(sc []int, y, start, end int) {
				got = append(got, fmt.Sprint(sc, y, start, end))
				sc[0], sc[2] = -1, -1 // found may change sc
			})
			want := referenceFinderRuns(m, step)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("matrix %d (%d×%d), step %d: %d windows, reference %d\n got %v\nwant %v",
					i, m.GetWidth(), m.GetHeight(), step, len(got), len(want), got, want)
			}
			hits += len(want)
		}
	}
	if hits < 100 {
		t.Fatalf("only %d windows in all: the comparison proves little", hits)
	}
}

// referenceFinderRuns is finderRuns one pixel at a time.
func referenceFinderRuns(m *gozxing.BitMatrix, step int) []string {
	var out []string
	for y := step / 2; y < m.GetHeight(); y += step {
		var runs, starts []int
		dark := false
		for x := 0; x < m.GetWidth(); {
			e := x
			for e < m.GetWidth() && m.Get(e, y) == dark {
				e++
			}
			runs, starts = append(runs, e-x), append(starts, x)
			x, dark = e, !dark
		}
		for k := 1; k+4 < len(runs); k += 2 {
			sc := append([]int(nil), runs[k:k+5]...)
			if !camera.FoundCross(sc) {
				continue
			}
			end := m.GetWidth()
			if k+5 < len(runs) {
				end = starts[k+5]
			}
			out = append(out, fmt.Sprint(sc, y, starts[k], end))
		}
	}
	return out
}

// TestRowRuns: the runs of random rows of every width from 1 to 130, and
// of rows all light or all dark, as a pixel-by-pixel reading gives them
// (light first, an empty light run only when the row starts dark).
func TestRowRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for w := 1; w <= 130; w++ {
		for trial := range 6 {
			row := gozxing.NewBitArray(w)
			for x := 0; x < w; x++ {
				switch {
				case trial == 1, trial > 1 && r.IntN(trial) == 0:
					row.Set(x)
				}
			}
			var want []int32
			dark, start := false, 0
			for x := 0; x <= w; x++ {
				if x == w || row.Get(x) != dark {
					want = append(want, int32(x-start))
					start, dark = x, !dark
				}
			}
			if got := camera.RowRuns(row.GetBitArray(), w, nil); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("width %d, trial %d: %v, want %v", w, trial, got, want)
			}
		}
	}
}
