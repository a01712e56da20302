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
	triples := triplesIn(append(slices.Clip(strict), relaxedCandidates(bm, 2)...), maxKeystoneTriples, nil, func(p, q, r *detector.FinderPattern) (float64, bool) {
		return tripleScoreWithin(p, q, r, keystoneMinRatio, maxKeystoneRatio)
	})
	triples = append(triples, triplesOf(strict, maxKeystoneTriples, nil)...)
	err = gozxing.NewNotFoundException("no triple of unequal finder patterns")
	fs := make([]*fitter, len(triples))
	for i, t := range triples {
		fs[i] = a.newFitter(t, a.mean(), w, h, true)
	}
	return a.fitAll(fs, err)
}
