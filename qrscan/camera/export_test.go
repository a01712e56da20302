package camera

import "github.com/makiuchi-d/gozxing"

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
