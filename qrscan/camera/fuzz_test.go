package camera_test

import (
	"context"
	"errors"
	"testing"

	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// FuzzDecode feeds arbitrary frame geometry and bytes to Decode: it must
// return a text or one of its documented errors, never panic.
func FuzzDecode(f *testing.F) {
	img := cleanImage(f, base45Text(1, 40), 1)
	w := img.Rect.Dx()
	f.Add(img.Pix, uint8(camera.Gray), uint16(w), uint16(w), uint16(0))
	f.Add(img.Pix, uint8(camera.YUYV), uint16(w/2), uint16(w/2), uint16(0))
	f.Add(img.Pix, uint8(camera.Gray), uint16(w-1), uint16(w), uint16(w))
	f.Add([]byte{}, uint8(camera.Gray), uint16(0), uint16(0), uint16(0))
	f.Add([]byte{0, 255, 0, 255}, uint8(camera.Gray), uint16(2), uint16(2), uint16(1))
	f.Add([]byte{1, 2, 3}, uint8(9), uint16(1), uint16(1), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, format uint8, w, h, stride uint16) {
		fr := camera.Frame{Format: camera.Format(format), Width: int(w), Height: int(h), Stride: int(stride), Data: data}
		r, err := camera.DecodeWith(context.Background(), fr, camera.DecodeOptions{Budget: -1})
		switch {
		case err == nil:
			if r.Tried < 1 || r.Strategy == 0 {
				t.Fatalf("success without a strategy: %+v", r)
			}
		case errors.Is(err, camera.ErrBadFrame):
			if fr.Validate() == nil {
				t.Fatalf("ErrBadFrame for a valid frame: %v", err)
			}
		case errors.Is(err, qrscan.ErrNoCode):
		default:
			t.Fatalf("undocumented error %v", err)
		}
	})
}
