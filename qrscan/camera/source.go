package camera

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // FileSource reads JPEG
	_ "image/png"  // and PNG
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/qrscan"
)

// FrameSource delivers camera frames. NextFrame blocks until a frame is
// ready or ctx is done; it returns io.EOF when the source has no more
// frames (a finished file list) and an error wrapping qrscan.ErrDeviceGone
// when the camera went away. Any other error is about one frame: the caller
// may ask for the next. A webcam backend implements it over its capture
// API; the frame's Data may be reused once NextFrame is called again.
type FrameSource interface {
	NextFrame(ctx context.Context) (Frame, error)
	Close() error
}

// Namer is an optional FrameSource capability: the device name put in
// Scan.Source ("camera:" + Name()).
type Namer interface {
	Name() string
}

// ErrClosed is returned by sources used after Close.
var ErrClosed = errors.New("camera: source closed")

// FileSource reads image files (PNG, JPEG) in order, one frame each.
type FileSource struct {
	mu     sync.Mutex
	paths  []string
	next   int
	closed bool
}

// Files returns a source over the given image files, in the given order.
func Files(paths ...string) *FileSource {
	return &FileSource{paths: slices.Clone(paths)}
}

// imageExts are the file name extensions Dir picks up.
var imageExts = []string{".png", ".jpg", ".jpeg"}

// Dir returns a source over the PNG and JPEG files of a directory, sorted
// by name (not recursive).
func Dir(dir string) (*FileSource, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if e.Type().IsRegular() && slices.Contains(imageExts, strings.ToLower(filepath.Ext(e.Name()))) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return Files(paths...), nil // ReadDir sorts by name
}

// Name returns "files".
func (s *FileSource) Name() string { return "files" }

// NextFrame decodes the next file. A file that cannot be read or decoded is
// an error about that frame, wrapping ErrImageUnreadable, ErrImageTooLarge
// or ErrNotAnImage; after the last file it returns io.EOF.
func (s *FileSource) NextFrame(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Frame{}, ErrClosed
	}
	if s.next >= len(s.paths) {
		s.mu.Unlock()
		return Frame{}, io.EOF
	}
	p := s.paths[s.next]
	s.next++
	s.mu.Unlock()
	img, mod, err := readImage(p)
	if err != nil {
		return Frame{}, err
	}
	f := FromImage(img)
	f.At = mod
	return f, nil
}

// Errors of image files (FileSource), each with its own desk message: the
// person at the desk learns why the file gave no code.
var (
	// ErrImageUnreadable: the file cannot be opened, is empty, or its data
	// ends early or is damaged (a truncated or corrupt PNG or JPEG).
	ErrImageUnreadable = apcverr.New("image-unreadable",
		"The image file could not be read: it is missing, empty, incomplete or damaged. Save or take the picture again.",
		"Le fichier image n'a pas pu être lu : il est absent, vide, incomplet ou endommagé. Enregistrez ou reprenez la photo.")
	// ErrImageTooLarge: the file is over MaxFileSize bytes, or its header
	// declares a side over MaxSide pixels. Both are checked before any pixel
	// is decoded.
	ErrImageTooLarge = apcverr.New("image-too-large",
		"The image is too large to be read (at most 8192 pixels per side and 64 MiB). Use a smaller picture.",
		"L'image est trop grande pour être lue (8192 pixels par côté et 64 Mio au plus). Utilisez une image plus petite.")
	// ErrNotAnImage: the file is not in a format FileSource reads (PNG,
	// JPEG).
	ErrNotAnImage = apcverr.New("image-not-an-image",
		"The file is not a picture the reader knows. Give a PNG or JPEG image.",
		"Le fichier n'est pas une image reconnue par le lecteur. Donnez une image PNG ou JPEG.")
)

// MaxFileSize bounds the size of an image file read by FileSource.
const MaxFileSize = 64 << 20

// readImage decodes the image file at p and returns it with its
// modification time. The size and the header's dimensions are checked
// before the pixels are decoded.
func readImage(p string) (image.Image, time.Time, error) {
	name := filepath.Base(p)
	fh, err := os.Open(p)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("camera: %w: %w", ErrImageUnreadable, err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	switch {
	case err != nil:
		return nil, time.Time{}, fmt.Errorf("camera: %s: %w: %w", name, ErrImageUnreadable, err)
	case !st.Mode().IsRegular():
		return nil, time.Time{}, fmt.Errorf("camera: %s: not a regular file: %w", name, ErrImageUnreadable)
	case st.Size() == 0:
		return nil, time.Time{}, fmt.Errorf("camera: %s: empty file: %w", name, ErrImageUnreadable)
	case st.Size() > MaxFileSize:
		return nil, time.Time{}, fmt.Errorf("camera: %s: %d bytes, over %d: %w", name, st.Size(), MaxFileSize, ErrImageTooLarge)
	}
	cfg, _, err := image.DecodeConfig(bufio.NewReader(fh))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("camera: %s: %w", name, imageErr(err))
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide {
		return nil, time.Time{}, fmt.Errorf("camera: %s: %d×%d, over %d per side: %w", name, cfg.Width, cfg.Height, MaxSide, ErrImageTooLarge)
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return nil, time.Time{}, fmt.Errorf("camera: %s: %w: %w", name, ErrImageUnreadable, err)
	}
	img, _, err := image.Decode(io.LimitReader(fh, MaxFileSize))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("camera: %s: %w", name, imageErr(err))
	}
	return img, st.ModTime(), nil
}

// imageErr classifies an error of image.Decode or image.DecodeConfig: an
// unknown format is ErrNotAnImage, anything else (early end, bad checksum,
// bad compressed data) ErrImageUnreadable. The decoder's error stays in the
// chain.
func imageErr(err error) error {
	if errors.Is(err, image.ErrFormat) {
		return fmt.Errorf("%w: %w", ErrNotAnImage, err)
	}
	return fmt.Errorf("%w: %w", ErrImageUnreadable, err)
}

// Close ends the source; NextFrame then returns ErrClosed.
func (s *FileSource) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// FuncSource adapts a function to a FrameSource, for generated or in-memory
// frames. The function returns io.EOF when it has no more frames.
type FuncSource struct {
	fn     func(ctx context.Context, i int) (Frame, error)
	mu     sync.Mutex
	i      int
	closed bool
}

// Func returns a source whose i-th frame (from 0) is fn(ctx, i).
func Func(fn func(ctx context.Context, i int) (Frame, error)) *FuncSource {
	return &FuncSource{fn: fn}
}

// Images returns a source over in-memory images, in order.
func Images(imgs ...image.Image) *FuncSource {
	imgs = slices.Clone(imgs)
	return Func(func(_ context.Context, i int) (Frame, error) {
		if i >= len(imgs) {
			return Frame{}, io.EOF
		}
		return FromImage(imgs[i]), nil
	})
}

// NextFrame returns the next frame.
func (s *FuncSource) NextFrame(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Frame{}, ErrClosed
	}
	i := s.i
	s.i++
	s.mu.Unlock()
	return s.fn(ctx, i)
}

// Close ends the source; NextFrame then returns ErrClosed.
func (s *FuncSource) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// SourceOptions tune a Source. The zero value is ready to use.
type SourceOptions struct {
	Decode DecodeOptions // per-frame decoding (budget, strategies, clock)
	// MaxFrameErrors ends Next with the last frame error after that many
	// consecutive failed frames; 0 means 100.
	MaxFrameErrors int
	// Logger, when set, receives one debug record per frame outcome (never
	// the scanned text).
	Logger *slog.Logger
}

// Stats count what a Source saw.
type Stats struct {
	Frames      int              // frames delivered by the FrameSource
	FrameErrors int              // frames the FrameSource failed to deliver or that were malformed
	NoCode      int              // frames without a readable QR code
	NotApCV     int              // frames with a QR code that is not an ApCV code
	Scans       int              // ApCV codes returned
	ByStrategy  map[Strategy]int // successful reads (ApCV or not) per strategy
	Decoding    time.Duration    // total time spent decoding frames
}

// Source is a qrscan.Source over a FrameSource: it decodes frames until one
// carries an ApCV code.
type Source struct {
	fs   FrameSource
	opts SourceOptions
	name string

	mu          sync.Mutex
	stats       Stats
	lastNonApCV string // text of the last non-ApCV code reported

	sc atomic.Pointer[scratch] // decode buffers, kept from frame to frame
}

var _ qrscan.Source = (*Source)(nil)

// NewSource returns a scan source reading fs. The Source owns fs: Close
// closes it.
func NewSource(fs FrameSource, opts SourceOptions) *Source {
	name := "camera"
	if n, ok := fs.(Namer); ok && n.Name() != "" {
		name = "camera:" + n.Name()
	}
	if opts.Decode.Source == "" {
		opts.Decode.Source = name
	}
	if opts.MaxFrameErrors == 0 {
		opts.MaxFrameErrors = 100
	}
	return &Source{fs: fs, opts: opts, name: name, stats: Stats{ByStrategy: map[Strategy]int{}}}
}

// Name returns "camera", or "camera:" and the FrameSource's Name.
func (s *Source) Name() string { return s.name }

func (s *Source) log() *slog.Logger {
	if s.opts.Logger == nil {
		return discard
	}
	return s.opts.Logger
}

var discard = slog.New(slog.DiscardHandler)

// Next decodes frames until one carries an ApCV code and returns it. A
// frame with another QR code ends Next with an error wrapping
// qrscan.ErrNotApCV, once per distinct code: the same foreign code seen in
// the following frames is skipped silently. Frames without a code are
// skipped until ctx is done. Next returns io.EOF (wrapped, with
// qrscan.ErrNoCode) when the FrameSource has no more frames, and the
// FrameSource's error when the device is gone. At the end of the frames,
// the last frame that could not be read in this call (an image file
// unreadable, too large, not an image) is wrapped first, so that its desk
// message and code are the ones apcverr finds.
func (s *Source) Next(ctx context.Context) (qrscan.Scan, error) {
	consecutive := 0
	var frameErr error // the last frame error of this call
	hinted := false
	for {
		if err := ctx.Err(); err != nil {
			return qrscan.Scan{}, fmt.Errorf("camera: %w", err)
		}
		if !hinted { // frames until a code shows: a while
			hinted = true
			waithint.Waiting(ctx)
		}
		f, err := s.fs.NextFrame(ctx)
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			if frameErr != nil {
				return qrscan.Scan{}, fmt.Errorf("camera: end of frames: %w: %w: %w", frameErr, qrscan.ErrNoCode, io.EOF)
			}
			return qrscan.Scan{}, fmt.Errorf("camera: end of frames: %w: %w", qrscan.ErrNoCode, io.EOF)
		case errors.Is(err, qrscan.ErrDeviceGone), errors.Is(err, ErrClosed),
			errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return qrscan.Scan{}, fmt.Errorf("camera: next frame: %w", err)
		default:
			s.count(func(st *Stats) { st.FrameErrors++ })
			s.log().Debug("camera: frame error", "err", err)
			frameErr = err
			if consecutive++; consecutive >= s.opts.MaxFrameErrors {
				return qrscan.Scan{}, fmt.Errorf("camera: %d frames failed in a row: %w", consecutive, err)
			}
			continue
		}
		s.count(func(st *Stats) { st.Frames++ })
		res, err := s.decode(ctx, f)
		s.count(func(st *Stats) { st.Decoding += res.Elapsed })
		switch {
		case err == nil:
		case errors.Is(err, qrscan.ErrNoCode):
			consecutive = 0
			s.count(func(st *Stats) { st.NoCode++ })
			s.log().Debug("camera: no code", "strategies", res.Tried, "elapsed", res.Elapsed)
			continue
		case errors.Is(err, ErrBadFrame):
			s.count(func(st *Stats) { st.FrameErrors++ })
			s.log().Debug("camera: frame error", "err", err)
			frameErr = err
			if consecutive++; consecutive >= s.opts.MaxFrameErrors {
				return qrscan.Scan{}, fmt.Errorf("camera: %d frames failed in a row: %w", consecutive, err)
			}
			continue
		default: // ctx done
			return qrscan.Scan{}, err
		}
		consecutive = 0
		s.count(func(st *Stats) { st.ByStrategy[res.Strategy]++ })
		if !credential.HasQRPrefix(res.Text) {
			s.mu.Lock()
			repeat := res.Text == s.lastNonApCV
			s.lastNonApCV = res.Text
			s.stats.NotApCV++
			s.mu.Unlock()
			s.log().Debug("camera: foreign QR code", "chars", len(res.Text), "strategy", res.Strategy, "repeat", repeat)
			if repeat {
				continue
			}
			return qrscan.Scan{}, fmt.Errorf("camera: %d-char code: %w", len(res.Text), qrscan.ErrNotApCV)
		}
		if len(res.Text) > credential.MaxQRText {
			return qrscan.Scan{}, fmt.Errorf("camera: %d-char code: %w", len(res.Text), qrscan.ErrGarbled)
		}
		s.mu.Lock()
		s.lastNonApCV = ""
		s.stats.Scans++
		s.mu.Unlock()
		s.log().Debug("camera: ApCV code read", "strategy", res.Strategy, "elapsed", res.Elapsed)
		return res.Scan, nil
	}
}

// decode decodes one frame with the Source's buffers (a concurrent Next
// borrows others).
func (s *Source) decode(ctx context.Context, f Frame) (Result, error) {
	sc := s.sc.Swap(nil)
	if sc == nil {
		sc = scratchPool.Get().(*scratch)
	}
	defer s.sc.Store(sc)
	return decodeWith(ctx, f, s.opts.Decode, sc)
}

func (s *Source) count(fn func(*Stats)) {
	s.mu.Lock()
	fn(&s.stats)
	s.mu.Unlock()
}

// Stats returns a copy of the counters.
func (s *Source) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByStrategy = make(map[Strategy]int, len(s.stats.ByStrategy))
	for k, v := range s.stats.ByStrategy {
		st.ByStrategy[k] = v
	}
	return st
}

// Close closes the FrameSource.
func (s *Source) Close() error {
	if err := s.fs.Close(); err != nil {
		return fmt.Errorf("camera: close: %w", err)
	}
	return nil
}
