package camera_test

import (
	"context"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestLocatorDataPatterns: clean codes whose data holds a 1:1:3:1:1 run
// that gozxing's finder-pattern search confirms before it reaches the real
// bottom-left pattern; the search stops there with the wrong three and
// gozxing's QR reader misses the code (checked below, so that the rows keep
// exercising the bug). Our locator reads each without the pure strategy.
func TestLocatorDataPatterns(t *testing.T) {
	tests := []struct {
		seed uint64
		n    int // characters
	}{{3, 480}, {8, 700}, {82, 700}, {95, 700}, {65, 960}}
	for _, tt := range tests {
		text := base45Text(tt.seed, tt.n)
		img, sym, err := qrimage.Encode(text, qrimage.Options{ModulePx: 4})
		if err != nil {
			t.Fatal(err)
		}
		bm, _ := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
		if _, err := qrcode.NewQRCodeReader().Decode(bm, nil); err == nil {
			t.Errorf("seed %d, %d chars: gozxing's reader reads it: the row no longer tests the locator", tt.seed, tt.n)
		}
		for _, s := range []camera.Strategy{camera.StrategyHybrid, camera.StrategyTryHarder} {
			r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Strategies: []camera.Strategy{s}, Budget: -1})
			if err != nil || r.Text != text {
				t.Errorf("seed %d, %d chars (version %d), %v alone: %v", tt.seed, tt.n, sym.Version, s, err)
			}
		}
	}
}

// TestLocatorEmulatorCodes: every clean emulator code of every family size
// (1 to 6 beneficiaries, QR versions 13 to 22), at 2 to 6 pixels per
// module, in both polarities, is read by the locator alone — without the
// pure strategy, which only reads a code alone in its image. The texts are
// fresh each run (new keys and signatures): 6 × 12 codes.
func TestLocatorEmulatorCodes(t *testing.T) {
	counters := uint32(12)
	if testing.Short() || raceEnabled {
		counters = 3
	}
	for n := 1; n <= 6; n++ {
		w := testworld.New(n)
		for c := uint32(1); c <= counters; c++ {
			text, err := w.Held.PresentQR(w.Device, w.Now, c)
			if err != nil {
				t.Fatal(err)
			}
			px := 2 + int(c)%5
			for _, inv := range []bool{false, true} {
				img, sym, err := qrimage.Encode(text, qrimage.Options{ModulePx: px, Invert: inv})
				if err != nil {
					t.Fatal(err)
				}
				s := camera.StrategyHybrid
				if inv {
					s = camera.StrategyInverted
				}
				r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Strategies: []camera.Strategy{s}, Budget: -1})
				if err != nil || r.Text != text {
					t.Errorf("family %d, counter %d, version %d, %d px, inverted %v: %v alone: %v", n, c, sym.Version, px, inv, s, err)
				}
			}
		}
	}
}

// TestFoundCross: the integer 1:1:3:1:1 test agrees with gozxing's float one
// on every five runs of 0..40 pixels whose total is at most 80 (and on the
// boundary cases where the float module size is exact).
func TestFoundCross(t *testing.T) {
	c := make([]int, 5)
	n := 0
	var rec func(i, left int)
	rec = func(i, left int) {
		if i == 5 {
			n++
			if got, want := camera.FoundCross(c), detector.FinderPatternFinder_foundPatternCross(c); got != want {
				t.Fatalf("%v: %v, gozxing says %v", c, got, want)
			}
			return
		}
		for v := 0; v <= min(40, left); v++ {
			c[i] = v
			rec(i+1, left-v)
		}
	}
	rec(0, 80)
	if n < 1e6 {
		t.Fatalf("only %d cases", n)
	}
}
