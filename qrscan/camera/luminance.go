package camera

import (
	"fmt"

	"github.com/makiuchi-d/gozxing"
)

// Luminance is a gozxing.LuminanceSource over a frame's luma, read in place:
// a Y plane with any stride, or the Y bytes of a YUYV frame. It supports
// cropping (a view, no copy) and 90° rotation (a copy).
type Luminance struct {
	gozxing.LuminanceSourceBase
	data      []byte
	stride    int // bytes per row
	step      int // bytes per pixel
	left, top int // the view's origin in data, in pixels
}

var _ gozxing.LuminanceSource = (*Luminance)(nil)

// NewLuminance returns a luminance source over f, which must stay unchanged
// while the source is in use.
func NewLuminance(f Frame) (*Luminance, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return newLuminance(f), nil
}

// newLuminance: f is valid.
func newLuminance(f Frame) *Luminance {
	return &Luminance{
		LuminanceSourceBase: gozxing.LuminanceSourceBase{Width: f.Width, Height: f.Height},
		data:                f.Data,
		stride:              f.stride(),
		step:                f.Format.bytesPerPixel(),
	}
}

// row copies row y of the view into dst (len ≥ Width).
func (l *Luminance) row(y int, dst []byte) {
	off := (l.top+y)*l.stride + l.left*l.step
	if l.step == 1 {
		copy(dst[:l.Width], l.data[off:off+l.Width])
		return
	}
	src := l.data[off : off+l.Width*l.step]
	for x := range dst[:l.Width] {
		dst[x] = src[x*l.step]
	}
}

// GetRow returns row y, in row when it is large enough.
func (l *Luminance) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= l.Height {
		return nil, fmt.Errorf("camera: row %d outside 0..%d", y, l.Height-1)
	}
	if len(row) < l.Width {
		row = make([]byte, l.Width)
	}
	l.row(y, row)
	return row, nil
}

// GetMatrix returns the view's luma, row-major, Width bytes per row. A
// contiguous grey view is returned without a copy; callers must not modify
// it.
func (l *Luminance) GetMatrix() []byte {
	if l.step == 1 && l.left == 0 && (l.stride == l.Width || l.Height == 1) {
		off := l.top * l.stride
		return l.data[off : off+l.Width*l.Height]
	}
	m := make([]byte, l.Width*l.Height)
	for y := 0; y < l.Height; y++ {
		l.row(y, m[y*l.Width:])
	}
	return m
}

// IsCropSupported reports true.
func (l *Luminance) IsCropSupported() bool { return true }

// Crop returns a view of a rectangle of l, sharing its data.
func (l *Luminance) Crop(left, top, width, height int) (gozxing.LuminanceSource, error) {
	if left < 0 || top < 0 || width <= 0 || height <= 0 || left+width > l.Width || top+height > l.Height {
		return nil, fmt.Errorf("camera: crop %d,%d %d×%d outside %d×%d", left, top, width, height, l.Width, l.Height)
	}
	c := *l
	c.left, c.top = l.left+left, l.top+top
	c.Width, c.Height = width, height
	return &c, nil
}

// IsRotateSupported reports true.
func (l *Luminance) IsRotateSupported() bool { return true }

// RotateCounterClockwise returns a copy of l turned 90° counter-clockwise.
func (l *Luminance) RotateCounterClockwise() (gozxing.LuminanceSource, error) {
	w, h := l.Width, l.Height
	src := l.GetMatrix()
	dst := make([]byte, w*h)
	// Pixel (x, y) goes to (y, w-1-x) in an h-wide image.
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dst[(w-1-x)*h+y] = src[y*w+x]
		}
	}
	return newLuminance(Frame{Format: Gray, Width: h, Height: w, Data: dst}), nil
}

// Invert returns a source with black and white swapped.
func (l *Luminance) Invert() gozxing.LuminanceSource { return gozxing.LuminanceSourceInvert(l) }

// String draws the source in ASCII art, as gozxing's sources do.
func (l *Luminance) String() string { return gozxing.LuminanceSourceString(l) }
