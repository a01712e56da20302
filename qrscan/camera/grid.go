package camera

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// The resample rescue. gozxing finds the three finder patterns well on
// degraded frames, but then builds its sampling transform on one alignment
// pattern (or, when it misses it, on a parallelogram guess) and samples one
// binarized pixel per module. Under perspective, with 4-pixel modules, blur
// and JPEG noise, that grid drifts off the modules and error correction
// fails. resample keeps the finder patterns and fits the rest of the grid to
// the code's known structure instead: for each plausible dimension and each
// candidate position of the fourth (bottom-right) corner, it samples the
// timing and alignment patterns, whose colours are known in advance, and
// keeps the transform that matches them best. Modules are then read from the
// 3×3-smoothed grey image (bilinear, at the module centre) against a
// threshold local to the code.

// check is a function-pattern module of known colour.
type check struct {
	x, y float64 // module centre, in module units
	dark bool
}

// structure returns the timing and alignment modules of a dim×dim code,
// built once per version and shared read-only (the resample rescue asks for
// it thousands of times per frame).
func structure(dim int) []check {
	n := (dim - 17) / 4
	if n < 1 || n > 40 {
		return nil
	}
	s := &structures[n]
	s.once.Do(func() { s.cs = buildStructure(dim) })
	return s.cs
}

var structures [41]struct {
	once sync.Once
	cs   []check
}

// buildStructure is structure, computed.
func buildStructure(dim int) []check {
	v, err := decoder.Version_GetVersionForNumber((dim - 17) / 4)
	if err != nil {
		return nil
	}
	var cs []check
	for i := 8; i < dim-8; i++ {
		cs = append(cs, check{float64(i) + 0.5, 6.5, i%2 == 0}, check{6.5, float64(i) + 0.5, i%2 == 0})
	}
	centers := v.GetAlignmentPatternCenters()
	n := len(centers)
	for i, cy := range centers {
		for j, cx := range centers {
			if (i == 0 && (j == 0 || j == n-1)) || (i == n-1 && j == 0) {
				continue // under a finder pattern
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					ring1 := max(abs(dx), abs(dy)) == 1
					cs = append(cs, check{float64(cx+dx) + 0.5, float64(cy+dy) + 0.5, !ring1})
				}
			}
		}
	}
	return cs
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fit is a candidate sampling grid: the image positions of the module
// points (3.5, 3.5), (dim-3.5, 3.5), (dim-3.5, dim-3.5) and (3.5, dim-3.5),
// i.e. the three finder centres and the virtual fourth one.
type fit struct {
	dim   int
	pts   [4][2]float64 // top-left, top-right, bottom-right, bottom-left
	score float64
}

func (a *attempt) resample(smooth bool) (*gozxing.Result, error) {
	w, h := a.lum.Width, a.lum.Height
	var region func(stages int) (*gozxing.Result, error)
	if smooth && a.region.dx() > 0 {
		// StrategyHalf found the finder patterns: smooth, binarize and
		// search their region, at first with the cheapest stage of the
		// fit only (the region is wrong when the patterns found at half
		// size were), then the whole frame, then the region's other
		// stages.
		r := a.region
		rw, rh := r.dx(), r.dy()
		sm := mean3Into(a.sc.plane(rw*rh), cropInto(a.sc.plane(rw*rh), a.luma(), w, r), rw, rh)
		l := newLuminance(Frame{Format: Gray, Width: rw, Height: rh, Data: sm})
		if bm, err := newHybrid(l, sm, rw, rw, rh, a.sc).GetBlackMatrix(); err == nil {
			region = func(stages int) (*gozxing.Result, error) {
				res, err := a.resampleOn(bm, sm, rw, rh, true, 1, stages)
				if err != nil {
					return nil, err
				}
				pts := res.GetResultPoints()
				for i, q := range pts {
					pts[i] = gozxing.NewResultPoint(q.GetX()+float64(r.x0), q.GetY()+float64(r.y0))
				}
				return res, nil
			}
			if res, err := region(1); err == nil {
				return res, nil
			}
		}
	}
	if smooth && !a.mean3Early && a.guess.dx() > 0 {
		if res, err := a.readGuess(a.guess); err == nil {
			return res, nil
		}
	}
	if !smooth {
		// StrategyResample: the patterns of the frame's own binarization.
		// StrategyResampleMean3 may have run their first stage already.
		bm, err := a.hybrid().GetBlackMatrix()
		if err != nil {
			return nil, err
		}
		from := 1
		if a.plainFirstStage {
			from = 2
		}
		return a.resampleOn(bm, a.mean(), w, h, false, from, fitStages)
	}
	bm, err := a.meanBitmap().GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	var res *gozxing.Result
	if !a.mean3Early {
		res, err = a.resampleOn(bm, a.mean(), w, h, true, 1, 1)
		if err == nil {
			return res, nil
		}
		// Before the costlier stages on the smoothed binarization, the
		// first stage on the frame's own (StrategyResample's: it reads
		// frames whose patterns the smoothing merges, StrategyResample
		// runs the rest).
		if pm, perr := a.hybrid().GetBlackMatrix(); perr == nil && !a.plainFirstStage {
			a.plainFirstStage = true
			if res, perr := a.resampleOn(pm, a.mean(), w, h, false, 1, 1); perr == nil {
				return res, nil
			}
		}
		if a.mean3Split {
			// Moved ahead of StrategyPure and StrategyHybrid (smoothFirst):
			// the wide searches wait for this strategy's own place.
			a.mean3Early = true
			return nil, err
		}
	}
	res, err = a.resampleOn(bm, a.mean(), w, h, true, 2, fitStages)
	if err != nil && region != nil {
		if rres, rerr := region(fitStages); rerr == nil {
			return rres, nil
		}
	}
	return res, err
}

// readGuess runs StrategyResampleMean3's first stages (the first fitting
// stage on the smoothed binarization, then on the plain one) on region r
// of the frame alone, before the whole frame pays its smoothing and its
// binarizations (attempt.guess). A panic in gozxing on the cropped region
// is this read's miss, not the strategy's: the whole-frame stages after it
// still run.
func (a *attempt) readGuess(r rect) (res *gozxing.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("camera: region %v: %v", r, p)
		}
	}()
	w := a.lum.Width
	rw, rh := r.dx(), r.dy()
	sm := mean3Into(a.sc.plane(rw*rh), cropInto(a.sc.plane(rw*rh), a.luma(), w, r), rw, rh)
	l := newLuminance(Frame{Format: Gray, Width: rw, Height: rh, Data: sm})
	bm, err := newHybrid(l, sm, rw, rw, rh, a.sc).GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	res, err = a.resampleOn(bm, sm, rw, rh, true, 1, 1)
	if err != nil {
		c, cerr := a.lum.Crop(r.x0, r.y0, rw, rh)
		if cerr != nil {
			return nil, cerr
		}
		pm, perr := hybridOf(c, a.sc).GetBlackMatrix()
		if perr != nil {
			return nil, perr
		}
		if res, err = a.resampleOn(pm, sm, rw, rh, false, 1, 1); err != nil {
			return nil, err
		}
	}
	pts := res.GetResultPoints()
	for i, q := range pts {
		pts[i] = gozxing.NewResultPoint(q.GetX()+float64(r.x0), q.GetY()+float64(r.y0))
	}
	return res, nil
}

// fitStage runs stage k on the fitters fs in turn until one reads: its
// result and true; otherwise *err holds the last failure other than a
// skipped stage. A non-nil stop is asked before each fit, and ends the
// stage when it reports true.
func fitStage(fs []*fitter, k int, err *error, stop func() bool) (*gozxing.Result, bool) {
	for _, f := range fs {
		if stop != nil && stop() {
			return nil, false
		}
		res, ferr := f.stage(k)
		if ferr == nil {
			return res, true
		}
		if ferr != errStageSkipped {
			*err = ferr
		}
	}
	return nil, false
}

// fitAll runs every stage on the fitters fs, a stage on all before the
// next (see resampleOn), until one reads, stopping when the frame's budget
// is spent or its context done (attempt.stopped); err is returned when
// none reads and no fit failed otherwise than by skipping.
func (a *attempt) fitAll(fs []*fitter, err error) (*gozxing.Result, error) {
	for k := 1; k <= fitStages; k++ {
		if res, ok := fitStage(fs, k, &err, a.stopped); ok {
			return res, nil
		}
		if a.stopped() {
			break
		}
	}
	return nil, err
}

// resampleOn finds the finder patterns in bm and reads the code from plane
// (the same w×h image, smoothed): at gozxing's three patterns (found by
// findPatterns), at the best other triples of a full scan (locate), which
// also accepts the unequal module sizes of a strong perspective, and,
// with relaxed, at the triples of relaxedCandidates (StrategyResampleMean3
// only: it reads the perspective frames, and the extra scan costs the
// rescues after it on frames none reads).
//
// Each triple is fitted in three stages of growing cost (fitter): the
// best-ranked dimension alone, then every dimension, then (for gozxing's
// triple and the relaxed ones, with relaxed) the ±14-module search of the
// fourth corner. A stage runs on every triple before the next stage runs
// on any: a wrong first triple (a data run taken for a finder pattern)
// used to cost its whole wide search before the right triple was tried.
// Every attempt made before is still made, in another order. Stages from
// to stages run (1 and fitStages for all).
func (a *attempt) resampleOn(bm *gozxing.BitMatrix, plane []byte, w, h int, relaxed bool, from, stages int) (*gozxing.Result, error) {
	if a.stopped() {
		return nil, errStopped
	}
	first, err := findPatterns(bm, true)
	var fs []*fitter
	// stage runs stage k on the fitters from index from on.
	stage := func(k, from int) (*gozxing.Result, bool) {
		return fitStage(fs[from:], k, &err, a.stopped)
	}
	if err == nil {
		fs = append(fs, a.newFitter(first, plane, w, h, relaxed))
		if from == 1 {
			if res, ok := stage(1, 0); ok {
				return res, nil // without the full scan for other triples
			}
		}
	}
	if a.stopped() {
		return nil, errStopped
	}
	n := len(fs)
	for _, t := range triplesOf(a.candidates(bm, 2), 2, first) {
		fs = append(fs, a.newFitter(t, plane, w, h, false))
	}
	if from == 1 {
		if res, ok := stage(1, n); ok {
			return res, nil
		}
	}
	if relaxed && !a.stopped() {
		// Patterns that a strong perspective has squeezed beyond
		// gozxing's cross-checks.
		n = len(fs)
		for _, t := range triplesOf(relaxedCandidates(bm, 2), 2, first) {
			fs = append(fs, a.newFitter(t, plane, w, h, true))
		}
		if from == 1 {
			if res, ok := stage(1, n); ok {
				return res, nil
			}
		}
	}
	for k := max(from, 2); k <= stages && !a.stopped(); k++ {
		if res, ok := stage(k, 0); ok {
			return res, nil
		}
	}
	if err == nil {
		err = gozxing.NewNotFoundException("no finder-pattern triple")
	}
	return nil, err
}

// fitStages is the number of a fitter's stages.
const fitStages = 3

// errStageSkipped: a fitter stage with nothing to do.
var errStageSkipped = errors.New("stage skipped")

// fitter fits the grid of the code whose finder patterns are one triple,
// and reads it, in stages (see resampleOn):
//
//  1. the dimensions near the patterns' distance ranked by their grid
//     score at the guessed fourth corners (the parallelogram's and the
//     perspective one), the best one's fourth corner searched within ±4
//     modules coarse to fine, and its grid read as found (the right
//     dimension scores far above the others: blur fattens the patterns,
//     so est is often 10 modules short; and every grid of the hard frames
//     that decoded did so unrefined);
//  2. every dimension's fourth corner searched within ±4 modules, every
//     module (the best dimension's read as found when that moves it), the
//     two best read refined (refined);
//  3. with wide, the ±14-module search of the fourth corner for the three
//     best dimensions, read refined (strong keystones, about 3 ms per
//     triple that fails).
type fitter struct {
	a          *attempt
	g          grid
	tl, tr, bl *detector.FinderPattern
	module     float64
	base       fit
	dims       []int
	wide       bool
	err        error // of newFitter: every stage fails with it
	early      int   // stage 1's dimension
	first      fit   // its fit
	cands      []fit // stage 2's fits, best first
}

func (a *attempt) newFitter(info *detector.FinderPatternInfo, plane []byte, w, h int, wide bool) *fitter {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	f := &fitter{a: a, g: grid{plane: plane, w: w, h: h}, tl: tl, tr: tr, bl: bl, wide: wide}
	f.module = (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	if f.module < 1 {
		f.err = gozxing.NewNotFoundException("module size %v", f.module)
		return f
	}
	// Blur fattens the finder patterns, so the module size is over- rather
	// than under-estimated and the true dimension is more often above est.
	est := (gozxing.ResultPoint_Distance(tl, tr)+gozxing.ResultPoint_Distance(tl, bl))/(2*f.module) + 7
	f.base = fit{pts: [4][2]float64{
		{tl.GetX(), tl.GetY()}, {tr.GetX(), tr.GetY()},
		{tr.GetX() - tl.GetX() + bl.GetX(), tr.GetY() - tl.GetY() + bl.GetY()},
		{bl.GetX(), bl.GetY()},
	}}
	for dim := 21; dim <= 177; dim += 4 {
		if float64(dim) < est-6 || float64(dim) > est*1.3+6 {
			continue
		}
		f.dims = append(f.dims, dim)
	}
	if len(f.dims) == 0 {
		f.err = gozxing.NewNotFoundException("no dimension near %.1f", est)
	}
	return f
}

// stage runs stage k (1 to 3); errStageSkipped when it has nothing to do.
func (f *fitter) stage(k int) (*gozxing.Result, error) {
	if f.err != nil {
		if k == 1 {
			return nil, f.err
		}
		return nil, errStageSkipped
	}
	module := f.module
	var lastErr error = errStageSkipped
	try := func(c fit) (*gozxing.Result, bool) {
		res, err := f.refined(c)
		if err != nil {
			lastErr = err
			return nil, false
		}
		return res, true
	}
	switch k {
	case 1:
		early, earlyScore := 0, math.Inf(-1)
		for _, dim := range f.dims {
			if f.a.stopped() {
				return nil, lastErr
			}
			if c := f.search(dim, 0); c.score > earlyScore {
				early, earlyScore = dim, c.score
			}
		}
		f.early = early
		// Its fourth corner within ±4 modules, coarse to fine: every
		// second module, then ±1 module around the best (34 grid scores
		// instead of 81; stage 2 makes the whole search).
		if f.a.stopped() {
			return nil, lastErr
		}
		f.first = f.searchCoarse(early, 4*module)
		// The fit as found (it reads almost every code that reads): the
		// refinement waits for stage 2, a wrong triple costing it in
		// vain.
		res, err := f.decode(f.first)
		if err == nil {
			return res, nil
		}
		lastErr = err
	case 2:
		f.cands = make([]fit, 0, len(f.dims))
		for _, dim := range f.dims {
			if f.a.stopped() {
				return nil, lastErr
			}
			c := f.search(dim, 4*module)
			if dim == f.early && c.pts != f.first.pts {
				// The whole search found another corner than stage 1's
				// coarse one: read it as found, as stage 1 read its own.
				res, err := f.decode(c)
				if err == nil {
					return res, nil
				}
				lastErr = err
			}
			f.cands = append(f.cands, c)
		}
		sort.Slice(f.cands, func(i, j int) bool { return f.cands[i].score > f.cands[j].score })
		for _, c := range f.cands[:min(2, len(f.cands))] {
			if f.a.stopped() {
				return nil, lastErr
			}
			if c.dim == f.early {
				// Stage 1 read it unrefined.
				if res, err := f.refined(c); err == nil {
					return res, nil
				} else {
					lastErr = err
				}
				continue
			}
			if res, ok := try(c); ok {
				return res, nil
			}
		}
	case 3:
		// A strong keystone puts the fourth corner beyond ±4 modules of
		// both guesses: search ±14 modules coarsely around the better of
		// the two, for the best dimensions, then finely around the best
		// corner.
		if !f.wide {
			break
		}
		for _, c := range f.cands[:min(3, len(f.cands))] {
			if f.a.stopped() {
				return nil, lastErr
			}
			cs := structure(c.dim)
			c = f.g.searchAnchor(cs, c, 14*module, 2*module)
			c = f.g.searchAnchor(cs, c, 2*module, module/2)
			if res, ok := try(c); ok {
				return res, nil
			}
		}
	}
	return nil, lastErr
}

// search fits dimension dim: the fourth corner searched within ±radius of
// the parallelogram's corner and, under a strong perspective, of the
// corner the patterns' module sizes predict (perspectiveCorner), when the
// two searches would not overlap much.
func (f *fitter) search(dim int, radius float64) fit {
	c := f.base
	c.dim = dim
	c.score = math.Inf(-1)
	cs := structure(dim)
	best := f.g.searchAnchor(cs, c, radius, f.module)
	if p, ok := perspectiveCorner(f.tl, f.tr, f.bl, float64(dim-7)); ok && math.Hypot(p[0]-f.base.pts[2][0], p[1]-f.base.pts[2][1]) > 3*f.module {
		c.pts[2] = p
		if o := f.g.searchAnchor(cs, c, radius, f.module); o.score > best.score {
			best = o
		}
	}
	return best
}

// searchCoarse is search(dim, radius) coarse to fine: the fourth corner
// every second module within ±radius, then every module within ±1 module
// of the best.
func (f *fitter) searchCoarse(dim int, radius float64) fit {
	c := f.base
	c.dim = dim
	c.score = math.Inf(-1)
	cs := structure(dim)
	coarse := func(c fit) fit {
		c = f.g.searchAnchor(cs, c, radius, 2*f.module)
		return f.g.searchAnchor(cs, c, f.module, f.module)
	}
	best := coarse(c)
	if p, ok := perspectiveCorner(f.tl, f.tr, f.bl, float64(dim-7)); ok && math.Hypot(p[0]-f.base.pts[2][0], p[1]-f.base.pts[2][1]) > 3*f.module {
		c.pts[2] = p
		if o := coarse(c); o.score > best.score {
			best = o
		}
	}
	return best
}

// refined reads c's grid refined by coordinate ascent at half, quarter and
// eighth modules.
func (f *fitter) refined(c fit) (*gozxing.Result, error) {
	cs := structure(c.dim)
	for _, step := range []float64{f.module / 2, f.module / 4, f.module / 8} {
		c = f.g.refine(cs, c, step)
	}
	return f.decode(c)
}

// decode samples c's grid and decodes it.
func (f *fitter) decode(c fit) (*gozxing.Result, error) {
	dr, err := f.a.decoder().Decode(f.g.read(c, &f.a.gridBuf), nil)
	if err != nil {
		return nil, err
	}
	return qrResult(dr, []gozxing.ResultPoint{f.bl, f.tl, f.tr}), nil
}

// perspectiveCorner predicts the centre of the virtual fourth finder
// pattern from the three found ones and their module sizes, d modules
// apart. A plane seen in perspective maps module (u, v) to
// (P + u·E1 + v·E2) / (1 + a·u + b·v), and a module's size in the image
// goes as 1 / (1 + a·u + b·v): the module sizes at the top-right and
// bottom-left patterns against the top-left one give a·d and b·d, the
// three centres P, E1 and E2, and the fourth corner follows. It reports
// false when the sizes are unusable; with equal sizes it is the
// parallelogram's corner.
func perspectiveCorner(tl, tr, bl *detector.FinderPattern, d float64) ([2]float64, bool) {
	mtl, mtr, mbl := tl.GetEstimatedModuleSize(), tr.GetEstimatedModuleSize(), bl.GetEstimatedModuleSize()
	if !(mtl > 0 && mtr > 0 && mbl > 0) || d <= 0 {
		return [2]float64{}, false
	}
	ad := min(max(mtl/mtr-1, -0.6), 1.5)
	bd := min(max(mtl/mbl-1, -0.6), 1.5)
	den := 1 + ad + bd
	if den < 0.2 {
		return [2]float64{}, false
	}
	return [2]float64{
		(tr.GetX()*(1+ad) + bl.GetX()*(1+bd) - tl.GetX()) / den,
		(tr.GetY()*(1+ad) + bl.GetY()*(1+bd) - tl.GetY()) / den,
	}, true
}

// grid samples a smoothed plane through the transform of a fit.
type grid struct {
	plane []byte
	w, h  int
}

// transform maps module coordinates to the image through f's four points:
// a proper perspective transform of the four located points.
func (g *grid) transform(f fit) homography {
	d := float64(f.dim) - 3.5
	p := f.pts
	return quadToQuad(
		3.5, 3.5, d, 3.5, d, d, 3.5, d,
		p[0][0], p[0][1], p[1][0], p[1][1], p[2][0], p[2][1], p[3][0], p[3][1])
}

// score is the contrast between the modules cs expects light and those it
// expects dark, as seen through f's transform. It is the resample rescue's
// inner loop (hundreds of thousands of samples per hard frame): the
// transform and the bilinear sample are written out here, with the same
// arithmetic as homography.apply and bilinear, the clamping only for the
// samples at the plane's edge.
func (g *grid) score(cs []check, f fit) float64 {
	t := g.transform(f)
	var light, dark float64
	var nl, nd int
	p, w, h := g.plane, g.w, g.h
	xmax, ymax := float64(w-1), float64(h-1)
	for _, c := range cs {
		d := t.a13*c.x + t.a23*c.y + t.a33
		x := (t.a11*c.x+t.a21*c.y+t.a31)/d - 0.5
		y := (t.a12*c.x+t.a22*c.y+t.a32)/d - 0.5
		var v float64
		if x >= 0 && y >= 0 && x < xmax && y < ymax {
			x0, y0 := int(x), int(y)
			fx, fy := x-float64(x0), y-float64(y0)
			i := y0*w + x0
			top := float64(p[i])*(1-fx) + float64(p[i+1])*fx
			bot := float64(p[i+w])*(1-fx) + float64(p[i+w+1])*fx
			v = top*(1-fy) + bot*fy
		} else {
			v = bilinear(p, w, h, x+0.5, y+0.5)
		}
		if c.dark {
			dark += v
			nd++
		} else {
			light += v
			nl++
		}
	}
	if nl == 0 || nd == 0 {
		return 0
	}
	return light/float64(nl) - dark/float64(nd)
}

// searchAnchor tries fourth corners within ±radius of f's by step and
// returns the best fit.
func (g *grid) searchAnchor(cs []check, f fit, radius, step float64) fit {
	best := f
	best.score = math.Inf(-1)
	for dy := -radius; dy <= radius+1e-9; dy += step {
		for dx := -radius; dx <= radius+1e-9; dx += step {
			c := f
			c.pts[2][0] += dx
			c.pts[2][1] += dy
			c.score = g.score(cs, c)
			if c.score > best.score {
				best = c
			}
		}
	}
	return best
}

// refine moves each of f's four points by step in eight directions while
// that improves the score (coordinate ascent): finder centres found on a
// blurred, tilted code are off by a pixel or two.
func (g *grid) refine(cs []check, f fit, step float64) fit {
	dirs := [8][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, -1}, {1, -1}, {-1, 1}}
	f.score = g.score(cs, f)
	for iter := 0; iter < 4; iter++ {
		improved := false
		for p := range f.pts {
			for _, d := range dirs {
				c := f
				c.pts[p][0] += d[0] * step
				c.pts[p][1] += d[1] * step
				if c.score = g.score(cs, c); c.score > f.score {
					f, improved = c, true
				}
			}
		}
		if !improved {
			break
		}
	}
	return f
}

// read samples every module of f's grid and thresholds it into a new
// dim×dim matrix (the decoder unmasks it in place). buf holds the samples
// and their summed-area table between calls.
func (g *grid) read(f fit, buf *[]float64) *gozxing.BitMatrix {
	dim := f.dim
	t := g.transform(f)
	n := dim * dim
	if cap(*buf) < n+(dim+1)*(dim+1) {
		*buf = make([]float64, n+(dim+1)*(dim+1))
	}
	vals, sat := (*buf)[:n], (*buf)[n:n+(dim+1)*(dim+1)]
	for y := 0; y < dim; y++ {
		for x := 0; x < dim; x++ {
			px, py := t.apply(float64(x)+0.5, float64(y)+0.5)
			vals[y*dim+x] = bilinear(g.plane, g.w, g.h, px, py)
		}
	}
	m, _ := gozxing.NewSquareBitMatrix(dim) // dim ≥ 21
	threshold(vals, sat, dim, m)
	return m
}

// bilinear samples plane (w×h) at (x, y), pixel centres at half-integers,
// clamping at the edges.
func bilinear(p []byte, w, h int, x, y float64) float64 {
	x -= 0.5
	y -= 0.5
	if math.IsNaN(x) || math.IsNaN(y) {
		return 0
	}
	x = min(max(x, 0), float64(w-1))
	y = min(max(y, 0), float64(h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	top := float64(p[y0*w+x0])*(1-fx) + float64(p[y0*w+x1])*fx
	bot := float64(p[y1*w+x0])*(1-fx) + float64(p[y1*w+x1])*fx
	return top*(1-fy) + bot*fy
}

// threshold sets module (x, y) of m (dark) when it is darker than the mean
// of the modules within 4 of it: a QR code is about half dark everywhere,
// so that mean tracks glare and shading across the code. sat has
// (dim+1)² entries, for the summed-area table of vals.
func threshold(vals, sat []float64, dim int, m *gozxing.BitMatrix) {
	const r = 4
	clear(sat[:dim+1])
	for y := 0; y < dim; y++ {
		row := 0.0
		sat[(y+1)*(dim+1)] = 0
		for x := 0; x < dim; x++ {
			row += vals[y*dim+x]
			sat[(y+1)*(dim+1)+x+1] = sat[y*(dim+1)+x+1] + row
		}
	}
	for y := 0; y < dim; y++ {
		y0, y1 := max(y-r, 0), min(y+r+1, dim)
		for x := 0; x < dim; x++ {
			x0, x1 := max(x-r, 0), min(x+r+1, dim)
			sum := sat[y1*(dim+1)+x1] - sat[y0*(dim+1)+x1] - sat[y1*(dim+1)+x0] + sat[y0*(dim+1)+x0]
			mean := sum / float64((y1-y0)*(x1-x0))
			if vals[y*dim+x] < mean {
				m.Set(x, y)
			}
		}
	}
}
