// Package camera reads ApCV QR codes from camera frames and image files.
//
// A webcam backend (or a directory of images) implements FrameSource; the
// package turns it into a qrscan.Source:
//
//	src := camera.NewSource(camera.Files("scan.png"), camera.SourceOptions{})
//	scan, err := src.Next(ctx) // scan.Text starts with qrscan.Prefix
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
// Decode tries strategies in order until one reads a code, within a time
// budget (DecodeOptions.Budget, 250 ms by default): first what reads clean
// screenshots and sharp frames for a few milliseconds (StrategyPure,
// StrategyHybrid, StrategyTryHarder, sharing one binarization), then the
// rescues. StrategyResampleMean3 and StrategyResample keep gozxing's finder
// patterns but fit the sampling grid to the code's timing and alignment
// patterns and read modules from a smoothed grey image; on 4-pixel modules
// with blur, tilt and JPEG noise they read most frames plain gozxing fails
// on. The cheaper pixel rescues (3×3 mean, crop to the busy region, contrast
// stretch, 2× downscale, inversion for dark-mode screens) follow. Result
// tells which strategy read a frame; Source.Stats counts them.
//
// Measured on the generated corpus (emulator/present/qrimage, 480- and
// 960-character Base45 texts at level M; frames 1280×720; TestCorpus, run
// with APCV_CORPUS_REPORT=1 for every strategy alone on every image):
//
//	class  images  ours   ZXingReader  zbarimg  read by (default order)
//	clean     2     2/2       2/2        2/2    pure
//	mild     10   10/10     10/10       9/10    hybrid
//	hard     10    8/10      6/10       4/10    resample-mean3 6, resample 1, hybrid 1
//
// StrategyStretch reads washed-out codes (under 24 grey levels between dark
// and light) that every other strategy misses. StrategyMean3 read 2 hard
// frames alone, both also read by StrategyResampleMean3, which runs first;
// StrategyCrop and StrategyDown2 rescued none of this corpus and come last,
// before StrategyInverted (light-on-dark codes).
//
// Errors: qrscan.ErrNoCode when no code could be read, qrscan.ErrNotApCV for
// a foreign code (from Source), ErrBadFrame for a frame whose geometry does
// not match its data. Nothing here panics on bad input: a decoder panic on a
// pathological frame is turned into a failed strategy.
package camera
