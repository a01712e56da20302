package camera

import (
	"math"
	"math/bits"
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// The locator. gozxing's FinderPatternFinder (ZXing's) scans rows until
// two finder patterns are confirmed, then jumps ahead by the distance
// between them and stops at the first row that confirms a third pattern of
// about the same module size. A QR code's data holds 1:1:3:1:1 runs of its
// own: when one of them is confirmed above the real bottom-left pattern,
// the search stops there, picks the wrong three, and the code is missed —
// 1 to 4 clean emulator codes in 40 at some family sizes (version 18–19),
// whatever the module size. zxing-cpp collects every candidate and tries
// several sets. locate does the same: gozxing's quick search first (it is
// right almost always and stops early), then, when the code it found does
// not decode, every candidate of a full scan (each candidate still confirmed
// by gozxing's cross-checks) grouped into plausible triples, tried from the
// most square.

// maxTriples bounds the finder-pattern triples tried after gozxing's own.
const maxTriples = 4

// locate finds and decodes the code in m. hints go to gozxing's search;
// rowStep is the row spacing of the full scan (1 to look at every row).
func (a *attempt) locate(m *gozxing.BitMatrix, hints map[gozxing.DecodeHintType]any, rowStep int) (*gozxing.Result, error) {
	_, tryHarder := hints[gozxing.DecodeHintType_TRY_HARDER]
	if a.stopped() {
		return nil, errStopped
	}
	first, ferr := findPatterns(m, tryHarder)
	err := ferr
	if ferr == nil && !a.stopped() {
		res, derr := a.decodeAt(m, first)
		if derr == nil {
			return res, nil
		}
		err = derr
	}
	if a.stopped() {
		return nil, errStopped
	}
	for _, t := range triplesOf(a.candidates(m, rowStep), maxTriples, first) {
		if a.stopped() {
			return nil, errStopped
		}
		res, derr := a.decodeAt(m, t)
		if derr == nil {
			return res, nil
		}
		err = derr
	}
	if err == nil {
		err = gozxing.NewNotFoundException("no finder-pattern triple")
	}
	return nil, err
}

// decodeAt samples and decodes the code whose finder patterns are info.
func (a *attempt) decodeAt(m *gozxing.BitMatrix, info *detector.FinderPatternInfo) (*gozxing.Result, error) {
	det, err := detector.NewDetector(m).ProcessFinderPatternInfo(info)
	if err != nil {
		return nil, err
	}
	dr, err := a.decoder().Decode(det.GetBits(), hintsNone)
	if err != nil {
		return nil, err
	}
	return qrResult(dr, det.GetPoints()), nil
}

// candidates is finderCandidates(m, rowStep), scanned once per frame for
// the frame's own binarization at row step 2: StrategyHybrid's locate and
// the resample rescue's plain stages scan the same matrix for the same
// candidates.
func (a *attempt) candidates(m *gozxing.BitMatrix, rowStep int) []*detector.FinderPattern {
	if rowStep != 2 || a.bitmap == nil {
		return finderCandidates(m, rowStep)
	}
	if hm, err := a.bitmap.GetBlackMatrix(); err != nil || hm != m {
		return finderCandidates(m, rowStep)
	}
	if !a.frameCandsDone {
		a.frameCands, a.frameCandsDone = finderCandidates(m, rowStep), true
	}
	return slices.Clone(a.frameCands) // triplesOf sorts and trims its own
}

// triplesOf returns up to n plausible triples of cands, best first, leaving
// out skip.
func triplesOf(cands []*detector.FinderPattern, n int, skip *detector.FinderPatternInfo) []*detector.FinderPatternInfo {
	return triplesIn(cands, n, skip, tripleScore)
}

// triplesIn is triplesOf with the triples rated by score.
func triplesIn(cands []*detector.FinderPattern, n int, skip *detector.FinderPatternInfo, score func(p, q, r *detector.FinderPattern) (float64, bool)) []*detector.FinderPatternInfo {
	if len(cands) < 3 {
		return nil
	}
	// Patterns confirmed on several rows first; a pattern seen once is
	// kept only when too few are confirmed.
	slices.SortStableFunc(cands, func(p, q *detector.FinderPattern) int { return q.GetCount() - p.GetCount() })
	confirmed := 0
	for _, c := range cands {
		if c.GetCount() >= 2 {
			confirmed++
		}
	}
	if confirmed >= 3 {
		cands = cands[:confirmed]
	}
	cands = cands[:min(len(cands), 24)]

	// The n best triples, kept sorted by score as they are found (n is
	// small): nothing is allocated per triple.
	type scored struct {
		i, j, k int
		score   float64
	}
	best := make([]scored, 0, n+1)
	for i := 0; i < len(cands); i++ {
		for j := i + 1; j < len(cands); j++ {
			for k := j + 1; k < len(cands); k++ {
				s, ok := score(cands[i], cands[j], cands[k])
				if !ok || (len(best) == n && s >= best[n-1].score) {
					continue
				}
				if skip != nil && sameTriple(skip, cands[i], cands[j], cands[k]) {
					continue
				}
				at := len(best)
				for at > 0 && best[at-1].score > s {
					at--
				}
				best = slices.Insert(best, at, scored{i, j, k, s})
				if len(best) > n {
					best = best[:n]
				}
			}
		}
	}
	out := make([]*detector.FinderPatternInfo, 0, len(best))
	for _, t := range best {
		bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(cands[t.i], cands[t.j], cands[t.k])
		out = append(out, detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern)))
	}
	return out
}

// sameTriple reports whether p, q and r are info's three patterns, in any
// order.
func sameTriple(info *detector.FinderPatternInfo, p, q, r *detector.FinderPattern) bool {
	in := func(c *detector.FinderPattern) bool {
		for _, f := range [3]*detector.FinderPattern{info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()} {
			if c.GetX() == f.GetX() && c.GetY() == f.GetY() {
				return true
			}
		}
		return false
	}
	return in(p) && in(q) && in(r)
}

// tripleScore rates three finder patterns as the corners of one code:
// lower is better; false when they cannot be one (module sizes too
// different, a side under 14 modules, sides too unequal). A code seen
// square on has an isosceles right triangle of centres; perspective
// stretches it, so the bounds are loose and the score only orders.
func tripleScore(p, q, r *detector.FinderPattern) (float64, bool) {
	return tripleScoreWithin(p, q, r, 0, 1.6)
}

// tripleScoreWithin is tripleScore for the triples whose largest module
// size is above minRatio and at most maxRatio times their smallest.
func tripleScoreWithin(p, q, r *detector.FinderPattern, minRatio, maxRatio float64) (float64, bool) {
	ms := [3]float64{p.GetEstimatedModuleSize(), q.GetEstimatedModuleSize(), r.GetEstimatedModuleSize()}
	lo, hi := min(ms[0], ms[1], ms[2]), max(ms[0], ms[1], ms[2])
	if lo <= 0 || hi > maxRatio*lo || hi <= minRatio*lo {
		return 0, false
	}
	a := squaredDistance(p, q)
	b := squaredDistance(q, r)
	c := squaredDistance(p, r)
	// c: the longest side (the hypotenuse), a ≤ b the two others.
	a, b, c = sort3(a, b, c)
	module := (ms[0] + ms[1] + ms[2]) / 3
	if math.Sqrt(a) < 14*module || b > 4*a || math.Sqrt(a) > 185*module {
		return 0, false
	}
	distortion := (math.Abs(c-2*a) + math.Abs(c-2*b)) / c
	return distortion + math.Log(hi/lo), true
}

func sort3(a, b, c float64) (float64, float64, float64) {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b, c = c, b
	}
	if a > b {
		a, b = b, a
	}
	return a, b, c
}

func squaredDistance(p, q gozxing.ResultPoint) float64 {
	dx, dy := p.GetX()-q.GetX(), p.GetY()-q.GetY()
	return dx*dx + dy*dy
}

// finderCandidates scans every rowStep-th row of m for dark-light-dark-
// light-dark runs in the proportions 1:1:3:1:1 and has gozxing's finder
// confirm each (vertical, horizontal and diagonal cross-checks); it
// returns the confirmed centres, each with the number of rows that found
// it. Runs are read a 32-bit word at a time.
func finderCandidates(m *gozxing.BitMatrix, rowStep int) []*detector.FinderPattern {
	f := detector.NewFinderPatternFinder(m, nil)
	finderRuns(m, rowStep, func(sc []int, y, _, end int) { f.HandlePossibleCenter(sc, y, end) })
	return f.GetPossibleCenters()
}

// finderRuns calls found for every dark-light-dark-light-dark run, on every
// rowStep-th row of m, in the proportions 1:1:3:1:1: sc holds the five run
// lengths (found may change it: it is refilled for each run), start is the
// x of the first dark run, end the x where the run after the fifth starts
// (the row's width at its end). Runs are read a 32-bit word at a time
// (rowRuns).
func finderRuns(m *gozxing.BitMatrix, rowStep int, found func(sc []int, y, start, end int)) {
	w, h := m.GetWidth(), m.GetHeight()
	rowStep = max(rowStep, 1)
	var row *gozxing.BitArray
	runs := runsBuffer(new([stackRuns]int32), w)
	sc := make([]int, 5)
	for y := rowStep / 2; y < h; y += rowStep {
		row = m.GetRow(y, row)
		// runs alternate light, dark, light, …, from x = 0 (a row that
		// starts dark starts with an empty light run).
		runs = rowRuns(row.GetBitArray(), w, runs[:0])
		x := int(runs[0]) // the start of runs[k]
		for k := 1; k+4 < len(runs); k += 2 {
			r := runs[k : k+5 : k+5]
			// The centre run longer than the four others: what
			// foundCross checks first, here without a call for most of
			// a busy row's windows.
			if c2 := r[2]; c2 > max(r[0], r[1], r[3], r[4]) {
				sc[0], sc[1], sc[2], sc[3], sc[4] = int(r[0]), int(r[1]), int(c2), int(r[3]), int(r[4])
				if foundCross(sc) {
					end := w
					if k+5 < len(runs) {
						end = x + sc[0] + sc[1] + sc[2] + sc[3] + sc[4]
					}
					found(sc, y, x, end)
				}
			}
			x += int(runs[k]) + int(runs[k+1])
		}
	}
}

// stackRuns is the size of the run buffers the finder searches keep on
// the stack: the runs of a row up to 2047 pixels wide.
const stackRuns = 2048

// runsBuffer returns an empty slice for the runs of rows w pixels wide:
// buf's, when they fit (a row has at most w+1 runs), else a new one.
func runsBuffer(buf *[stackRuns]int32, w int) []int32 {
	if w+1 <= len(buf) {
		return buf[:0]
	}
	return make([]int32, 0, w+1)
}

// rowRuns appends to runs the lengths of the alternating runs of the
// row's first w bits (words, bit x of word x/32 set for dark), light
// first: a row that starts dark starts with an empty light run. Every run
// but a leading empty one is at least 1 long. The colour changes are found
// a 32-bit word at a time (the bits that differ from their left
// neighbour), then one trailing-zero count per run.
func rowRuns(words []uint32, w int, runs []int32) []int32 {
	last := 0         // where the current run started
	prev := uint32(0) // the colour left of the word's first bit (light at x = 0)
	n := (w + 31) >> 5
	for i := 0; i < n; i++ {
		v := words[i]
		if i == n-1 && w&31 != 0 {
			v &= 1<<(w&31) - 1
			// Past w the colour stays the last pixel's: no change there.
			if v>>(w&31-1)&1 != 0 {
				v |= ^uint32(0) << (w & 31)
			}
		}
		t := v ^ (v<<1 | prev)
		prev = v >> 31
		base := i << 5
		for t != 0 {
			x := base + bits.TrailingZeros32(t)
			runs = append(runs, int32(x-last))
			last = x
			t &= t - 1
		}
	}
	return append(runs, int32(w-last))
}

// foundCross is gozxing's FinderPatternFinder_foundPatternCross in integer
// arithmetic (finderRuns calls it on every five runs of every row scanned):
// with T the five runs' total, each outer run c must be within half a
// module (T/14) of a module, |T/7 - c| < T/14, that is 2·|T - 7c| < T, and
// the centre run within 1.5 modules of three, 2·|3T - 7c| < 3T. The float
// and the integer forms agree on every input: where the real bound is met
// exactly the float module size is exact too, and elsewhere the integers
// are at least 1 apart, far beyond the float error.
func foundCross(c []int) bool {
	c0, c1, c2, c3, c4 := c[0], c[1], c[2], c[3], c[4]
	// Both bounds make the centre run longer than any other (7c < 3T/2
	// for an outer run, 7c > 3T/2 for the centre): four comparisons,
	// without branches, turn away most of the runs of a busy row.
	if c2 <= max(c0, c1, c3, c4) || min(c0, c1, c3, c4) <= 0 {
		return false
	}
	t := c0 + c1 + c2 + c3 + c4
	if t < 7 {
		return false
	}
	return 2*abs(t-7*c0) < t && 2*abs(t-7*c1) < t && 2*abs(3*t-7*c2) < 3*t &&
		2*abs(t-7*c3) < t && 2*abs(t-7*c4) < t
}

// flipped returns a copy of m with every bit inverted (light modules on a
// dark ground become an ordinary code), in a scratch matrix.
func flipped(m *gozxing.BitMatrix, sc *scratch) *gozxing.BitMatrix {
	w, h := m.GetWidth(), m.GetHeight()
	out := sc.bitMatrix(w, h)
	row := sc.bitRow(w)
	var src *gozxing.BitArray
	for y := 0; y < h; y++ {
		src = m.GetRow(y, src)
		sw, dw := src.GetBitArray(), row.GetBitArray()
		for i := range dw {
			dw[i] = ^sw[i]
		}
		if r := w & 31; r != 0 {
			dw[len(dw)-1] &= 1<<r - 1
		}
		out.SetRow(y, row)
	}
	return out
}

// relaxedCandidates finds finder patterns as finderCandidates does, but
// confirms each 1:1:3:1:1 run with cross-checks of its own that accept
// what a strong perspective does to a pattern: a vertical extent from half
// to twice the horizontal one (gozxing's checks want it within 40 %, and a
// diagonal check on top). The module size is the mean of both
// directions'. Candidates closer than a pattern's half-width merge. Used
// only when the strict candidates gave no code.
func relaxedCandidates(m *gozxing.BitMatrix, rowStep int) []*detector.FinderPattern {
	type cand struct {
		x, y, module float64
		count        int
	}
	var cs []cand
	finderRuns(m, rowStep, func(sc []int, y, start, _ int) {
		hTotal := sc[0] + sc[1] + sc[2] + sc[3] + sc[4]
		cx := start + sc[0] + sc[1] + sc[2]/2
		cy, vTotal, ok := crossRun(m, cx, y, false)
		if !ok || 2*vTotal < hTotal || vTotal > 2*hTotal {
			return
		}
		// Back along the row through the vertical centre.
		cx2, hTotal2, ok := crossRun(m, cx, int(cy), true)
		if !ok || 2*hTotal2 < vTotal || hTotal2 > 2*vTotal {
			return
		}
		module := float64(hTotal2+vTotal) / 14
		merged := false
		for i := range cs {
			c := &cs[i]
			if math.Abs(c.x-cx2) <= 2*c.module && math.Abs(c.y-cy) <= 2*c.module {
				n := float64(c.count)
				c.x, c.y, c.module = (c.x*n+cx2)/(n+1), (c.y*n+cy)/(n+1), (c.module*n+module)/(n+1)
				c.count++
				merged = true
				break
			}
		}
		if !merged {
			cs = append(cs, cand{cx2, cy, module, 1})
		}
	})
	out := make([]*detector.FinderPattern, len(cs))
	for i, c := range cs {
		out[i] = detector.NewFinderPattern(c.x, c.y, c.module, c.count)
	}
	return out
}

// crossRun reads the dark-light-dark-light-dark runs through (x, y) along
// a column (or a row when horizontal), the pixel at (x, y) in the middle
// dark run, and reports the centre of that run on the axis read, the five
// runs' total, and whether they are in the 1:1:3:1:1 proportions.
func crossRun(m *gozxing.BitMatrix, x, y int, horizontal bool) (float64, int, bool) {
	n, at := m.GetHeight(), y
	get := func(i int) bool { return m.Get(x, i) }
	if horizontal {
		n, at = m.GetWidth(), x
		get = func(i int) bool { return m.Get(i, y) }
	}
	if !get(at) {
		return 0, 0, false
	}
	var c [5]int
	// Backwards: the centre run, a light run, a dark run.
	i := at
	for ; i >= 0 && get(i); i-- {
		c[2]++
	}
	for ; i >= 0 && !get(i); i-- {
		c[1]++
	}
	for ; i >= 0 && get(i); i-- {
		c[0]++
	}
	// Forwards.
	j := at + 1
	for ; j < n && get(j); j++ {
		c[2]++
	}
	for ; j < n && !get(j); j++ {
		c[3]++
	}
	for ; j < n && get(j); j++ {
		c[4]++
	}
	if i < 0 || j >= n { // a pattern touching the edge is kept by ZXing's too; not here
		return 0, 0, false
	}
	if !detector.FinderPatternFinder_foundPatternCross(c[:]) {
		return 0, 0, false
	}
	total := c[0] + c[1] + c[2] + c[3] + c[4]
	start := i + 1 + c[0] + c[1] // first pixel of the centre run
	return float64(start) + float64(c[2])/2, total, true
}
