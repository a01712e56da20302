package camera_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// gozxingMatrix is the reference: gozxing's HybridBinarizer over the frame.
func gozxingMatrix(f camera.Frame) (*gozxing.BitMatrix, error) {
	l, err := camera.NewLuminance(f)
	if err != nil {
		return nil, err
	}
	return gozxing.NewHybridBinarizer(l).GetBlackMatrix()
}

// sameMatrix reports where two matrices first differ ("" when equal).
func sameMatrix(got, want *gozxing.BitMatrix) string {
	if got.GetWidth() != want.GetWidth() || got.GetHeight() != want.GetHeight() {
		return fmt.Sprintf("size %d×%d, want %d×%d", got.GetWidth(), got.GetHeight(), want.GetWidth(), want.GetHeight())
	}
	for y := 0; y < got.GetHeight(); y++ {
		g, w := got.GetRow(y, nil).GetBitArray(), want.GetRow(y, nil).GetBitArray()
		for i := range w {
			if g[i] != w[i] {
				return fmt.Sprintf("row %d word %d: %032b, want %032b", y, i, g[i], w[i])
			}
		}
	}
	return ""
}

func grayFrame(w, h int, pix []byte) camera.Frame {
	return camera.Frame{Format: camera.Gray, Width: w, Height: h, Data: pix}
}

func noise(seed uint64, w, h int, lo, hi int) camera.Frame {
	r := rand.New(rand.NewPCG(seed, 7))
	p := make([]byte, w*h)
	for i := range p {
		p[i] = byte(lo + r.IntN(hi-lo+1))
	}
	return grayFrame(w, h, p)
}

// TestHybridMatchesGozxing checks that our binarizer gives gozxing's
// HybridBinarizer's matrix bit for bit: on the committed frames, generated
// mild and hard frames, crops at odd offsets and sizes (a stride wider than
// the row, blocks shifted inside the edges), YUYV, flat and low-contrast
// planes and images below the hybrid's 40-pixel minimum. One scratch serves
// every row, in an order that makes it grow and shrink.
func TestHybridMatchesGozxing(t *testing.T) {
	type row struct {
		name  string
		frame camera.Frame
	}
	var rows []row
	for _, name := range []string{"clean-480.png", "clean-960.png", "mild-1280x720.png", "hard-1280x720.png"} {
		img, _ := loadTestdata(t, name)
		rows = append(rows, row{name, camera.FromImage(img)})
	}
	mild, _ := loadTestdata(t, "mild-1280x720.png")
	n := uint64(3)
	if testing.Short() || raceEnabled {
		n = 1
	}
	for seed := uint64(1); seed <= n; seed++ {
		rows = append(rows,
			row{fmt.Sprintf("mild seed %d", seed), camera.FromImage(frame(t, base45Text(seed, 480), qrimage.Mild(seed)))},
			row{fmt.Sprintf("hard seed %d", seed), camera.FromImage(frame(t, base45Text(seed, 960), qrimage.Hard(seed)))})
	}
	flat := bytes.Repeat([]byte{128}, 64*48)
	dark := bytes.Repeat([]byte{3}, 64*48)
	rows = append(rows,
		row{"crop 1001×613 at 3,5 (stride 1280)", camera.FromImage(mild.SubImage(image.Rect(3, 5, 1004, 618)))},
		row{"crop 45×41 at 637,359", camera.FromImage(mild.SubImage(image.Rect(637, 359, 682, 400)))},
		row{"yuyv", toYUYV(mild, 2)},
		row{"noise 41×43", noise(1, 41, 43, 0, 255)},
		row{"noise 40×40 (the minimum)", noise(2, 40, 40, 0, 255)},
		row{"noise 1283×719", noise(3, 1283, 719, 0, 255)},
		row{"low contrast noise 97×65 (range 20)", noise(4, 97, 65, 100, 120)},
		row{"mixed contrast 200×100", func() camera.Frame {
			f := noise(5, 200, 100, 90, 110)
			for i := range f.Data {
				if (i%200)/50%2 == 1 {
					f.Data[i] = byte(int(f.Data[i]-90) * 12)
				}
			}
			return f
		}()},
		row{"flat 64×48", grayFrame(64, 48, flat)},
		row{"flat dark 64×48", grayFrame(64, 48, dark)},
		row{"39×39 (global histogram)", noise(6, 39, 39, 0, 255)},
		row{"1×1", grayFrame(1, 1, []byte{0})},
	)
	sc := new(camera.Scratch)
	for pass := range 2 { // the second pass reuses every buffer
		for _, tt := range rows {
			t.Run(fmt.Sprintf("%s/pass%d", tt.name, pass), func(t *testing.T) {
				want, werr := gozxingMatrix(tt.frame)
				got, gerr := camera.HybridMatrix(tt.frame, sc)
				if werr != nil || gerr != nil {
					var nf gozxing.NotFoundException
					if !errors.As(gerr, &nf) || !errors.As(werr, &nf) {
						t.Fatalf("errors %v, want %v", gerr, werr)
					}
					return
				}
				if d := sameMatrix(got, want); d != "" {
					t.Fatal(d)
				}
			})
		}
	}
}

// FuzzHybrid compares our binarizer with gozxing's on arbitrary planes.
func FuzzHybrid(f *testing.F) {
	f.Add([]byte{0, 255, 17, 200, 128}, uint8(41), uint8(43))
	f.Add([]byte{128}, uint8(64), uint8(48))
	f.Add([]byte{100, 110, 120, 105}, uint8(97), uint8(65))
	f.Add([]byte{0, 255}, uint8(39), uint8(39))
	f.Add([]byte{}, uint8(1), uint8(1))
	sc := new(camera.Scratch)
	f.Fuzz(func(t *testing.T, seed []byte, w, h uint8) {
		if len(seed) == 0 || w == 0 || h == 0 {
			return
		}
		p := make([]byte, int(w)*int(h))
		for i := range p {
			p[i] = seed[i%len(seed)] + byte(i/len(seed))
		}
		fr := grayFrame(int(w), int(h), p)
		want, werr := gozxingMatrix(fr)
		got, gerr := camera.HybridMatrix(fr, sc)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("errors %v, want %v", gerr, werr)
		}
		if werr == nil {
			if d := sameMatrix(got, want); d != "" {
				t.Fatal(d)
			}
		}
	})
}
