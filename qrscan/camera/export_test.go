package camera

import (
	"image"

	"github.com/makiuchi-d/gozxing"
)

// Scratch exposes the per-frame buffers to the external tests.
type Scratch = scratch

// HybridMatrix binarizes f with the package's hybrid binarizer, reusing sc's
// buffers (sc is reset first: the previous result is overwritten).
func HybridMatrix(f Frame, sc *Scratch) (*gozxing.BitMatrix, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	sc.reset()
	return hybridOf(newLuminance(f), sc).GetBlackMatrix()
}

// FoundCross is foundCross, for TestFoundCross.
var FoundCross = foundCross

// FindPatterns is findPatterns, for TestFindPatternsMatches.
var FindPatterns = findPatterns

// FinderRuns is finderRuns, for TestFinderRunsMatches.
var FinderRuns = finderRuns

// RowRuns is rowRuns, for TestRowRuns.
var RowRuns = rowRuns

// SmoothFirst is smoothFirst, for TestSmoothFirst.
var SmoothFirst = smoothFirst

// HalfGuess runs StrategyHalf on f and, when it found two finder patterns
// of a code in the halved frame but not a third, returns the region it
// guessed (pairRegion) and what StrategyResampleMean3's first stages read
// in that region alone (readGuess). ok is false when StrategyHalf read the
// code, located all three patterns, or found no pair.
func HalfGuess(f Frame) (r image.Rectangle, text string, ok bool, err error) {
	a := newAttempt(f, new(scratch))
	if _, herr := a.try(StrategyHalf); herr == nil || !a.halfMissed || a.guess.dx() == 0 {
		return image.Rectangle{}, "", false, nil
	}
	g := a.guess
	r = image.Rect(g.x0, g.y0, g.x1, g.y1)
	res, err := a.readGuess(g)
	if err != nil {
		return r, "", true, err
	}
	return r, res.GetText(), true, nil
}

// HasThreadCPU reports whether the budget is read on the decoding thread's
// CPU clock here (not on wall time).
func HasThreadCPU() bool { _, ok := threadCPU(); return ok }

// MoveTo is moveTo, for TestMoveTo.
var MoveTo = moveTo
