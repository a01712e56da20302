package camera_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestSmallModulesUp2: frames of modules of about 2 pixels of the
// benchmark's generator (benchmarks/internal/corpus, family
// small-modules: seed 800 frame 5, seed 801 frames 4 and 5; a test text
// of 760 characters), whose
// halved frame shows no finder pattern candidate at all, are read in the
// default order by StrategyUp2 right after StrategyHybrid, not after
// StrategyResampleMean3's wide searches, StrategyTryHarder,
// StrategyResample, StrategyMean3 and StrategyStretch.
func TestSmallModulesUp2(t *testing.T) {
	readByAt(t, []qrimage.FrameOptions{
		{ModulePx: 2.238828340253444, Rotation: 9.633758001352756, Perspective: 1.7501861739852813, Blur: 0.5425135226978945, Noise: 2.6376955423544937, Contrast: 0.9041770450314722, JPEG: 85, Seed: 0x3200151843162b00},
		{ModulePx: 2.0408525412132232, Rotation: 11.017448166071954, Perspective: 5.731553094536259, Blur: 0.5002265767825872, Noise: 2.47230760234467, Contrast: 0.8035893496505364, JPEG: 85, Seed: 0xb241e4f31de00f3b},
		{ModulePx: 2.188353076671893, Rotation: -10.682852170849065, Perspective: 3.4221695127990936, Blur: 0.5546520333835373, Noise: 3.0715562704013095, Contrast: 0.8572099691721934, JPEG: 85, Seed: 0xd6a344e8e9ebedb4},
	}, 760, camera.StrategyUp2, 6)
}
