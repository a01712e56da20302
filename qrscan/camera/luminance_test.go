package camera

import (
	"bytes"
	"errors"
	"testing"
)

// gradient returns w×h luma values y*w+x (mod 256).
func gradient(w, h int) []byte {
	b := make([]byte, w*h)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// layout places a compact plane into a frame of the given format and stride.
func layout(t *testing.T, plane []byte, w, h int, f Format, stride int) Frame {
	t.Helper()
	bpp := f.bytesPerPixel()
	data := make([]byte, stride*(h-1)+w*bpp)
	for i := range data {
		data[i] = 0xEE // padding and chroma: must never be read as luma
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			data[y*stride+x*bpp] = plane[y*w+x]
		}
	}
	return Frame{Format: f, Width: w, Height: h, Stride: stride, Data: data}
}

func TestLuminance(t *testing.T) {
	const w, h = 7, 5
	plane := gradient(w, h)
	tests := []struct {
		name   string
		format Format
		stride int
	}{
		{"gray compact", Gray, w},
		{"gray padded stride", Gray, w + 9},
		{"yuyv compact", YUYV, 2 * w},
		{"yuyv padded stride", YUYV, 2*w + 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLuminance(layout(t, plane, w, h, tt.format, tt.stride))
			if err != nil {
				t.Fatal(err)
			}
			if l.GetWidth() != w || l.GetHeight() != h {
				t.Fatalf("size %d×%d", l.GetWidth(), l.GetHeight())
			}
			if m := l.GetMatrix(); !bytes.Equal(m[:w*h], plane) {
				t.Fatalf("matrix %v, want %v", m[:w*h], plane)
			}
			for y := 0; y < h; y++ {
				row, err := l.GetRow(y, nil)
				if err != nil || !bytes.Equal(row[:w], plane[y*w:(y+1)*w]) {
					t.Fatalf("row %d = %v, %v", y, row, err)
				}
			}
			if _, err := l.GetRow(h, nil); err == nil {
				t.Fatal("row past the end: no error")
			}
			if _, err := l.GetRow(-1, nil); err == nil {
				t.Fatal("row -1: no error")
			}
			// Crop 1,2 4×3.
			c, err := l.Crop(1, 2, 4, 3)
			if err != nil {
				t.Fatal(err)
			}
			m := c.GetMatrix()
			for y := 0; y < 3; y++ {
				if !bytes.Equal(m[y*4:y*4+4], plane[(y+2)*w+1:(y+2)*w+5]) {
					t.Fatalf("crop row %d = %v", y, m[y*4:y*4+4])
				}
			}
			// Crop of a crop.
			cc, err := c.Crop(1, 1, 2, 2)
			if err != nil {
				t.Fatal(err)
			}
			if r, _ := cc.GetRow(1, nil); r[0] != plane[4*w+2] || r[1] != plane[4*w+3] {
				t.Fatalf("crop of crop row = %v", r[:2])
			}
			for _, bad := range [][4]int{{-1, 0, 2, 2}, {0, 0, w + 1, 1}, {6, 4, 2, 1}, {0, 0, 0, 1}} {
				if _, err := l.Crop(bad[0], bad[1], bad[2], bad[3]); err == nil {
					t.Errorf("crop %v: no error", bad)
				}
			}
			// Counter-clockwise rotation: (x, y) → (y, w-1-x).
			r, err := l.RotateCounterClockwise()
			if err != nil {
				t.Fatal(err)
			}
			if r.GetWidth() != h || r.GetHeight() != w {
				t.Fatalf("rotated %d×%d", r.GetWidth(), r.GetHeight())
			}
			rm := r.GetMatrix()
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					if got := rm[(w-1-x)*h+y]; got != plane[y*w+x] {
						t.Fatalf("rotated (%d,%d) = %d, want %d", x, y, got, plane[y*w+x])
					}
				}
			}
			inv := l.Invert().GetMatrix()
			if inv[3] != 255-plane[3] {
				t.Fatalf("inverted %d, want %d", inv[3], 255-plane[3])
			}
		})
	}
}

func TestLuminanceSharesGrayPlane(t *testing.T) {
	plane := gradient(8, 4)
	l, err := NewLuminance(Frame{Format: Gray, Width: 8, Height: 4, Data: plane})
	if err != nil {
		t.Fatal(err)
	}
	if m := l.GetMatrix(); &m[0] != &plane[0] {
		t.Fatal("a compact grey frame was copied")
	}
}

func TestFrameValidate(t *testing.T) {
	tests := []struct {
		name string
		f    Frame
		ok   bool
	}{
		{"gray exact", Frame{Format: Gray, Width: 4, Height: 2, Data: make([]byte, 8)}, true},
		{"gray last row short of stride", Frame{Format: Gray, Width: 4, Height: 2, Stride: 6, Data: make([]byte, 10)}, true},
		{"yuyv exact", Frame{Format: YUYV, Width: 4, Height: 2, Data: make([]byte, 16)}, true},
		{"max side", Frame{Format: Gray, Width: MaxSide, Height: 1, Data: make([]byte, MaxSide)}, true},
		{"no format", Frame{Width: 4, Height: 2, Data: make([]byte, 8)}, false},
		{"unknown format", Frame{Format: 9, Width: 4, Height: 2, Data: make([]byte, 8)}, false},
		{"zero width", Frame{Format: Gray, Height: 2, Data: make([]byte, 8)}, false},
		{"negative height", Frame{Format: Gray, Width: 4, Height: -2, Data: make([]byte, 8)}, false},
		{"too wide", Frame{Format: Gray, Width: MaxSide + 1, Height: 1, Data: make([]byte, MaxSide+1)}, false},
		{"short data", Frame{Format: Gray, Width: 4, Height: 2, Data: make([]byte, 7)}, false},
		{"yuyv short data", Frame{Format: YUYV, Width: 4, Height: 2, Data: make([]byte, 15)}, false},
		{"stride below width", Frame{Format: Gray, Width: 4, Height: 2, Stride: 3, Data: make([]byte, 8)}, false},
		{"nil data", Frame{Format: Gray, Width: 1, Height: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v is not ErrBadFrame", err)
			}
		})
	}
}
