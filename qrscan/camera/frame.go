package camera

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
)

// Format is the pixel layout of a raw frame.
type Format uint8

// Pixel layouts a Frame can hold.
const (
	// Gray: one luma byte per pixel (a Y plane, as in I420/NV12 or GREY).
	Gray Format = iota + 1
	// YUYV: packed 4:2:2, Y0 U Y1 V, two bytes per pixel (V4L2's
	// V4L2_PIX_FMT_YUYV, the usual UVC webcam format). Only the Y bytes are
	// read, in place.
	YUYV
)

// String returns "gray" or "yuyv".
func (f Format) String() string {
	switch f {
	case Gray:
		return "gray"
	case YUYV:
		return "yuyv"
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}

func (f Format) bytesPerPixel() int {
	switch f {
	case Gray:
		return 1
	case YUYV:
		return 2
	}
	return 0
}

// Frame is one raw camera frame. Data is read, never written or retained
// after Decode returns; a webcam backend may hand its mapped buffer directly.
type Frame struct {
	Format        Format
	Width, Height int
	Stride        int    // bytes from one row to the next; 0 means Width×bytes per pixel
	Data          []byte // at least Stride×(Height-1) + Width×bytes per pixel
	At            time.Time
}

// MaxSide bounds a frame's width and height (8K video).
const MaxSide = 8192

// ErrBadFrame: a frame whose size, stride or format does not match its data.
// It is a programming or driver error, not a scanning failure.
var ErrBadFrame = apcverr.New("camera-bad-frame",
	"The camera delivered an unreadable picture. Check the camera settings or try another camera.",
	"La caméra a fourni une image illisible. Vérifiez les réglages de la caméra ou essayez-en une autre.")

func (f Frame) stride() int {
	if f.Stride == 0 {
		return f.Width * f.Format.bytesPerPixel()
	}
	return f.Stride
}

// Validate reports whether the frame's geometry fits its data.
func (f Frame) Validate() error {
	bpp := f.Format.bytesPerPixel()
	if bpp == 0 {
		return fmt.Errorf("camera: frame format %v: %w", f.Format, ErrBadFrame)
	}
	if f.Width <= 0 || f.Height <= 0 || f.Width > MaxSide || f.Height > MaxSide {
		return fmt.Errorf("camera: frame size %d×%d: %w", f.Width, f.Height, ErrBadFrame)
	}
	s := f.stride()
	if s < f.Width*bpp {
		return fmt.Errorf("camera: frame stride %d below %d: %w", s, f.Width*bpp, ErrBadFrame)
	}
	if need := s*(f.Height-1) + f.Width*bpp; len(f.Data) < need {
		return fmt.Errorf("camera: frame data %d bytes, need %d: %w", len(f.Data), need, ErrBadFrame)
	}
	return nil
}

// FromImage returns a frame over img's luma. *image.Gray and *image.YCbCr
// (what image/jpeg returns) are used in place, without a copy; any other
// image is converted to grey once.
func FromImage(img image.Image) Frame {
	switch m := img.(type) {
	case *image.Gray:
		r := m.Rect
		return Frame{Format: Gray, Width: r.Dx(), Height: r.Dy(), Stride: m.Stride,
			Data: tail(m.Pix, m.PixOffset(r.Min.X, r.Min.Y))}
	case *image.YCbCr:
		r := m.Rect
		return Frame{Format: Gray, Width: r.Dx(), Height: r.Dy(), Stride: m.YStride,
			Data: tail(m.Y, m.YOffset(r.Min.X, r.Min.Y))}
	}
	r := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	w := r.Dx()
	switch m := img.(type) {
	// The types image/png and image/jpeg decode to, read straight from
	// their pixel arrays: the same luma as color.GrayModel, without an
	// interface call and an allocation per pixel.
	case *image.RGBA:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, y):][:4*w]
			dst := g.Pix[(y-r.Min.Y)*g.Stride:][:w]
			for i := range dst {
				p := src[4*i : 4*i+4 : 4*i+4]
				dst[i] = luma16(uint32(p[0])*0x101, uint32(p[1])*0x101, uint32(p[2])*0x101)
			}
		}
	case *image.NRGBA:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, y):][:4*w]
			dst := g.Pix[(y-r.Min.Y)*g.Stride:][:w]
			for i := range dst {
				p := src[4*i : 4*i+4 : 4*i+4]
				a := uint32(p[3]) * 0x101 // premultiplied, as color.NRGBA.RGBA does
				dst[i] = luma16(uint32(p[0])*0x101*a/0xffff, uint32(p[1])*0x101*a/0xffff, uint32(p[2])*0x101*a/0xffff)
			}
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			if i < len(lut) {
				lut[i] = color.GrayModel.Convert(c).(color.Gray).Y
			}
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, y):][:w]
			dst := g.Pix[(y-r.Min.Y)*g.Stride:][:w]
			for i, ix := range src {
				dst[i] = lut[ix] // an index past the palette reads as black (image.Paletted.At would panic)
			}
		}
	default:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := g.Pix[(y-r.Min.Y)*g.Stride:]
			for x := r.Min.X; x < r.Max.X; x++ {
				row[x-r.Min.X] = color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			}
		}
	}
	return Frame{Format: Gray, Width: r.Dx(), Height: r.Dy(), Stride: g.Stride, Data: g.Pix}
}

// luma16 is color.GrayModel's luma of 16-bit premultiplied components, as a
// byte.
func luma16(r, g, b uint32) uint8 {
	return uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 24)
}

// Gray returns the frame's luma as an image; a Gray frame is shared, not
// copied, a YUYV frame is copied.
func (f Frame) Gray() (*image.Gray, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Format == Gray {
		return &image.Gray{Pix: f.Data, Stride: f.stride(), Rect: image.Rect(0, 0, f.Width, f.Height)}, nil
	}
	l := newLuminance(f)
	g := image.NewGray(image.Rect(0, 0, f.Width, f.Height))
	for y := 0; y < f.Height; y++ {
		l.row(y, g.Pix[y*g.Stride:y*g.Stride+f.Width])
	}
	return g, nil
}

// tail returns b[off:], or nil when off is out of range (a malformed image,
// which Validate then rejects).
func tail(b []byte, off int) []byte {
	if off < 0 || off > len(b) {
		return nil
	}
	return b[off:]
}
