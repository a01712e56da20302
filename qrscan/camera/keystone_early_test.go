package camera_test

import (
	"fmt"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestKeystoneEarly: frames of strong perspective of the benchmark's
// generator (benchmarks/internal/corpus, family perspective: seed 800
// frames 1 and 7, seed 802 frame 9; a test text of 760 characters), whose
// halved frame shows no finder pattern triple but
// candidates whose module sizes differ as a strong keystone makes them,
// are read in the default order by StrategyKeystone right after
// StrategyHalf and StrategyResampleMean3's first stages, not after every
// other strategy (the 16th before, 27–84 ms of CPU on the benchmark's
// frames instead of 10–20).
func TestKeystoneEarly(t *testing.T) {
	readByAt(t, []qrimage.FrameOptions{
		{ModulePx: 4.964046973525495, Rotation: 228.94048516464986, Perspective: 41.69939611147221, Blur: 0.720453519424798, Noise: 2.3261754947588873, Contrast: 0.8105264461085834, JPEG: 85, Seed: 0xfc59313637ab87d1, Focal: 646.4870934993862},
		{ModulePx: 4.876651955562185, Rotation: 16.035185342968905, Perspective: 31.176691239581128, Blur: 0.6329082663897361, Noise: 2.4205193008865793, Contrast: 0.9332520045395835, JPEG: 85, Seed: 0xb7ae956a3ed30a5a, Focal: 715.4663716973348},
		{ModulePx: 5.641068576786845, Rotation: 183.21284792714195, Perspective: 28.12390635813737, Blur: 0.6060438243789082, Noise: 3.5736094374801004, Contrast: 0.8734034200451193, JPEG: 85, Seed: 0x56fd611d34ba2397, Focal: 677.9199267937911},
	}, 760, camera.StrategyKeystone, 3)
}

// TestMoveTo: a strategy moves to index at when it comes later, the
// others keeping their order, in a copy.
func TestMoveTo(t *testing.T) {
	const (
		h, m, p, k, f = camera.StrategyHalf, camera.StrategyResampleMean3, camera.StrategyPure, camera.StrategyKeystone, camera.StrategyFill
	)
	for _, c := range []struct {
		in   []camera.Strategy
		at   int
		want []camera.Strategy
	}{
		{[]camera.Strategy{h, m, p, f, k}, 2, []camera.Strategy{h, m, k, p, f}},
		{[]camera.Strategy{h, m, p, k, f}, 1, []camera.Strategy{h, k, m, p, f}},
		{[]camera.Strategy{h, k, m, p}, 2, []camera.Strategy{h, k, m, p}},
		{[]camera.Strategy{h, m, k}, 2, []camera.Strategy{h, m, k}},
		{[]camera.Strategy{h, m, p}, 1, []camera.Strategy{h, m, p}},
	} {
		in := append([]camera.Strategy(nil), c.in...)
		got := camera.MoveTo(in, k, c.at, make([]camera.Strategy, 0, len(in)))
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("moveTo(%v, keystone, %d) = %v, want %v", c.in, c.at, got, c.want)
		}
		if fmt.Sprint(in) != fmt.Sprint(c.in) {
			t.Errorf("moveTo(%v, keystone, %d) changed its input to %v", c.in, c.at, in)
		}
	}
}
