package camera

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// TestPairRegion: for two finder patterns of a code at any angle, size
// and place, the guessed region holds the whole code (its four corners,
// 3.5 modules beyond the finder centres) whichever two corners the pair
// is (top-left and top-right, top-left and bottom-left, the two
// opposite), as long as the region is not refused as too large.
func TestPairRegion(t *testing.T) {
	const w, h = 1280, 720
	r := rand.New(rand.NewPCG(17, 2))
	kept := 0
	for n := range 3000 {
		dim := 21 + 4*r.IntN(25)
		module := 1 + 3*r.Float64()
		angle := 2 * math.Pi * r.Float64()
		side := float64(dim-7) * module // between finder centres
		ux, uy := side*math.Cos(angle), side*math.Sin(angle)
		vx, vy := -uy, ux
		tlx, tly := 50+r.Float64()*(w-100), 50+r.Float64()*(h-100)
		centres := [4][2]float64{{tlx, tly}, {tlx + ux, tly + uy}, {tlx + ux + vx, tly + uy + vy}, {tlx + vx, tly + vy}} // tl, tr, br, bl
		for _, pair := range [][2]int{{0, 1}, {0, 3}, {1, 3}} {
			p := detector.NewFinderPattern(centres[pair[0]][0], centres[pair[0]][1], module, 3)
			q := detector.NewFinderPattern(centres[pair[1]][0], centres[pair[1]][1], module*1.1, 2)
			noise := detector.NewFinderPattern(r.Float64()*w, r.Float64()*h, module*3, 5) // a module size apart: never paired
			got, ok := pairRegion([]*detector.FinderPattern{noise, p, q}, 1, w, h)
			if !ok {
				continue
			}
			kept++
			// The code's corners, clamped to the frame.
			e := 3.5 * module / side
			for _, c := range [4][2]float64{{-e, -e}, {1 + e, -e}, {1 + e, 1 + e}, {-e, 1 + e}} {
				x := min(max(tlx+c[0]*ux+c[1]*vx, 0), w)
				y := min(max(tly+c[0]*uy+c[1]*vy, 0), h)
				if x < float64(got.x0) || x > float64(got.x1) || y < float64(got.y0) || y > float64(got.y1) {
					t.Fatalf("case %d, pair %v: code corner (%.0f, %.0f) outside the region %v", n, pair, x, y, got)
				}
			}
			if got.x0 < 0 || got.y0 < 0 || got.x1 > w || got.y1 > h || 2*got.dx()*got.dy() > w*h {
				t.Fatalf("case %d: region %v outside the frame or above half of it", n, got)
			}
		}
	}
	if kept < 1000 {
		t.Errorf("only %d regions kept of 9000", kept)
	}
	// No pair: one pattern, or two of unlike module sizes, or too close.
	one := detector.NewFinderPattern(300, 300, 4, 3)
	for _, cands := range [][]*detector.FinderPattern{
		nil,
		{one},
		{one, detector.NewFinderPattern(500, 300, 6, 3)},
		{one, detector.NewFinderPattern(330, 300, 4, 3)},
	} {
		if got, ok := pairRegion(cands, 1, w, h); ok {
			t.Errorf("%d candidates: region %v, want none", len(cands), got)
		}
	}
	// Found on a halved frame: the region is in the frame's pixels.
	p, q := detector.NewFinderPattern(100, 100, 2, 3), detector.NewFinderPattern(200, 100, 2, 3)
	half, ok1 := pairRegion([]*detector.FinderPattern{p, q}, 2, w, h)
	full, ok2 := pairRegion([]*detector.FinderPattern{detector.NewFinderPattern(200, 200, 4, 3), detector.NewFinderPattern(400, 200, 4, 3)}, 1, w, h)
	if !ok1 || !ok2 || half != full {
		t.Errorf("scale 2: %v %v, want %v %v", half, ok1, full, ok2)
	}
}
