package qrimage

import (
	"context"
	"image"
	"io"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// FrameSource returns a camera frame source that shows text in n generated
// frames (n ≤ 0: endless), the i-th (from 0) rendered with opts(i), then
// io.EOF; Mild and Hard fit as opts, the frame number as seed. It
// stands for a webcam in tests and demos: the SDK decodes these frames
// through the same path as a real camera's.
func FrameSource(text string, n int, opts func(i uint64) FrameOptions) (camera.FrameSource, error) {
	code, err := NewCode(text, Options{})
	if err != nil {
		return nil, err
	}
	return camera.Func(func(ctx context.Context, i int) (camera.Frame, error) {
		if n > 0 && i >= n {
			return camera.Frame{}, io.EOF
		}
		img, err := code.Frame(opts(uint64(i)))
		if err != nil {
			return camera.Frame{}, err
		}
		return camera.FromImage(img), nil
	}), nil
}

// BlankFrame returns a frame of the scene alone, without a phone: what the
// camera sees while nobody presents a code.
func BlankFrame(opts FrameOptions) (*image.Gray, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	w, h := opts.size()
	img := image.NewGray(image.Rect(0, 0, w, h))
	sc := newScene(w, h, newRand(opts.Seed))
	for i, v := range sc.pix {
		img.Pix[i] = clamp8(v)
	}
	return img, nil
}
