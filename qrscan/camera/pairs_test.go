package camera_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
)

// TestTwoPatterns: a frame of the small-modules family drawn by the
// benchmark's generator (benchmarks/internal/corpus; `go run
// ./benchmarks/cmd/peers -misses` printed its options: seed 101) that
// zxing-cpp and zbar read and we missed. In the region StrategyUp2
// doubles, blur closes the light ring of the top-right finder pattern
// (2.01-pixel modules): no cross-check confirms it, while the two others
// are confirmed on a dozen rows each; the pair gives the third centre.
func TestTwoPatterns(t *testing.T) {
	o := qrimage.FrameOptions{ModulePx: 2.013770050946302, Rotation: 0.9229835088625133, Perspective: 3.9455631400913527, Blur: 0.564327420686276, Noise: 3.501606659974759, Contrast: 0.939991491041095, JPEG: 85, Seed: 0x13647a5feb9458a}
	text := base45Text(1, 467)
	mustRead(t, text, o)
}
