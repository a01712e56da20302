package camera

import (
	"math"
	"math/rand/v2"
	"testing"

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
