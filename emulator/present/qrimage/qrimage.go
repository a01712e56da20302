package qrimage

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
)

// Level is a QR error-correction level. The zero value means LevelM, the
// level ApCV codes use.
type Level byte

// Error-correction levels.
const (
	LevelL Level = 'L' // ~7 % of codewords recoverable
	LevelM Level = 'M' // ~15 %, the ApCV level
	LevelQ Level = 'Q' // ~25 %
	LevelH Level = 'H' // ~30 %
)

// String returns "L", "M", "Q" or "H" ("M" for the zero value).
func (l Level) String() string {
	if l == 0 {
		return "M"
	}
	return string(rune(l))
}

func (l Level) zxing() (decoder.ErrorCorrectionLevel, error) {
	switch l {
	case 0, LevelM:
		return decoder.ErrorCorrectionLevel_M, nil
	case LevelL:
		return decoder.ErrorCorrectionLevel_L, nil
	case LevelQ:
		return decoder.ErrorCorrectionLevel_Q, nil
	case LevelH:
		return decoder.ErrorCorrectionLevel_H, nil
	}
	return 0, fmt.Errorf("qrimage: level %q: %w", byte(l), ErrBadOptions)
}

// Defaults used for zero Options fields.
const (
	DefaultModulePx  = 4
	DefaultQuietZone = 4 // modules, as ISO/IEC 18004 requires
	MaxModulePx      = 64
	MaxQuietZone     = 64
)

// Options say how a text is rendered. The zero value renders a level-M code
// at the smallest version that fits, 4 px per module, 4 modules of quiet zone.
type Options struct {
	ModulePx  int   // pixels per module; 0 means DefaultModulePx
	QuietZone int   // light border in modules; 0 means DefaultQuietZone, negative means none
	Level     Level // error correction; 0 means LevelM
	Version   int   // force this version (1..40); 0 picks the smallest that fits
	// Invert swaps the two colours: light modules on a dark ground in images;
	// in terminals, block glyphs are drawn for light modules (for terminals
	// with light text on a dark background).
	Invert bool
}

func (o Options) modulePx() int {
	if o.ModulePx == 0 {
		return DefaultModulePx
	}
	return o.ModulePx
}

func (o Options) quiet() int {
	switch {
	case o.QuietZone == 0:
		return DefaultQuietZone
	case o.QuietZone < 0:
		return 0
	}
	return o.QuietZone
}

func (o Options) check() error {
	if px := o.modulePx(); px < 1 || px > MaxModulePx {
		return fmt.Errorf("qrimage: module size %d px out of 1..%d: %w", px, MaxModulePx, ErrBadOptions)
	}
	if o.QuietZone > MaxQuietZone {
		return fmt.Errorf("qrimage: quiet zone %d out of range: %w", o.QuietZone, ErrBadOptions)
	}
	if o.Version < 0 || o.Version > 40 {
		return fmt.Errorf("qrimage: version %d out of 1..40: %w", o.Version, ErrBadOptions)
	}
	_, err := o.Level.zxing()
	return err
}

// Errors returned by this package.
var (
	// ErrBadOptions: an option is out of range.
	ErrBadOptions = errors.New("qrimage: bad options")
	// ErrTooLong: the text does not fit in a QR code at the requested level
	// and version.
	ErrTooLong = errors.New("qrimage: text too long for a QR code")
)

// Mode is the QR encoding mode of the data.
type Mode string

// Modes the encoder picks from the text: Alphanumeric for Base45 texts such
// as ApCV codes ("0-9A-Z $%*+-./:"), Numeric for digits only, Byte otherwise.
const (
	ModeNumeric      Mode = "numeric"
	ModeAlphanumeric Mode = "alphanumeric"
	ModeByte         Mode = "byte"
)

// Symbol describes the QR symbol a text needed.
type Symbol struct {
	Version int   // 1..40
	Modules int   // modules per side, 17+4×Version
	Level   Level // error-correction level used
	Mode    Mode  // data encoding mode
	Mask    int   // mask pattern 0..7
}

// Code is an encoded QR symbol, ready to be drawn at any size.
type Code struct {
	Symbol Symbol
	dark   []bool // Modules×Modules, row-major
}

// NewCode encodes text. Only opts.Level and opts.Version matter here; the
// drawing options are taken by Image, WritePNG and WriteTerminal.
func NewCode(text string, opts Options) (*Code, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	level, _ := opts.Level.zxing()
	hints := map[gozxing.EncodeHintType]any{}
	if opts.Version != 0 {
		hints[gozxing.EncodeHintType_QR_VERSION] = opts.Version
	}
	qr, err := encoder.Encoder_encode(text, level, hints)
	if err != nil {
		return nil, fmt.Errorf("qrimage: encode %d chars at level %v: %w (%v)", len(text), opts.Level, ErrTooLong, err)
	}
	m := qr.GetMatrix()
	n := m.GetWidth()
	c := &Code{
		Symbol: Symbol{
			Version: qr.GetVersion().GetVersionNumber(),
			Modules: n,
			Level:   opts.Level,
			Mask:    qr.GetMaskPattern(),
		},
		dark: make([]bool, n*n),
	}
	if c.Symbol.Level == 0 {
		c.Symbol.Level = LevelM
	}
	switch qr.GetMode() {
	case decoder.Mode_NUMERIC:
		c.Symbol.Mode = ModeNumeric
	case decoder.Mode_ALPHANUMERIC:
		c.Symbol.Mode = ModeAlphanumeric
	default:
		c.Symbol.Mode = ModeByte
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c.dark[y*n+x] = m.Get(x, y) == 1
		}
	}
	return c, nil
}

// Dark reports whether module (x, y) is dark; outside the symbol (the quiet
// zone) it is light.
func (c *Code) Dark(x, y int) bool {
	n := c.Symbol.Modules
	if x < 0 || y < 0 || x >= n || y >= n {
		return false
	}
	return c.dark[y*n+x]
}

// Image draws the code: black (0) dark modules on white (255), or the
// reverse when opts.Invert is set. Level and Version in opts are ignored.
func (c *Code) Image(opts Options) (*image.Gray, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	px, q := opts.modulePx(), opts.quiet()
	side := (c.Symbol.Modules + 2*q) * px
	img := image.NewGray(image.Rect(0, 0, side, side))
	var darkV, lightV byte = 0, 255
	if opts.Invert {
		darkV, lightV = 255, 0
	}
	for y := 0; y < side; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+side]
		my := y/px - q
		for x := range row {
			if c.Dark(x/px-q, my) {
				row[x] = darkV
			} else {
				row[x] = lightV
			}
		}
	}
	return img, nil
}

// WriteTerminal draws the code with Unicode half blocks (▀ ▄ █), two
// module rows per text line, quiet zone included. Glyphs are drawn for dark
// modules (right on a light-background terminal); set opts.Invert for a
// dark-background terminal. ModulePx is ignored.
func (c *Code) WriteTerminal(w io.Writer, opts Options) error {
	if err := opts.check(); err != nil {
		return err
	}
	q := opts.quiet()
	n := c.Symbol.Modules
	ink := func(x, y int) bool {
		if x < -q || y < -q || x >= n+q || y >= n+q {
			return false
		}
		return c.Dark(x, y) != opts.Invert
	}
	bw := bufio.NewWriter(w)
	for y := -q; y < n+q; y += 2 {
		for x := -q; x < n+q; x++ {
			top, bottom := ink(x, y), ink(x, y+1)
			switch {
			case top && bottom:
				bw.WriteString("█")
			case top:
				bw.WriteString("▀")
			case bottom:
				bw.WriteString("▄")
			default:
				bw.WriteByte(' ')
			}
		}
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("qrimage: write terminal: %w", err)
	}
	return nil
}

// Encode renders text as a QR code image (see Options for the defaults).
func Encode(text string, opts Options) (*image.Gray, Symbol, error) {
	c, err := NewCode(text, opts)
	if err != nil {
		return nil, Symbol{}, err
	}
	img, err := c.Image(opts)
	return img, c.Symbol, err
}

// WritePNG renders text as a QR code and writes it to w as a grayscale PNG.
func WritePNG(w io.Writer, text string, opts Options) (Symbol, error) {
	img, sym, err := Encode(text, opts)
	if err != nil {
		return Symbol{}, err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(w, img); err != nil {
		return Symbol{}, fmt.Errorf("qrimage: write png: %w", err)
	}
	return sym, nil
}

// WriteTerminal renders text as a QR code drawn with half blocks on w (see
// Code.WriteTerminal).
func WriteTerminal(w io.Writer, text string, opts Options) (Symbol, error) {
	c, err := NewCode(text, opts)
	if err != nil {
		return Symbol{}, err
	}
	return c.Symbol, c.WriteTerminal(w, opts)
}
