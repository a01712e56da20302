package camera_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestWashedOutEarly: low-contrast frames of the benchmark's generator
// (benchmarks/internal/corpus, family low-contrast: seed 800 frames 1
// and 4, seed 801 frame 6; a test text of 760 characters), whose halved
// frame spans less than a quarter of the grey levels, are read in the
// default order by StrategyStretch right after StrategyHalf, not tenth
// (9.7 ms of CPU on the benchmark's frames read so instead of 3.7).
func TestWashedOutEarly(t *testing.T) {
	readByAt(t, []qrimage.FrameOptions{
		{ModulePx: 4.833009680647259, Rotation: 1.1508323014525956, Perspective: 3.6860110511496087, Blur: 0.5630865555331136, Noise: 2.2164017112289573, Contrast: 0.2082508664998977, JPEG: 85, Seed: 0x4a2dd99a6afca2a3},
		{ModulePx: 5.295420669514839, Rotation: 12.472090762776244, Perspective: 3.6393219859799437, Blur: 0.6698220327623633, Noise: 3.8222800131312082, Contrast: 0.232814931721254, JPEG: 85, Seed: 0x3fd9643f9e1ab3d0},
		{ModulePx: 4.8472517586444495, Rotation: 9.76486613862522, Perspective: 0.7699419202567157, Blur: 0.7601010264631871, Noise: 3.3846339673800125, Contrast: 0.220819244667315, JPEG: 85, Seed: 0xb1ca50f885b8fce6},
	}, 760, camera.StrategyStretch, 2)
}
