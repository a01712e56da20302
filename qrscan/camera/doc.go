// Package camera reads ApCV QR codes from camera frames and image files.
//
// A webcam backend (or a directory of images) implements FrameSource; the
// package turns it into a qrscan.Source:
//
//	src := camera.NewSource(camera.Files("scan.png"), camera.SourceOptions{})
//	scan, err := src.Next(ctx) // scan.Text starts with credential.QRPrefix
//
// Frames are read in place: a Gray frame is a Y plane with a stride (I420,
// NV12, GREY), a YUYV frame is read through its Y bytes, and FromImage uses
// the pixels of an *image.Gray or the Y plane of an *image.YCbCr (what
// image/jpeg returns) without copying them. Luminance is the matching
// gozxing.LuminanceSource; building one costs nothing, where gozxing's
// NewLuminanceSourceFromImage converts every pixel (about 23 ms for a
// 1280×720 frame).
//
// # Decoding strategies
//
// Decode tries strategies in order until one reads a code, within a
// budget of CPU time (DecodeOptions.Budget, 250 ms of the decoding thread's
// CPU time by default: a loaded machine slows the decode down but does not
// cut the search short). The budget is checked between strategies and
// between the steps inside each, so a frame costs at most the budget plus
// the one step running when it ran out (about 10 ms of CPU on a 1280×720
// frame: see DecodeOptions.Budget). A frame at least
// HalfMinWidth (1280) pixels wide is first read halved (StrategyHalf: a
// quarter of the pixels, enough to find the code held before an HD webcam;
// when the modules are too small to sample there, the code's region alone
// is read at full size). Then come StrategyPure (a code alone in its
// image, as in a screenshot) and StrategyHybrid, sharing one binarization
// of the frame, then the rescues. When StrategyHalf finds no finder
// pattern at all in the halved frame (modules under about 5 pixels, blur,
// noise), the first stages of StrategyResampleMean3 (its cheapest grid fits
// on the smoothed and on the plain binarization) run before StrategyPure
// and StrategyHybrid, its wide searches in its own place: they read 9 of
// the 10 such frames among the 20 generated hard ones, where a noisy
// frame's own binarization is mostly noise runs whose finder search cost
// 1 to 3 ms first (the same attempts are made, in another order). When
// the halved frame's search confirmed two finder patterns of like size
// but no third, those first stages search the region any code with two
// patterns there must lie in (at most half the frame) before the whole
// frame: its smoothing and binarizations cost a fraction of the frame's.
// StrategyResampleMean3 and
// StrategyResample keep gozxing's finder patterns but fit the sampling
// grid to the code's timing and alignment patterns and read modules from a
// smoothed grey image; on 4-pixel modules with blur, tilt and JPEG noise
// they read most frames plain gozxing fails on (StrategyResampleMean3
// first looks in the region StrategyHalf located). StrategyTryHarder
// (every row scanned for finder patterns) comes after
// StrategyResampleMean3: on the generated hard frames it read none that
// the latter misses, and costing about 3 ms, it made them 20 % slower.
// The cheaper pixel rescues (3×3 mean, contrast stretch, the busy region
// doubled for 2-pixel modules, crop to the busy region, 2× downscale,
// inversion for dark-mode screens) follow.
//
// Every strategy that binarizes finds the code with our locator: gozxing's
// finder-pattern search first, which stops at the first three patterns it
// confirms, then, when that code does not decode, every candidate of a full
// scan (each still confirmed by gozxing's cross-checks) grouped into the
// most square triples. A 1:1:3:1:1 run in the data otherwise stops the
// search on the wrong three (clean codes missed). Dark-mode codes go
// through the same locator, on the flipped binarization or the
// negative's own. Result
// tells which strategy read a frame; Source.Stats counts them.
//
// Binarization is ZXing's hybrid (local-threshold) algorithm, computed on
// the luma plane in place, with its buffers reused from frame to frame:
// about 4 times faster than gozxing's HybridBinarizer, for the same bits.
//
// Measured on the generated corpus (emulator/present/qrimage, 480- and
// 960-character Base45 texts at level M; frames 1280×720; TestCorpus, run
// with APCV_CORPUS_REPORT=1 for every strategy alone on every image):
//
//	class  images  ours   ZXingReader  zbarimg  read by (default order)
//	clean     2     2/2       2/2        2/2    pure
//	mild     10   10/10     10/10       9/10    half 10
//	hard     10    8/10      6/10       4/10    resample-mean3 6, resample 1, half 1
//
// StrategyStretch reads washed-out codes (under 24 grey levels between dark
// and light) that every other strategy misses; when StrategyHalf finds no
// finder pattern triple in a halved frame whose 1st and 99th percentiles
// of luma are under a quarter of the range apart, it runs second (on the
// benchmark's low-contrast family, 9.8 → 4.6 ms of CPU per frame;
// TestWashedOutEarly). StrategyMean3 read 2 hard
// frames alone, both also read by StrategyResampleMean3, which runs first;
// StrategyCrop and StrategyDown2 rescued none of this corpus and come last,
// before StrategyInverted (light-on-dark codes in a camera frame, the
// rescue of the smoothed frame's negative). A dark-mode frame is read
// sooner, by StrategyHalfInverted (StrategyHalf on the frame's negative),
// which runs when StrategyHalf finds no finder pattern of ordinary
// polarity in the halved frame: on the benchmark's dark-mode family it cut
// the CPU per frame from 23–25 ms to 8–10 ms and read frames no strategy
// read before (TestDarkModeMisses). StrategyFill, next to
// last, binarizes the frame again with the flat blocks beside the code
// given the code's black point: ZXing's rule (a flat block is background,
// half its minimum) lowers the threshold beside the code's edge, and a
// finder pattern there whose dark modules are only a little darker than
// the light ones (contrast under 0.2, a glare spot) loses its outer ring;
// zbar read such frames. StrategyKeystone then fits the triples of
// finder patterns whose module sizes (each estimated from its horizontal
// runs) differ by 1.6 to 3 times, as a strong keystone makes them, which
// every triple before leaves out; zxing-cpp read such frames. When
// StrategyHalf finds no finder pattern triple in the halved frame but
// candidates whose module sizes differ so (a strong keystone's
// signature), StrategyKeystone moves to just after
// StrategyResampleMean3's first stages: on the benchmark's perspective
// frames that it reads, 10–20 ms of CPU instead of 27–84
// (TestKeystoneEarly); the signature was on no frame of the other
// families not read by then, but a frame that bears it and that only
// StrategyResampleMean3's wide searches read pays StrategyKeystone's fits
// first (one such frame: 17.5 → 55 ms). Both cost nothing on the frames
// read before them in that order; on a frame they do not read, a few ms
// of CPU without a code, up to about 100 ms when the frame shows finder
// patterns (StrategyKeystone's wide fits), cut short by the budget.
// Frames of modules of about 2 pixels, whose halved frame shows no finder
// pattern candidate at all, try StrategyUp2 right after StrategyHybrid
// (TestSmallModulesUp2); see DefaultStrategies for every move.
//
// testdata/ holds a small corpus for benchmarks (clean 480/960-character
// codes, one mild and one hard 1280×720 frame, each PNG with its text in a
// .txt beside it), regenerated by
//
//	go test ./qrscan/camera -run TestTestdata -update
//
// Errors: qrscan.ErrNoCode when no code could be read, qrscan.ErrNotApCV for
// a foreign code (from Source), ErrBadFrame for a frame whose geometry does
// not match its data; for image files (FileSource) ErrImageUnreadable,
// ErrImageTooLarge and ErrNotAnImage, which Source also reports at the end
// of the frames. Nothing here panics on bad input: a decoder panic on a
// pathological frame is turned into a failed strategy.
package camera
