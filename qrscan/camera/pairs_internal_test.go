package camera

import (
	"math"
	"testing"

	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// TestThirdCentres: the six guesses of the third centre of a pair hold
// the true one, whichever two of a code's three patterns the pair is and
// in either order.
func TestThirdCentres(t *testing.T) {
	tl := detector.NewFinderPattern(100, 100, 4, 2)
	tr := detector.NewFinderPattern(300, 110, 4, 2)
	bl := detector.NewFinderPattern(90, 300, 4, 2)
	for _, tt := range []struct {
		name        string
		p, q, third *detector.FinderPattern
	}{
		{"top side", tl, tr, bl}, {"top side reversed", tr, tl, bl},
		{"left side", tl, bl, tr}, {"left side reversed", bl, tl, tr},
		{"diagonal", tr, bl, tl}, {"diagonal reversed", bl, tr, tl},
	} {
		best := math.Inf(1)
		for _, c := range thirdCentres(tt.p, tt.q) {
			best = min(best, math.Hypot(c[0]-tt.third.GetX(), c[1]-tt.third.GetY()))
		}
		if best > 10 { // the 200-pixel sides differ by a few degrees
			t.Errorf("%s: nearest guess %.1f px from the third centre", tt.name, best)
		}
	}
}
