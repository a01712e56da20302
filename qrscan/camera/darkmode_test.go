package camera_test

import (
	"context"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestDarkModeMisses: dark-mode frames of the benchmark's generator
// (benchmarks/internal/corpus, family dark-mode) that no strategy read
// before StrategyHalfInverted and the negative's own binarization in
// StrategyInverted's rescue (issue 17): modules of about 4 pixels, 2 at
// half size, whose flipped binarization loses the dark quiet zone, while
// the negative binarizes as an ordinary code.
func TestDarkModeMisses(t *testing.T) {
	type row struct {
		name  string
		chars int
		o     qrimage.FrameOptions
	}
	tests := []row{
		{"4.14 px modules, seed 1796610443467530333 frame 10", 572, qrimage.FrameOptions{ModulePx: 4.144781964124408, Rotation: 1.5898630020655595, Perspective: 0.3913410530586727, Blur: 0.7244314249709111, Noise: 3.0950420198384507, Contrast: 0.8097064206454024, JPEG: 85, Seed: 0xc65a72f584d1c286, Invert: true}},
		{"4.16 px modules, seed 506 frame 6", 572, qrimage.FrameOptions{ModulePx: 4.15558478311191, Rotation: -1.8404069125040525, Perspective: 1.4939689332101413, Blur: 0.5058214051872751, Noise: 3.8480852541301998, Contrast: 0.8874733021840323, JPEG: 85, Seed: 0x601c84e88f6846ce, Invert: true}},
		{"4.25 px modules, seed 507 frame 2", 572, qrimage.FrameOptions{ModulePx: 4.252421726758845, Rotation: -2.481668902320104, Perspective: 3.2531234314700495, Blur: 0.7071618302985221, Noise: 2.3038680633126365, Contrast: 0.8046348107864381, JPEG: 85, Seed: 0x7a500be33c0de6b4, Invert: true}},
	}
	readRows(t, tests, func(r row) (string, string, qrimage.FrameOptions) {
		return r.name, base45Text(r.o.Seed, r.chars), r.o
	})
}

// TestDarkModeFast: in the default order a moderate dark-mode frame is
// read by StrategyHalfInverted, after StrategyHalf and
// StrategyResampleMean3's first stages (which find no finder pattern of
// ordinary polarity), not after every strategy of ordinary polarity as
// before (13 of them, 20–60 ms of CPU on the benchmark's frames).
func TestDarkModeFast(t *testing.T) {
	for i, px := range []float64{4.5, 5, 6} {
		text := base45Text(uint64(100+i), 760)
		img := frame(t, text, qrimage.FrameOptions{ModulePx: px, Rotation: 7, Perspective: 3, Blur: 0.6, Noise: 3, Contrast: 0.85, JPEG: 85, Invert: true, Seed: uint64(100 + i)})
		r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
		if err != nil || r.Text != text {
			t.Fatalf("%.1f px: not read: %v", px, err)
		}
		if r.Strategy != camera.StrategyHalfInverted || r.Tried > 3 {
			t.Errorf("%.1f px: read by %v after %d strategies, want %v among the first 3", px, r.Strategy, r.Tried, camera.StrategyHalfInverted)
		}
	}
}
