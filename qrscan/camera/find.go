package camera

import (
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// findPatterns is gozxing's FinderPatternFinder.Find (ZXing's), computed
// from the rows' runs instead of pixel by pixel: Find reads every pixel of
// every third row through BitMatrix.Get and runs its 1:1:3:1:1 state
// machine on each, which made it a fifth of a hard frame's decode. Between
// two colour changes the state machine only adds to one count, so
// findPatterns reads the runs a 32-bit word at a time (rowRuns) and
// feeds the machine one run at a time, with the same counts at the same
// pixel positions: the same candidates are confirmed by gozxing's own
// cross-checks (HandlePossibleCenter) in the same order, the same rows are
// skipped, and the same three patterns come out (TestFindPatternsMatches
// compares them with Find's).
func findPatterns(m *gozxing.BitMatrix, tryHarder bool) (*detector.FinderPatternInfo, error) {
	info, _, err := findPatternsOr(m, tryHarder)
	return info, err
}

// findPatternsOr is findPatterns, returning on failure the centres the
// search confirmed (fewer than three, or no triple of them selected).
func findPatternsOr(m *gozxing.BitMatrix, tryHarder bool) (*detector.FinderPatternInfo, []*detector.FinderPattern, error) {
	f := detector.NewFinderPatternFinder(m, nil)
	maxI, maxJ := m.GetHeight(), m.GetWidth()
	iSkip := (3 * maxI) / (4 * detector.FinderPatternFinder_MAX_MODULES)
	if iSkip < detector.FinderPatternFinder_MIN_SKIP || tryHarder {
		iSkip = detector.FinderPatternFinder_MIN_SKIP
	}
	// hasSkipped mirrors the finder's own flag (unexported), which only
	// FindRowSkip sets: when it finds two centres confirmed twice.
	hasSkipped := false
	findRowSkip := func() int {
		n := 0
		for _, c := range f.GetPossibleCenters() {
			if c.GetCount() >= detector.FinderPatternFinder_CENTER_QUORUM {
				n++
			}
		}
		if n >= 2 {
			hasSkipped = true
		}
		return f.FindRowSkip()
	}
	var row *gozxing.BitArray
	runs := runsBuffer(new([stackRuns]int32), maxJ)
	sc := make([]int, 5)
	done := false
	for i := iSkip - 1; i < maxI && !done; i += iSkip {
		row = m.GetRow(i, row)
		runs = rowRuns(row.GetBitArray(), maxJ, runs[:0])
		clear(sc)
		state := 0
		dark := false // runs start light, with an empty run when the row starts dark
		j := 0
	runs:
		for _, r := range runs {
			n := int(r)
			if n == 0 {
				dark = true
				continue
			}
			end := j + n
			switch {
			case dark:
				if state&1 == 1 {
					state++
				}
				sc[state] += n
			case state&1 == 1:
				sc[state] += n
			case state != 4:
				state++
				sc[state] += n
			default:
				// The first light pixel after five runs, at j: what Find
				// does there, then the run's other n-1 light pixels.
				if centreLongest(sc) && foundCross(sc) && f.HandlePossibleCenter(sc, i, j) {
					iSkip = 2
					if hasSkipped {
						done = f.HaveMultiplyConfirmedCenters()
					} else if rowSkip := findRowSkip(); rowSkip > sc[2] {
						i += rowSkip - sc[2] - iSkip
						clear(sc)
						break runs // Find sets j to the row's end
					}
					clear(sc)
					state = 0
					if n > 1 {
						state = 1
						sc[1] = n - 1
					}
				} else {
					sc[0], sc[1], sc[2], sc[3], sc[4] = sc[2], sc[3], sc[4], n, 0
					state = 3
				}
			}
			j, dark = end, !dark
		}
		if centreLongest(sc) && foundCross(sc) && f.HandlePossibleCenter(sc, i, maxJ) {
			iSkip = sc[0]
			if hasSkipped {
				done = f.HaveMultiplyConfirmedCenters()
			}
		}
	}
	fps, err := f.SelectBestPatterns()
	if err != nil {
		return nil, f.GetPossibleCenters(), err
	}
	bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(fps[0], fps[1], fps[2])
	return detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern)), nil, nil
}

// centreLongest reports whether the centre run of sc is longer than the
// four others, foundCross's first test, small enough to be inlined where
// the state machine calls it on every light run.
func centreLongest(sc []int) bool {
	_ = sc[4]
	c2 := sc[2]
	return c2 > max(sc[0], sc[1], sc[3], sc[4])
}
