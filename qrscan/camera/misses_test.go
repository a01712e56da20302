package camera_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
)

// TestNamedMisses: frames of the families issue 17 named, drawn by the
// benchmark's generator (benchmarks/internal/corpus, seed 7), each missed
// before: strong perspective (keystones of 25–35 %, the module sizes of the
// three finder patterns too different for gozxing, the fourth corner
// outside the parallelogram search, patterns squeezed beyond gozxing's
// cross-checks), 2-pixel modules (finder patterns
// that do not binarize into 1:1:3:1:1 runs at their own size) and low
// contrast in a low-contrast scene (the global stretch multiplies the
// noise too).
func TestNamedMisses(t *testing.T) {
	type row struct {
		name  string
		chars int
		o     qrimage.FrameOptions
	}
	tests := []row{
		{"perspective 31° at f 842", 760, qrimage.FrameOptions{ModulePx: 4.97, Rotation: 113.5, Perspective: 31.4, Blur: 0.78, Noise: 3.3, Contrast: 0.81, JPEG: 85, Seed: 0xe543e8205a854395, Focal: 842}},
		{"perspective 39° at f 793", 760, qrimage.FrameOptions{ModulePx: 5.49, Rotation: 186.6, Perspective: 38.7, Blur: 0.61, Noise: 3.6, Contrast: 0.87, JPEG: 85, Seed: 0x94e3e24c5cd086e2, Focal: 793}},
		{"perspective 31° at f 627", 480, qrimage.FrameOptions{ModulePx: 5.75, Rotation: 33.3, Perspective: 31.1, Blur: 0.62, Noise: 3.9, Contrast: 0.89, JPEG: 85, Seed: 0x4ef512943442851, Focal: 627}},
		{"perspective 42° at f 762", 480, qrimage.FrameOptions{ModulePx: 5.99, Rotation: 86.2, Perspective: 42.2, Blur: 0.66, Noise: 3.4, Contrast: 0.85, JPEG: 85, Seed: 0xe8c14985784b5cb3, Focal: 762}},
		{"perspective 32° at f 553", 480, qrimage.FrameOptions{ModulePx: 5.018975936040198, Rotation: 92.18423162736697, Perspective: 31.95315404686813, Blur: 0.7077188975113036, Noise: 2.9385509024437084, Contrast: 0.8985242013009668, JPEG: 85, Seed: 0xbb510f3cdebb5598, Focal: 552.9838549713215}},
		{"perspective 30° at f 778", 480, qrimage.FrameOptions{ModulePx: 5.291205506428824, Rotation: 236.5031667863935, Perspective: 30.484055927160327, Blur: 0.5937879624644729, Noise: 3.1721655735849703, Contrast: 0.8573932752099167, JPEG: 85, Seed: 0x345df814b2d98c17, Focal: 777.6090824533375}},
		{"2.05 px modules", 760, qrimage.FrameOptions{ModulePx: 2.05, Rotation: -8.9, Perspective: 0.8, Blur: 0.51, Noise: 2.5, Contrast: 0.81, JPEG: 85, Seed: 0x2bcb2db5c4859e6f}},
		{"2.03 px modules", 480, qrimage.FrameOptions{ModulePx: 2.03, Rotation: 13.9, Perspective: 4.8, Blur: 0.43, Noise: 2.2, Contrast: 0.9, JPEG: 85, Seed: 0xe86a413b54a77067}},
		{"2.11 px modules, 930 characters", 930, qrimage.FrameOptions{ModulePx: 2.107329747526823, Rotation: -4.889988281577056, Perspective: 4.688614275618674, Blur: 0.5363013281184097, Noise: 3.127473082360998, Contrast: 0.9424909935092898, JPEG: 85, Seed: 0x29741ef8b3df8df8}},
		{"2.02 px modules", 480, qrimage.FrameOptions{ModulePx: 2.0215004808069414, Rotation: 5.803934463275503, Perspective: 0.9567369735004012, Blur: 0.44400026238545653, Noise: 2.156018103792034, Contrast: 0.8415824200144209, JPEG: 85, Seed: 0x3485261e7544e8be}},
		{"contrast 0.19", 760, qrimage.FrameOptions{ModulePx: 5.968474062567036, Rotation: -12.144777259067926, Perspective: 0.9048565364163335, Blur: 0.6814734964130893, Noise: 2.5661257940081024, Contrast: 0.18745063545145013, JPEG: 85, Seed: 0x70ef26cf4692fcba}},
		{"contrast 0.18", 480, qrimage.FrameOptions{ModulePx: 4.321470392484398, Rotation: -1.8309877089445816, Perspective: 4.666141516524008, Blur: 0.7476040651347347, Noise: 3.2518572020796777, Contrast: 0.17590958069841778, JPEG: 85, Seed: 0x8366fc018a5a2030}},
		{"contrast 0.14", 480, qrimage.FrameOptions{ModulePx: 5.821708677622719, Rotation: 14.82652187117895, Perspective: 5.584012492338148, Blur: 0.6635802256813712, Noise: 2.1570219619913873, Contrast: 0.14378446372063713, JPEG: 85, Seed: 0xb04681c1fe31dff2}},
	}
	readRows(t, tests, func(r row) (string, string, qrimage.FrameOptions) {
		return r.name, base45Text(r.o.Seed, r.chars), r.o
	})
}
