package camera

import "testing"

// TestFillFlat: a flat block takes the mean black point of the blocks of
// contrast within two blocks of it; one with none around keeps its own;
// blocks of contrast never change.
func TestFillFlat(t *testing.T) {
	const subW, subH = 6, 1
	pts := []uint8{10, 10, 10, 200, 100, 10}
	flat := []bool{true, true, true, false, false, true}
	fillFlat(pts, flat, subW, subH)
	want := []uint8{10, 200, 150, 200, 100, 150}
	for i := range want {
		if pts[i] != want[i] {
			t.Errorf("block %d: %d, want %d (all %v)", i, pts[i], want[i], pts)
		}
	}
}

// TestFillMatchesOutsideFlat: with no flat block, the filled binarization is
// the plain one bit for bit.
func TestFillMatchesOutsideFlat(t *testing.T) {
	const w, h = 64, 48
	p := make([]byte, w*h)
	for y := range h {
		for x := range w {
			if (x/3+y/5)%2 == 0 {
				p[y*w+x] = 30 + byte(x)
			} else {
				p[y*w+x] = 220 - byte(y)
			}
		}
	}
	l := newLuminance(Frame{Format: Gray, Width: w, Height: h, Data: p})
	plain, _ := newHybrid(l, p, w, w, h, nil).GetBlackMatrix()
	b := newHybrid(l, p, w, w, h, nil)
	b.fill = true
	filled, _ := b.GetBlackMatrix()
	for y := range h {
		for x := range w {
			if plain.Get(x, y) != filled.Get(x, y) {
				t.Fatalf("(%d, %d) differs", x, y)
			}
		}
	}
	for _, f := range b.sc.flat {
		if f {
			t.Fatal("a flat block in a checkerboard")
		}
	}
}
