package camera

import (
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

func TestPlausiblyPure(t *testing.T) {
	tests := []struct {
		file string
		crop image.Rectangle // empty: whole image
		want bool
	}{
		{"clean-480.png", image.Rectangle{}, true},
		{"clean-960.png", image.Rectangle{}, true},
		{"clean-960.png", image.Rect(0, 0, 300, 200), false}, // part of a code
		{"mild-1280x720.png", image.Rectangle{}, false},
		{"hard-1280x720.png", image.Rectangle{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.file+tt.crop.String(), func(t *testing.T) {
			f, err := os.Open("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			g := img.(*image.Gray)
			if !tt.crop.Empty() {
				g = g.SubImage(tt.crop).(*image.Gray)
			}
			bm, err := gozxing.NewBinaryBitmap(hybridOf(newLuminance(FromImage(g)), nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := plausiblyPure(bm); got != tt.want {
				t.Errorf("plausiblyPure = %v, want %v", got, tt.want)
			}
		})
	}
	white := make([]byte, 64*64)
	for i := range white {
		white[i] = 255
	}
	blank, _ := gozxing.NewBinaryBitmap(hybridOf(newLuminance(Frame{Format: Gray, Width: 64, Height: 64, Data: white}), nil))
	if plausiblyPure(blank) {
		t.Error("a white frame (no dark pixel) is pure")
	}
}
