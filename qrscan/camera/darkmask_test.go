package camera

import (
	"math/rand/v2"
	"testing"
)

// TestDarkMask: darkMask's bit i is p[i] <= t, for every threshold and
// every pixel value in every lane, and on random words.
func TestDarkMask(t *testing.T) {
	want := func(p []byte, th int) uint32 {
		var m uint32
		for i, v := range p[:8] {
			if int(v) <= th {
				m |= 1 << i
			}
		}
		return m
	}
	p := make([]byte, 8)
	for th := 0; th <= 255; th++ {
		for lane := range 8 {
			for v := 0; v <= 255; v++ {
				for i := range p {
					p[i] = byte(th) // every other lane at the threshold itself
				}
				p[lane] = byte(v)
				if got, w := darkMask(p, th), want(p, th); got != w {
					t.Fatalf("darkMask(%v, %d) = %08b, want %08b", p, th, got, w)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(8, 8))
	for range 200000 {
		for i := range p {
			p[i] = byte(r.IntN(256))
		}
		th := r.IntN(256)
		if got, w := darkMask(p, th), want(p, th); got != w {
			t.Fatalf("darkMask(%v, %d) = %08b, want %08b", p, th, got, w)
		}
	}
}
