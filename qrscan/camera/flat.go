package camera

import "github.com/makiuchi-d/gozxing"

// fillFlat gives each flat block (flat[i]: its range at most the
// binarizer's floor) the mean black point of the blocks of contrast within
// two blocks of it, when there are any. ZXing's hybrid binarizer takes a
// flat block for background, half its minimum, unless its upper and left
// neighbours say otherwise: beside the code's top and left edges (the
// quiet zone, a lit margin), those black points drag the 5×5 mean down,
// and a finder pattern whose dark modules are only a little darker than
// the light ones (low contrast, a glare spot) loses its outer ring. With
// the code's own black point, the quiet zone stays light (it is lighter
// than the code's mean) and the ring stays dark.
func fillFlat(pts []uint8, flat []bool, subW, subH int) {
	for by := 0; by < subH; by++ {
		for bx := 0; bx < subW; bx++ {
			if !flat[by*subW+bx] {
				continue
			}
			sum, n := 0, 0
			for y := max(by-2, 0); y <= min(by+2, subH-1); y++ {
				for x := max(bx-2, 0); x <= min(bx+2, subW-1); x++ {
					if i := y*subW + x; !flat[i] {
						sum += int(pts[i])
						n++
					}
				}
			}
			if n > 0 {
				pts[by*subW+bx] = uint8(sum / n)
			}
		}
	}
}

// fill is StrategyFill: the frame binarized with its flat blocks filled
// (fillFlat), searched by the locator; when the patterns are found but the
// grid samples badly (the noise of a washed-out frame), the first stage of
// the resample rescue on the same binarization; when only two patterns
// are, the pair completed (pairs). (Its other stages read no
// frame more of the generated families and cost up to 0.14 s of CPU on a
// frame without a code.)
func (a *attempt) fill() (*gozxing.Result, error) {
	b := hybridOf(a.lum, a.sc)
	b.fill = true
	m, err := b.GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	if res, err := a.locate(m, hintsNone, 2); err == nil {
		return res, nil
	}
	w, h := a.lum.Width, a.lum.Height
	if res, err := a.resampleOn(m, a.mean(), w, h, false, 1, 1); err == nil {
		return res, nil
	}
	// Two patterns found, the third lost under the spot (glare 0.9): the
	// pair gives it.
	return a.pairs(m, a.mean(), w, h)
}
