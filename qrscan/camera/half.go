package camera

import (
	"math"
	"strconv"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// HalfMinWidth is the narrowest frame StrategyHalf reads.
const HalfMinWidth = 1280

// readHalf is StrategyHalf: the frame halved, binarized and searched for
// the three finder patterns, the code sampled there. When the patterns are
// found but the code cannot be read at half size (modules of 2 to 3
// pixels, blurred), the code's region alone is read at full size: a third
// of the frame or less to binarize and scan, instead of all of it.
func (a *attempt) readHalf() (*gozxing.Result, error) {
	w, h := a.lum.Width, a.lum.Height
	if w < HalfMinWidth {
		return nil, gozxing.NewNotFoundException("frame %d px wide, under %d", w, HalfMinWidth)
	}
	p, hw, hh := a.half()
	l := newLuminance(Frame{Format: Gray, Width: hw, Height: hh, Data: p})
	m, err := newHybrid(l, p, hw, hw, hh, a.sc).GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	info, cands, err := findPatternsOr(m, false)
	if err != nil {
		a.halfMissed = true
		a.guess, _ = pairRegion(cands, 2, w, h)
		a.halfNoCands = len(cands) == 0
		a.halfKeystone = len(triplesIn(cands, 1, nil, keystoneScore)) > 0 // sorts cands: their last use
		lo, hi := lumaRange(p)
		a.washedOut = hi-lo < washedOutSpread
		return nil, err
	}
	if res := a.decodeHalved(m, info); res != nil {
		return res, nil
	}
	r, ok := codeRegion(info, 2, w, h)
	if !ok {
		return nil, gozxing.NewNotFoundException("code region too small")
	}
	a.region = r // where StrategyResampleMean3 looks first
	c, err := a.lum.Crop(r.x0, r.y0, r.dx(), r.dy())
	if err != nil {
		return nil, err
	}
	m, err = hybridOf(c, a.sc).GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	return a.locateIn(m, r)
}

// washedOutSpread: a frame whose 1st to 99th percentiles of luma are
// closer than this (a quarter of the range) is washed out (see
// attempt.washedOut). On the benchmark's frames the low-contrast family
// spreads 28–59 grey levels, the hard frames 90–122, every other family
// 136 and more.
const washedOutSpread = 64

// readHalfInverted is StrategyHalfInverted: readHalf on the frame's
// negative (255 − luma), without what readHalf leaves for the strategies
// of ordinary polarity (halfMissed, guess, region): the halved frame
// inverted, binarized and searched for the three finder patterns, the code
// sampled there; when the patterns are found but the code cannot be read
// at half size, the negative of the code's region at full size.
func (a *attempt) readHalfInverted() (*gozxing.Result, error) {
	w, h := a.lum.Width, a.lum.Height
	if w < HalfMinWidth {
		return nil, gozxing.NewNotFoundException("frame %d px wide, under %d", w, HalfMinWidth)
	}
	p, hw, hh := a.half()
	_, m, err := a.negative(p, hw, hh)
	if err != nil {
		return nil, err
	}
	info, _, err := findPatternsOr(m, false)
	if err != nil {
		return nil, err
	}
	if res := a.decodeHalved(m, info); res != nil {
		return res, nil
	}
	if a.stopped() {
		return nil, errStopped
	}
	r, ok := codeRegion(info, 2, w, h)
	if !ok {
		return nil, gozxing.NewNotFoundException("code region too small")
	}
	rw, rh := r.dx(), r.dy()
	rp := a.sc.plane(rw * rh)
	row := a.sc.plane(w)
	for y := range rh {
		a.lum.row(r.y0+y, row)
		dst := rp[y*rw : (y+1)*rw]
		for x, v := range row[r.x0:r.x1] {
			dst[x] = 255 - v
		}
	}
	if m, err = a.binarize(rp, rw, rh); err != nil {
		return nil, err
	}
	return a.locateIn(m, r)
}

// negative returns the negative (255 − v) of the w×h plane p, in a
// scratch plane, and its hybrid binarization.
func (a *attempt) negative(p []byte, w, h int) ([]byte, *gozxing.BitMatrix, error) {
	neg := a.sc.plane(w * h)
	for i, v := range p[:w*h] {
		neg[i] = 255 - v
	}
	m, err := a.binarize(neg, w, h)
	return neg, m, err
}

// binarize returns the hybrid binarization of the compact w×h plane p.
func (a *attempt) binarize(p []byte, w, h int) (*gozxing.BitMatrix, error) {
	l := newLuminance(Frame{Format: Gray, Width: w, Height: h, Data: p})
	return newHybrid(l, p, w, w, h, a.sc).GetBlackMatrix()
}

// decodeHalved samples and decodes the code whose finder patterns info
// found on m, the halved frame's binarization, with its points in the
// frame; nil when it cannot.
func (a *attempt) decodeHalved(m *gozxing.BitMatrix, info *detector.FinderPatternInfo) *gozxing.Result {
	det, err := detector.NewDetector(m).ProcessFinderPatternInfo(info)
	if err != nil {
		return nil
	}
	dr, err := a.decoder().Decode(det.GetBits(), hintsNone)
	if err != nil {
		return nil
	}
	pts := det.GetPoints()
	for i, q := range pts {
		pts[i] = gozxing.NewResultPoint(2*q.GetX(), 2*q.GetY())
	}
	return qrResult(dr, pts)
}

// locateIn runs the locator on m, the binarization of the frame's region
// r, with the result's points moved into the frame.
func (a *attempt) locateIn(m *gozxing.BitMatrix, r rect) (*gozxing.Result, error) {
	res, err := a.locate(m, hintsNone, 2)
	if err != nil {
		return nil, err
	}
	pts := res.GetResultPoints()
	for i, q := range pts {
		pts[i] = gozxing.NewResultPoint(q.GetX()+float64(r.x0), q.GetY()+float64(r.y0))
	}
	return res, nil
}

// codeRegion returns the frame rectangle that holds the code whose finder
// patterns info found on an image scaled down by scale: the parallelogram of
// the three finder centres, grown by 10 modules on every side (3.5 to the
// code's edge, 4 of quiet zone, the rest for a tilt that moves the fourth
// corner), clamped to the w×h frame. It reports false when the rectangle
// is too small to binarize.
func codeRegion(info *detector.FinderPatternInfo, scale float64, w, h int) (rect, bool) {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	module := (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	brx, bry := tr.GetX()+bl.GetX()-tl.GetX(), tr.GetY()+bl.GetY()-tl.GetY()
	x0 := min(tl.GetX(), tr.GetX(), bl.GetX(), brx)
	x1 := max(tl.GetX(), tr.GetX(), bl.GetX(), brx)
	y0 := min(tl.GetY(), tr.GetY(), bl.GetY(), bry)
	y1 := max(tl.GetY(), tr.GetY(), bl.GetY(), bry)
	m := 10 * module
	r := rect{
		x0: clampInt((x0-m)*scale, w), y0: clampInt((y0-m)*scale, h),
		x1: clampInt(math.Ceil((x1+m)*scale), w), y1: clampInt(math.Ceil((y1+m)*scale), h),
	}
	return r, r.dx() >= minDimension && r.dy() >= minDimension
}

// pairRegion returns the frame rectangle that holds any code two of whose
// finder patterns are among cands (found on an image scaled down by
// scale). For the pair of similar module sizes seen on the most rows, p
// and q, the code's third pattern is at p±n or q±n (n: q−p turned a
// quarter, when they are adjacent corners) or between them (when they are
// opposite ones): the rectangle spans these six points, grown by a tenth
// of their distance (a tilt) and 10 modules (to the code's edge and its
// quiet zone), clamped to the w×h frame. It reports false without such a
// pair, or when the rectangle is more than half the frame: the whole frame
// is then searched as before.
func pairRegion(cands []*detector.FinderPattern, scale float64, w, h int) (rect, bool) {
	var p, q *detector.FinderPattern
	for i, c := range cands {
		for _, e := range cands[i+1:] {
			mc, me := c.GetEstimatedModuleSize(), e.GetEstimatedModuleSize()
			if !(mc > 0 && me > 0) || max(mc, me) > 1.4*min(mc, me) {
				continue
			}
			d := gozxing.ResultPoint_Distance(c, e) / ((mc + me) / 2)
			if d < 10 || d > 180 { // a version 1 code's centres are 14 modules apart, a version 40's 170
				continue
			}
			if p == nil || min(c.GetCount(), e.GetCount()) > min(p.GetCount(), q.GetCount()) {
				p, q = c, e
			}
		}
	}
	if p == nil {
		return rect{}, false
	}
	px, py, qx, qy := p.GetX(), p.GetY(), q.GetX(), q.GetY()
	nx, ny := py-qy, qx-px
	x0, x1 := min(px, qx)-math.Abs(nx), max(px, qx)+math.Abs(nx)
	y0, y1 := min(py, qy)-math.Abs(ny), max(py, qy)+math.Abs(ny)
	grow := 0.1*math.Hypot(nx, ny) + 10*(p.GetEstimatedModuleSize()+q.GetEstimatedModuleSize())/2
	r := rect{
		x0: clampInt((x0-grow)*scale, w), y0: clampInt((y0-grow)*scale, h),
		x1: clampInt(math.Ceil((x1+grow)*scale), w), y1: clampInt(math.Ceil((y1+grow)*scale), h),
	}
	if r.dx() < minDimension || r.dy() < minDimension || 2*r.dx()*r.dy() > w*h {
		return rect{}, false
	}
	return r, true
}

// clampInt converts v to an int in [0, n], NaN to 0.
func clampInt(v float64, n int) int {
	if !(v > 0) {
		return 0
	}
	if v >= float64(n) {
		return n
	}
	return int(v)
}

// qrResult builds the result gozxing's QRCodeReader returns for a decoded
// code (text, raw bytes, error correction level, symbology identifier),
// with the points of a mirrored code put back in order.
func qrResult(dr *common.DecoderResult, pts []gozxing.ResultPoint) *gozxing.Result {
	if md, ok := dr.GetOther().(*decoder.QRCodeDecoderMetaData); ok {
		md.ApplyMirroredCorrection(pts)
	}
	res := gozxing.NewResult(dr.GetText(), dr.GetRawBytes(), pts, gozxing.BarcodeFormat_QR_CODE)
	if ec := dr.GetECLevel(); ec != "" {
		res.PutMetadata(gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL, ec)
	}
	res.PutMetadata(gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER, "]Q"+strconv.Itoa(dr.GetSymbologyModifier()))
	return res
}
