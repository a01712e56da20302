package camera

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

	"github.com/apcvkit/apcvkit/qrscan"
)

// Strategy is one way of trying to read a QR code in a frame. Strategies
// differ in cost: the cheap ones read clean images, the rescues read
// degraded webcam frames.
type Strategy uint8

// Strategies, from the cheapest.
const (
	// StrategyPure reads a code that fills the image, axis-aligned, as in a
	// screenshot or a rendered PNG (gozxing's PURE_BARCODE), in either
	// polarity.
	StrategyPure Strategy = iota + 1
	// StrategyHybrid: gozxing's hybrid (local-threshold) binarizer and
	// finder-pattern detector.
	StrategyHybrid
	// StrategyTryHarder: the same binarized frame, every row scanned for
	// finder patterns.
	StrategyTryHarder
	// StrategyMean3: a 3×3 mean filter first (noise, JPEG ringing).
	StrategyMean3
	// StrategyDown2: the frame halved first (noise; large modules).
	StrategyDown2
	// StrategyStretch: the 1st..99th percentiles stretched to 0..255 first
	// (washed-out frames below the binarizer's minimum contrast).
	StrategyStretch
	// StrategyCrop: cropped to the region of dense local contrast, then
	// stretched (glare and clutter around the code).
	StrategyCrop
	// StrategyResample: gozxing's finder and alignment patterns on the
	// frame, then each module read from the 3×3-smoothed grey image with a
	// threshold local to the code, the perspective anchor nudged by half a
	// module when that fails.
	StrategyResample
	// StrategyResampleMean3: StrategyResample with patterns found on the
	// smoothed image.
	StrategyResampleMean3
	// StrategyGlobal: gozxing's global-histogram binarizer.
	StrategyGlobal
	// StrategyInverted: light modules on a dark ground (a phone in dark
	// mode, in a camera frame; StrategyPure reads a dark-mode code alone
	// in its image).
	StrategyInverted
	// StrategyHalf: the frame halved (2×2 mean), then StrategyHybrid: a
	// quarter of the pixels to binarize and scan. It reads the codes whose
	// modules are at least about 4 pixels wide in the frame, the usual
	// webcam case, and skips frames under HalfMinWidth.
	StrategyHalf
	// StrategyUp2: the region of dense contrast (StrategyCrop's) doubled
	// in both directions, then the locator: codes of about 2-pixel modules,
	// whose finder patterns do not binarize into clean 1:1:3:1:1 runs at
	// their own size. When only two patterns are confirmed there, the
	// third is guessed from them (pairs).
	StrategyUp2
	// StrategyFill: the hybrid binarization with each flat block beside
	// the code given the black point of the code's blocks instead of half
	// its minimum (fillFlat), then the locator:
	// finder patterns at the code's edge whose dark modules are only a
	// little darker than the light ones (low contrast, a glare spot) keep
	// their outer ring.
	StrategyFill
	// StrategyKeystone: the finder-pattern triples whose module sizes
	// differ by 1.6 to 3 times (a strong keystone foreshortens the far
	// pattern), then the ordinary ones, fitted by the resample rescue on
	// the smoothed frame with its wide search of the fourth corner.
	StrategyKeystone
	// StrategyHalfInverted: StrategyHalf on the frame's negative, for a
	// code of light modules on a dark ground (a phone in dark mode) at
	// StrategyHalf's cost. In DefaultStrategies it runs only when
	// StrategyHalf found no finder pattern triple in the halved frame (a
	// code of ordinary polarity has one), after StrategyResampleMean3's
	// first stages (and StrategyStretch or StrategyKeystone when they
	// move ahead: see DefaultStrategies); StrategyInverted, later, reads
	// the smaller and blurred ones.
	StrategyHalfInverted
	numStrategies = iota
)

var strategyNames = [...]string{
	StrategyPure: "pure", StrategyHybrid: "hybrid", StrategyTryHarder: "try-harder",
	StrategyMean3: "mean3", StrategyDown2: "down2", StrategyStretch: "stretch",
	StrategyCrop: "crop", StrategyResample: "resample", StrategyResampleMean3: "resample-mean3", StrategyGlobal: "global", StrategyInverted: "inverted", StrategyHalf: "half",
	StrategyUp2: "up2", StrategyFill: "fill",
	StrategyKeystone: "keystone", StrategyHalfInverted: "half-inverted",
}

// String returns the strategy's short name ("hybrid", "mean3", …).
func (s Strategy) String() string {
	if s > 0 && int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy(%d)", uint8(s))
}

// DefaultStrategies is the order Decode follows when DecodeOptions leaves
// Strategies nil: by cost/benefit as measured on the generated corpus (see
// the package documentation). In this order (not in one given in
// DecodeOptions), when StrategyHalf finds no finder pattern triple in the
// halved frame, StrategyResampleMean3's first stages also run right after
// it (its wide searches keep their place), and what the halved frame
// shows moves one strategy ahead: StrategyStretch to right after
// StrategyHalf when the frame is washed out (its luma's 1st and 99th
// percentiles under a quarter of the range apart); StrategyKeystone to
// right after StrategyResampleMean3's first stages when the halved frame's
// candidates hold a triple of module sizes 1.6 to 3 times apart (a strong
// keystone); StrategyUp2 to right after StrategyHybrid when it shows no
// candidate at all (modules of about 2 pixels). StrategyHalfInverted runs
// only then too.
var DefaultStrategies = []Strategy{
	StrategyHalf, StrategyHalfInverted, StrategyPure, StrategyHybrid, StrategyResampleMean3,
	StrategyTryHarder, StrategyResample, StrategyMean3,
	StrategyStretch, StrategyUp2, StrategyCrop, StrategyDown2, StrategyInverted,
	StrategyFill, StrategyKeystone,
}

// DefaultBudget is the CPU time Decode spends on one frame when
// DecodeOptions leaves Budget zero. All the default strategies together
// fit in it on a 1280×720 frame (about 13 ms of one core on a desk scene
// without a code, tens of ms on the generated frames no strategy reads), so
// it only cuts short a pathological frame; being CPU time, it is the same
// on an idle and on a loaded machine.
const DefaultBudget = 250 * time.Millisecond

// DecodeOptions tune Decode. The zero value is ready to use.
type DecodeOptions struct {
	// Budget bounds the CPU time spent on one frame. It is checked
	// between strategies and between the steps inside each (a pass over
	// the frame or a region of it: a binarization, a smoothing, a scan for
	// finder patterns; the sampling and decoding of one triple; the fit of
	// one dimension of one triple), so a frame costs at most the budget
	// plus the step running when it ran out: the longest is about 10 ms
	// of CPU on a 1280×720 frame and 15 ms on a 1920×1080 one (a 2-core
	// AMD EPYC server at rest), growing with the pixel count (20 to 110 ms
	// on 3840×2160, where one pass over the frame costs that much).
	// TestBudgetHolds checks budget + 50 ms on hostile frames up to
	// 1920×1080. It is read on the CPU clock of the thread
	// that decodes (Linux, macOS, FreeBSD: clock_gettime with
	// CLOCK_THREAD_CPUTIME_ID; Windows: GetThreadTimes, which counts
	// whole scheduler ticks of ~15.6 ms, so a budget there is kept to
	// within a tick), the decoding
	// goroutine being locked to its thread meanwhile, so that a loaded
	// machine does not cut the search short; elsewhere on wall time. Zero
	// means DefaultBudget; negative means no bound.
	Budget time.Duration
	// Clock replaces the budget's clock (a duration that grows with the
	// work done); nil means the thread's CPU time. For tests.
	Clock func() time.Duration
	// Strategies to try, in order; nil means DefaultStrategies (whose
	// order adapts to the frame: see there).
	Strategies []Strategy
	// Source names the camera in the returned Scan ("camera" when empty).
	Source string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Result is a decoded frame.
type Result struct {
	qrscan.Scan
	Strategy Strategy      // the strategy that read the code
	Tried    int           // strategies tried, the successful one included
	Elapsed  time.Duration // time spent on the frame (wall clock)
	// Spent is what the frame cost on the budget's clock: the decoding
	// thread's CPU time by default (see DecodeOptions.Budget).
	Spent time.Duration
}

// Decode reads the QR code in f with the default options and returns its
// text (any QR code: the caller checks credential.QRPrefix). It returns an
// error wrapping qrscan.ErrNoCode when no code could be read, ErrBadFrame
// for a frame that does not match its data, or ctx's error.
func Decode(ctx context.Context, f Frame) (qrscan.Scan, error) {
	r, err := DecodeWith(ctx, f, DecodeOptions{})
	return r.Scan, err
}

// DecodeWith reads the QR code in f, trying opts.Strategies in order until
// one succeeds, the budget is spent or ctx is done.
func DecodeWith(ctx context.Context, f Frame, opts DecodeOptions) (Result, error) {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	return decodeWith(ctx, f, opts, sc)
}

// decodeWith is DecodeWith with the buffers of sc.
func decodeWith(ctx context.Context, f Frame, opts DecodeOptions, sc *scratch) (Result, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	if err := f.Validate(); err != nil {
		return Result{}, err
	}
	budget := opts.Budget
	if budget == 0 {
		budget = DefaultBudget
	}
	strategies := opts.Strategies
	reorder := strategies == nil // see DefaultStrategies
	if strategies == nil {
		strategies = DefaultStrategies
	}
	clock, release := budgetClock(opts, now)
	defer release()
	spent0 := clock()
	sc.reset()
	a := newAttempt(f, sc)
	a.spent = func() bool { // checked inside the widest strategies too
		return ctx.Err() != nil || budget > 0 && clock()-spent0 >= budget
	}
	var lastErr error
	tried := 0
	// strategies, reordered (see halfMissed), and again (halfKeystone,
	// washedOut): each in its own array.
	var order, order2, order3 [numStrategies]Strategy
	for i := 0; i < len(strategies); i++ {
		s := strategies[i]
		if reorder && s == StrategyHalfInverted && !a.halfMissed {
			// StrategyHalf found finder patterns of ordinary polarity (or
			// did not run: a narrow frame): StrategyInverted, later, is
			// the one for a dark-mode code here.
			continue
		}
		if err := ctx.Err(); err != nil {
			return Result{Tried: tried, Elapsed: now().Sub(start), Spent: clock() - spent0}, fmt.Errorf("camera: decode: %w", err)
		}
		if budget > 0 && tried > 0 && clock()-spent0 >= budget {
			break
		}
		tried++
		res, err := a.try(s)
		if err != nil {
			if errors.Is(err, ErrBadFrame) {
				return Result{}, err
			}
			if reorder && s == StrategyHalf && a.halfMissed {
				n := len(strategies)
				strategies = smoothFirst(strategies, i, order[:0])
				a.mean3Split = len(strategies) > n
				at := i + 1
				if a.mean3Split {
					at++
				}
				if a.halfKeystone {
					strategies = moveTo(strategies, StrategyKeystone, at, order2[:0])
				} else if a.halfNoCands && !a.washedOut {
					if h := slices.Index(strategies, StrategyHybrid); h > i {
						strategies = moveTo(strategies, StrategyUp2, h+1, order2[:0])
					}
				}
				if a.washedOut { // ahead of StrategyResampleMean3's first stages
					strategies = moveTo(strategies, StrategyStretch, i+1, order3[:0])
				}
			}
			if lastErr == nil || !isNotFound(err) {
				lastErr = err // keep the most informative failure
			}
			continue
		}
		at := f.At
		if at.IsZero() {
			at = now()
		}
		src := opts.Source
		if src == "" {
			src = "camera"
		}
		sym, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string)
		return Result{
			Scan:     qrscan.Scan{Text: res.GetText(), Symbology: sym, Source: src, At: at},
			Strategy: s,
			Tried:    tried,
			Elapsed:  now().Sub(start),
			Spent:    clock() - spent0,
		}, nil
	}
	elapsed := now().Sub(start)
	if err := ctx.Err(); err != nil {
		// Cancelled while a strategy ran: it stopped between two of its
		// steps (errStopped), and the frame was not searched to the end.
		return Result{Tried: tried, Elapsed: elapsed, Spent: clock() - spent0}, fmt.Errorf("camera: decode: %w", err)
	}
	detail := "no strategy given"
	if lastErr != nil {
		detail = lastErr.Error()
	}
	return Result{Tried: tried, Elapsed: elapsed, Spent: clock() - spent0},
		fmt.Errorf("camera: %d of %d strategies in %v (%s): %w", tried, len(strategies), elapsed.Round(time.Millisecond), detail, qrscan.ErrNoCode)
}

// smoothFirst returns strategies with StrategyResampleMean3 also just
// after index i, when it comes later (StrategyHalf found no finder pattern
// in the halved frame: see attempt.halfMissed), in buf when it fits. The
// first run does StrategyResampleMean3's first stages only, the second
// the rest (attempt.mean3Split).
func smoothFirst(strategies []Strategy, i int, buf []Strategy) []Strategy {
	j := slices.Index(strategies[i+1:], StrategyResampleMean3)
	if j <= 0 {
		return strategies
	}
	out := append(buf, strategies[:i+1]...)
	out = append(out, StrategyResampleMean3)
	return append(out, strategies[i+1:]...)
}

func isNotFound(err error) bool {
	var nf gozxing.NotFoundException
	return errors.As(err, &nf)
}

// Hints, shared read-only by every attempt.
var (
	hintsNone      = map[gozxing.DecodeHintType]any{}
	hintsPure      = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	hintsTryHarder = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
)

// attempt holds what strategies on one frame share: the luminance source,
// the hybrid-binarized bitmap and the compact luma plane.
type attempt struct {
	lum    *Luminance
	bitmap *gozxing.BinaryBitmap // hybrid binarization of the frame, computed once
	plane  []byte                // compact luma, Width×Height, computed once
	halved []byte                // luma halved, computed once
	region rect                  // the code's region, when StrategyHalf located it
	// guess: where the code must be when StrategyHalf found two of its
	// finder patterns in the halved frame but not the third (pairRegion);
	// StrategyResampleMean3's first stages search it before the frame.
	guess rect
	// halfMissed: StrategyHalf ran and found no finder pattern in the
	// halved frame (modules under about 5 pixels, blurred, noisy): the
	// smoothed-frame rescue reads most such frames, and
	// StrategyResampleMean3's first stages run before StrategyPure and
	// StrategyHybrid (smoothFirst).
	halfMissed bool
	// halfKeystone: StrategyHalf found no finder pattern triple, and its
	// candidates hold a triple whose module sizes differ as a strong
	// keystone makes them (keystoneScore): StrategyKeystone moves to just
	// after StrategyResampleMean3's first stages (moveTo), instead of
	// after every other strategy (on the benchmark's perspective frames
	// it read, 27–84 ms of CPU, of which StrategyHalf and StrategyKeystone
	// alone 9–35 ms). A trade-off: a frame with that signature that
	// StrategyKeystone does not read but StrategyResampleMean3's wide
	// searches do pays StrategyKeystone's fits first (a review found one
	// such frame, 17.5 → 55 ms; none among the 80 perspective frames of
	// the two samples measured, 2.28 → 2.14 s and 49.9 → 43.0 ms a frame).
	halfKeystone bool
	// washedOut: StrategyHalf found no finder pattern triple, and the
	// halved frame's 1st to 99th percentiles of luma are less than
	// washedOutSpread apart: StrategyStretch, made for such frames, moves
	// to just after StrategyHalf, instead of tenth (on the benchmark's
	// low-contrast frames it reads, 3.7 ms of CPU instead of 9.7).
	washedOut bool
	// halfNoCands: StrategyHalf found no finder pattern candidate at all
	// in the halved frame (modules of about 2 pixels, 1 at half size),
	// the frame not washed out: StrategyUp2, made for such modules, moves
	// to just after StrategyHybrid, ahead of StrategyResampleMean3's wide
	// searches, StrategyTryHarder, StrategyResample, StrategyMean3 and
	// StrategyStretch.
	halfNoCands bool
	// mean3Split: StrategyResampleMean3 runs twice (smoothFirst), its
	// first stages on the smoothed and the plain binarizations first, the
	// rest (the wide searches) in its own place; mean3Early once the first
	// run is done.
	mean3Split, mean3Early bool
	smooth                 []byte                // plane after mean3, computed once
	smoothBitmap           *gozxing.BinaryBitmap // hybrid binarization of smooth
	reader                 gozxing.Reader
	gridBuf                []float64 // the resample rescue's module samples
	// plainFirstStage: StrategyResampleMean3 ran StrategyResample's first
	// fitting stage (see resample).
	plainFirstStage bool
	// frameCands: the finder-pattern candidates of bitmap's matrix at row
	// step 2, once frameCandsDone (see candidates).
	frameCands     []*detector.FinderPattern
	frameCandsDone bool
	dec            *decoder.Decoder
	sc             *scratch
	// spent reports the frame's budget spent or its context done: every
	// strategy stops between two of its steps then (stopped), not only
	// between two strategies. Nil: never.
	spent func() bool
}

// stopped reports whether the strategy running should stop (attempt.spent).
func (a *attempt) stopped() bool { return a.spent != nil && a.spent() }

// errStopped: a strategy cut short because the frame's budget is spent or
// its context done (attempt.stopped). Decode returns the context's error
// for the latter, and ErrNoCode for the former, as when the budget ends
// between two strategies.
var errStopped = gozxing.NewNotFoundException("budget spent")

func (a *attempt) decoder() *decoder.Decoder {
	if a.dec == nil {
		a.dec = decoder.NewDecoder()
	}
	return a.dec
}

func newAttempt(f Frame, sc *scratch) *attempt {
	return &attempt{lum: newLuminance(f), reader: qrcode.NewQRCodeReader(), sc: sc}
}

func (a *attempt) hybrid() *gozxing.BinaryBitmap {
	if a.bitmap == nil {
		a.bitmap, _ = gozxing.NewBinaryBitmap(hybridOf(a.lum, a.sc))
	}
	return a.bitmap
}

func (a *attempt) mean() []byte {
	if a.smooth == nil {
		w, h := a.lum.Width, a.lum.Height
		a.smooth = mean3Into(a.sc.plane(w*h), a.luma(), w, h)
	}
	return a.smooth
}

func (a *attempt) meanBitmap() *gozxing.BinaryBitmap {
	if a.smoothBitmap == nil {
		l := newLuminance(Frame{Format: Gray, Width: a.lum.Width, Height: a.lum.Height, Data: a.mean()})
		a.smoothBitmap, _ = gozxing.NewBinaryBitmap(hybridOf(l, a.sc))
	}
	return a.smoothBitmap
}

// luma returns the frame's luma as a compact plane: the frame itself when
// it is one, else a copy.
// half returns the frame halved, computed once.
func (a *attempt) half() ([]byte, int, int) {
	w, h := a.lum.Width/2, a.lum.Height/2
	if a.halved == nil {
		l := a.lum
		if l.step == 1 {
			a.halved = down2Into(a.sc.plane(w*h), l.data[l.top*l.stride+l.left:], l.stride, l.Width, l.Height)
		} else {
			a.halved = down2Into(a.sc.plane(w*h), a.luma(), l.Width, l.Width, l.Height)
		}
	}
	return a.halved, w, h
}

func (a *attempt) luma() []byte {
	if a.plane == nil {
		l := a.lum
		if l.step == 1 && (l.stride == l.Width || l.Height == 1) {
			a.plane = l.GetMatrix() // no copy
		} else {
			a.plane = a.sc.plane(l.Width * l.Height)
			for y := 0; y < l.Height; y++ {
				l.row(y, a.plane[y*l.Width:])
			}
		}
	}
	return a.plane
}

// try runs one strategy. gozxing is a port of Java code that may index out
// of range on odd input; a panic there is turned into a decode failure so
// that a bad frame never brings the reader down.
func (a *attempt) try(s Strategy) (res *gozxing.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("camera: %v: decoder failure: %v", s, p)
		}
	}()
	w, h := a.lum.Width, a.lum.Height
	if a.region.dx() > 0 && (s == StrategyPure || s == StrategyHybrid) {
		// StrategyHalf found the finder patterns of a code in a camera
		// frame and searched its region at full size with the same
		// locator: the whole frame has nothing more for these two.
		return nil, gozxing.NewNotFoundException("%v: the code's region was read at full size", s)
	}
	switch s {
	case StrategyPure:
		m, err := a.hybrid().GetBlackMatrix()
		if err != nil {
			return nil, err
		}
		err = gozxing.NewNotFoundException("dark pixels do not span a square")
		if plausiblyPureMatrix(m) {
			res, perr := a.reader.Decode(a.hybrid(), hintsPure)
			if perr == nil {
				return res, nil
			}
			err = perr
		}
		// A code alone in its image in dark mode (light modules on a dark
		// quiet zone: `apcv qr png --invert`, whose dark pixels span the
		// whole square image) is an ordinary one once flipped; the locator
		// reads it.
		if f := flipped(m, a.sc); plausiblyPureMatrix(f) {
			return a.locate(f, hintsNone, 2)
		}
		return nil, err
	case StrategyHybrid, StrategyTryHarder:
		m, err := a.hybrid().GetBlackMatrix()
		if err != nil {
			return nil, err
		}
		if s == StrategyHybrid {
			return a.locate(m, hintsNone, 2)
		}
		return a.locate(m, hintsTryHarder, 1)
	case StrategyInverted:
		return a.inverted()
	case StrategyMean3:
		return a.readTryHarder(a.meanBitmap())
	case StrategyResample:
		return a.resample(false)
	case StrategyResampleMean3:
		return a.resample(true)
	case StrategyDown2:
		return a.decodePlane(a.half())
	case StrategyHalf:
		return a.readHalf()
	case StrategyHalfInverted:
		return a.readHalfInverted()
	case StrategyStretch:
		if res, err := a.decodePlane(stretchInto(a.sc.plane(w*h), a.luma()), w, h); err == nil {
			return res, nil
		}
		if a.stopped() {
			return nil, errStopped
		}
		// The stretch multiplies the noise with the contrast: the resample
		// rescue on the smoothed frame, stretched.
		sm := stretchInto(a.sc.plane(w*h), a.mean())
		l := newLuminance(Frame{Format: Gray, Width: w, Height: h, Data: sm})
		m, err := newHybrid(l, sm, w, w, h, a.sc).GetBlackMatrix()
		if err != nil {
			return nil, err
		}
		return a.resampleOn(m, sm, w, h, false, 1, fitStages)
	case StrategyCrop:
		r, ok := busyRegion(a.luma(), w, h)
		if !ok {
			return nil, gozxing.NewNotFoundException("no high-contrast region")
		}
		n := r.dx() * r.dy()
		return a.decodePlane(stretchInto(a.sc.plane(n), cropInto(a.sc.plane(n), a.luma(), w, r)), r.dx(), r.dy())
	case StrategyUp2:
		return a.up2()
	case StrategyFill:
		return a.fill()
	case StrategyKeystone:
		return a.keystone()
	case StrategyGlobal:
		bm, err := gozxing.NewBinaryBitmap(gozxing.NewGlobalHistgramBinarizer(a.lum))
		if err != nil {
			return nil, err
		}
		return a.reader.Decode(bm, hintsTryHarder)
	}
	return nil, fmt.Errorf("camera: unknown %v: %w", s, errUnknownStrategy)
}

var errUnknownStrategy = errors.New("unknown strategy")

// maxUp2Pixels bounds the region StrategyUp2 doubles (before doubling): a
// whole 1280×720 frame, 3.7 MB doubled (about 10 ms to binarize and scan).
const maxUp2Pixels = 1280 * 720

// up2 is StrategyUp2.
func (a *attempt) up2() (*gozxing.Result, error) {
	w, h := a.lum.Width, a.lum.Height
	r, ok := busyRegion(a.luma(), w, h)
	if !ok {
		r = rect{0, 0, w, h}
	}
	if r.dx()*r.dy() > maxUp2Pixels {
		return nil, gozxing.NewNotFoundException("busy region of %d×%d px, too large to double", r.dx(), r.dy())
	}
	rw, rh := r.dx(), r.dy()
	cr := cropInto(a.sc.plane(rw*rh), a.luma(), w, r)
	if a.stopped() {
		return nil, errStopped
	}
	up := up2Into(a.sc.plane(4*rw*rh), cr, rw, rh)
	if a.stopped() {
		return nil, errStopped
	}
	l := newLuminance(Frame{Format: Gray, Width: 2 * rw, Height: 2 * rh, Data: up})
	m, err := newHybrid(l, up, 2*rw, 2*rw, 2*rh, a.sc).GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	if a.stopped() {
		return nil, errStopped
	}
	res, err := a.locate(m, hintsTryHarder, 2)
	if err != nil {
		// The patterns found, the grid sampled badly: the resample
		// rescue on the doubled region (already smooth).
		if res, err = a.resampleOn(m, up, 2*rw, 2*rh, false, 1, fitStages); err != nil {
			// Two patterns confirmed, the third not: complete the pair.
			if res, err = a.pairs(m, up, 2*rw, 2*rh); err != nil {
				return nil, err
			}
		}
	}
	pts := res.GetResultPoints() // in the doubled crop: back into the frame
	for i, q := range pts {
		pts[i] = gozxing.NewResultPoint(q.GetX()/2+float64(r.x0), q.GetY()/2+float64(r.y0))
	}
	return res, nil
}

// inverted is StrategyInverted: light modules on a dark ground (a phone in
// dark mode). The frame's binarization flipped goes through the locator;
// when that fails, the resample rescue reads the smoothed frame's negative
// on its own binarization (not the smoothed one's flipped, whose flat dark
// blocks, a dark quiet zone among them, binarize light and flip dark).
func (a *attempt) inverted() (*gozxing.Result, error) {
	m, err := a.hybrid().GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	if res, err := a.locate(flipped(m, a.sc), hintsNone, 2); err == nil {
		return res, nil
	}
	if a.stopped() {
		return nil, errStopped
	}
	w, h := a.lum.Width, a.lum.Height
	neg, nm, err := a.negative(a.mean(), w, h)
	if err != nil {
		return nil, err
	}
	return a.resampleOn(nm, neg, w, h, false, 1, fitStages)
}

// plausiblyPure reports whether the dark pixels of bm span a square, as
// those of a code alone in its image do: its three finder patterns make
// the edges. gozxing's pure-barcode reader otherwise samples a whole
// camera frame as one huge code, 3 to 4 ms on a busy 1280×720 frame.
func plausiblyPure(bm *gozxing.BinaryBitmap) bool {
	m, err := bm.GetBlackMatrix()
	if err != nil {
		return false
	}
	return plausiblyPureMatrix(m)
}

// plausiblyPureMatrix is plausiblyPure on a binarized matrix.
func plausiblyPureMatrix(m *gozxing.BitMatrix) bool {
	// The bounding box of the dark pixels, a word at a time: first the
	// top and bottom rows holding one, then the rows between, stopping as
	// soon as the box is wider than its height allows (a camera frame:
	// its first rows already span most of its width).
	var row *gozxing.BitArray
	dark := func(y int) (int, int, bool) {
		row = m.GetRow(y, row)
		words := row.GetBitArray()
		first := slices.IndexFunc(words, func(w uint32) bool { return w != 0 })
		if first < 0 {
			return 0, 0, false
		}
		last := len(words) - 1
		for words[last] == 0 {
			last--
		}
		return 32*first + bits.TrailingZeros32(words[first]), 32*last + 31 - bits.LeadingZeros32(words[last]), true
	}
	top, bottom := -1, -1
	for y := 0; y < m.GetHeight() && top < 0; y++ {
		if _, _, ok := dark(y); ok {
			top = y
		}
	}
	if top < 0 {
		return false
	}
	for y := m.GetHeight() - 1; y >= top && bottom < 0; y-- {
		if _, _, ok := dark(y); ok {
			bottom = y
		}
	}
	h := bottom - top + 1
	left, right := m.GetWidth(), -1
	for y := top; y <= bottom; y++ {
		l, r, ok := dark(y)
		if !ok {
			continue
		}
		left, right = min(left, l), max(right, r)
		if w := right - left + 1; w-h > max(2, w/16) { // the box only widens
			return false
		}
	}
	w := right - left + 1
	return abs(w-h) <= max(2, max(w, h)/16)
}

// decodePlane decodes a preprocessed compact plane with the hybrid
// binarizer, trying harder.
func (a *attempt) decodePlane(p []byte, w, h int) (*gozxing.Result, error) {
	if w <= 0 || h <= 0 {
		return nil, gozxing.NewNotFoundException("empty plane")
	}
	l := newLuminance(Frame{Format: Gray, Width: w, Height: h, Data: p})
	bm, err := gozxing.NewBinaryBitmap(newHybrid(l, p, w, w, h, a.sc))
	if err != nil {
		return nil, err
	}
	return a.readTryHarder(bm)
}

// readTryHarder is gozxing's QR reader with TRY_HARDER on bm (its finder
// search on every row, the code sampled at the patterns found and
// decoded: the same steps, findPatterns being Find), with the frame's
// budget checked between the steps: on a large frame each is a pass over
// all of it.
func (a *attempt) readTryHarder(bm *gozxing.BinaryBitmap) (*gozxing.Result, error) {
	m, err := bm.GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	if a.stopped() {
		return nil, errStopped
	}
	info, err := findPatterns(m, true)
	if err != nil {
		return nil, err
	}
	if a.stopped() {
		return nil, errStopped
	}
	return a.decodeAt(m, info)
}
