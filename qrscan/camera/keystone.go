package camera

import (
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// Module-size ratios of StrategyKeystone's triples: above what the
// locator's triples accept (tripleScore), up to maxKeystoneRatio.
const (
	keystoneMinRatio = 1.6
	maxKeystoneRatio = 3
)

// maxKeystoneTriples bounds the triples StrategyKeystone fits.
const maxKeystoneTriples = 4

// keystone is StrategyKeystone. A strong keystone (a phone tilted 30° and
// more before a wide-angle lens) foreshortens the far finder pattern along
// one direction, and a pattern's module size is estimated from its
// horizontal runs: the three estimates then differ by 2 to 2.5 times while
// the three centres are right, and every triple of the locator and of the
// resample rescue (at most 1.6 times) leaves the code out. Here the
// triples whose sizes differ by more than that, up to 3 times, among the
// patterns of the smoothed frame (gozxing's cross-checks and the relaxed
// ones), go through the resample rescue's fit, every stage with the wide
// search of the fourth corner; then the ordinary triples of the full scan
// do, with that wide search too (the resample rescue gives it to gozxing's
// first triple and the relaxed ones only).
func (a *attempt) keystone() (*gozxing.Result, error) {
	w, h := a.lum.Width, a.lum.Height
	bm, err := a.meanBitmap().GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	// The unequal triples first, among the patterns of both searches (the
	// relaxed one's module size, the mean of both directions', is the
	// better one under perspective); then the triples of gozxing's
	// patterns again, with the wide search of the fourth corner, which
	// the resample rescue gives to gozxing's first triple alone.
	if a.stopped() {
		return nil, errStopped
	}
	strict := finderCandidates(bm, 2)
	if a.stopped() {
		return nil, errStopped
	}
	triples := triplesIn(append(slices.Clip(strict), relaxedCandidates(bm, 2)...), maxKeystoneTriples, nil, keystoneScore)
	triples = append(triples, triplesOf(strict, maxKeystoneTriples, nil)...)
	err = gozxing.NewNotFoundException("no triple of unequal finder patterns")
	fs := make([]*fitter, len(triples))
	for i, t := range triples {
		fs[i] = a.newFitter(t, a.mean(), w, h, true)
	}
	return a.fitDeep(fs, err)
}

// keystoneScore rates the triples of unequal finder patterns StrategyKeystone
// fits: module sizes that differ by keystoneMinRatio to maxKeystoneRatio.
func keystoneScore(p, q, r *detector.FinderPattern) (float64, bool) {
	return tripleScoreWithin(p, q, r, keystoneMinRatio, maxKeystoneRatio)
}

// moveTo returns strategies with s moved to index at, when it comes
// later, in buf (which must not share strategies' array): see
// attempt.halfKeystone and attempt.washedOut.
func moveTo(strategies []Strategy, s Strategy, at int, buf []Strategy) []Strategy {
	j := slices.Index(strategies, s)
	if j <= at {
		return strategies
	}
	out := append(buf[:0], strategies[:at]...)
	out = append(out, s)
	out = append(out, strategies[at:j]...)
	return append(out, strategies[j+1:]...)
}

// fitDeep is fitAll with the wide search of a triple's fourth corner
// (stage 3) right after the same triple's stage 2: the first stage on
// every triple, then stages 2 and 3 triple by triple. Under a strong
// keystone the first triple, the best-ranked, is almost always the code's,
// and its fourth corner lies beyond stage 2's ±4 modules: fitAll made
// every other triple's stage 2 (8 to 12 ms each on 1280×720) before the
// wide search that reads it. The same fits are made, in another order.
func (a *attempt) fitDeep(fs []*fitter, err error) (*gozxing.Result, error) {
	if res, ok := fitStage(fs, 1, &err, a.stopped); ok {
		return res, nil
	}
	for i := range fs {
		for k := 2; k <= fitStages; k++ {
			if res, ok := fitStage(fs[i:i+1], k, &err, a.stopped); ok {
				return res, nil
			}
		}
		if a.stopped() {
			break
		}
	}
	return nil, err
}
