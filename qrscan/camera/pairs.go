package camera

import (
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// pairs reads a code of which the binarization m (w×h, plane its grey
// pixels) shows two finder patterns only: with 2-pixel modules (doubled by
// StrategyUp2), blur closes the light ring of one pattern and no cross-check
// confirms it, while the two others are confirmed on many rows. The third
// centre is where the two known ones put it: at a right angle, the same
// distance away, beside either of them when they share a side, or across
// when they are the diagonal. Each guess whose centre is dark in m is
// fitted by the resample rescue (every stage; the refinement moves the
// guessed centre by up to a module).
func (a *attempt) pairs(m *gozxing.BitMatrix, plane []byte, w, h int) (*gozxing.Result, error) {
	if a.stopped() {
		return nil, errStopped
	}
	var conf []*detector.FinderPattern
	for _, c := range finderCandidates(m, 2) {
		if c.GetCount() >= 2 {
			conf = append(conf, c)
		}
	}
	if len(conf) != 2 {
		// None, one: nothing to complete; three and more: their triples
		// were fitted before, and each pair's six guesses would cost up to
		// 100 ms of wide fits on a frame that does not read (a blurred one).
		return nil, gozxing.NewNotFoundException("not two finder patterns")
	}
	var fs []*fitter
	for i := range conf {
		for j := i + 1; j < len(conf); j++ {
			p, q := conf[i], conf[j]
			mp, mq := p.GetEstimatedModuleSize(), q.GetEstimatedModuleSize()
			module := (mp + mq) / 2
			if max(mp, mq) > 1.6*min(mp, mq) || math.Sqrt(squaredDistance(p, q)) < 14*module {
				continue
			}
			for _, c := range thirdCentres(p, q) {
				x, y := int(c[0]), int(c[1])
				if x < 0 || y < 0 || x >= w || y >= h || !m.Get(x, y) {
					continue
				}
				r := detector.NewFinderPattern(c[0], c[1], module, 1)
				bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(p, q, r)
				info := detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern))
				fs = append(fs, a.newFitter(info, plane, w, h, true))
			}
		}
	}
	var err error = gozxing.NewNotFoundException("no pair of finder patterns")
	return a.fitAll(fs, err)
}

// thirdCentres returns the six places of the third finder centre of a code
// two of whose centres are p and q: p and q on one side (the third beside
// p or beside q, on either side of the line), or on the diagonal (the
// third at the other corner of the square, either way).
func thirdCentres(p, q *detector.FinderPattern) [6][2]float64 {
	px, py, qx, qy := p.GetX(), p.GetY(), q.GetX(), q.GetY()
	dx, dy := qx-px, qy-py
	mx, my := (px+qx)/2, (py+qy)/2
	return [6][2]float64{
		{px - dy, py + dx}, {px + dy, py - dx},
		{qx - dy, qy + dx}, {qx + dy, qy - dx},
		{mx - dy/2, my + dx/2}, {mx + dy/2, my - dx/2},
	}
}
