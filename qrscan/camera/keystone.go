package camera

import (
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
// ones), go through the resample rescue's fit, every stage.
func (a *attempt) keystone() (*gozxing.Result, error) {
	w, h := a.lum.Width, a.lum.Height
	bm, err := a.meanBitmap().GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	cands := append(finderCandidates(bm, 2), relaxedCandidates(bm, 2)...)
	triples := triplesIn(cands, maxKeystoneTriples, nil, func(p, q, r *detector.FinderPattern) (float64, bool) {
		return tripleScoreWithin(p, q, r, keystoneMinRatio, maxKeystoneRatio)
	})
	err = gozxing.NewNotFoundException("no triple of unequal finder patterns")
	fs := make([]*fitter, len(triples))
	for i, t := range triples {
		fs[i] = a.newFitter(t, a.mean(), w, h, true)
	}
	for k := 1; k <= fitStages; k++ {
		for _, f := range fs {
			res, ferr := f.stage(k)
			if ferr == nil {
				return res, nil
			}
			if ferr != errStageSkipped {
				err = ferr
			}
		}
	}
	return nil, err
}
