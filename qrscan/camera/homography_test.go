package camera

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
)

// TestHomographyMatchesGozxing: quadToQuad maps points as gozxing's
// PerspectiveTransform does, for affine and projective quadrilaterals.
func TestHomographyMatchesGozxing(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		var q [8]float64
		for i := range q {
			q[i] = r.Float64() * 1000
		}
		if n%4 == 0 { // a parallelogram: the affine branch
			q[4], q[5] = q[2]+q[6]-q[0], q[3]+q[7]-q[1]
		}
		d := 3.5 + r.Float64()*100
		ours := quadToQuad(3.5, 3.5, d, 3.5, d, d, 3.5, d, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7])
		ref := common.PerspectiveTransform_QuadrilateralToQuadrilateral(3.5, 3.5, d, 3.5, d, d, 3.5, d, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7])
		for range 5 {
			x, y := r.Float64()*d, r.Float64()*d
			pts := []float64{x, y}
			ref.TransformPoints(pts)
			gx, gy := ours.apply(x, y)
			if math.Abs(gx-pts[0]) > 1e-6*max(1, math.Abs(pts[0])) || math.Abs(gy-pts[1]) > 1e-6*max(1, math.Abs(pts[1])) {
				t.Fatalf("quad %v, (%v, %v): ours (%v, %v), gozxing (%v, %v)", q, x, y, gx, gy, pts[0], pts[1])
			}
		}
	}
}

// TestCrossRun: the runs through a finder pattern's centre, in both
// directions, squeezed vertically to half (what a strong tilt does), and a
// row that is no pattern.
func TestCrossRun(t *testing.T) {
	// A 7×7 finder pattern at 4 px per module horizontally, 2 px
	// vertically, in a light 60×40 matrix.
	m, _ := gozxing.NewBitMatrix(60, 40)
	dark := func(mx, my int) bool {
		r := max(abs(mx-3), abs(my-3))
		return r != 2
	}
	for my := range 7 {
		for mx := range 7 {
			if !dark(mx, my) {
				continue
			}
			for y := 10 + 2*my; y < 12+2*my; y++ {
				for x := 10 + 4*mx; x < 14+4*mx; x++ {
					m.Set(x, y)
				}
			}
		}
	}
	cy, vTotal, ok := crossRun(m, 24, 17, false)
	if !ok || vTotal != 14 || cy != 17 {
		t.Errorf("vertical: centre %v, total %d, %v; want 17, 14, true", cy, vTotal, ok)
	}
	cx, hTotal, ok := crossRun(m, 24, 17, true)
	if !ok || hTotal != 28 || cx != 24 {
		t.Errorf("horizontal: centre %v, total %d, %v; want 24, 28, true", cx, hTotal, ok)
	}
	if _, _, ok := crossRun(m, 12, 11, true); ok {
		t.Error("a row through the pattern's top edge reads as a pattern")
	}
	cands := relaxedCandidates(m, 1)
	if len(cands) != 1 || math.Abs(cands[0].GetX()-24) > 1 || math.Abs(cands[0].GetY()-17) > 1 {
		t.Errorf("relaxed candidates %v, want one at (24, 17)", cands)
	}
}
