package camera

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestMean3(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		w, h int
		want []byte
	}{
		{"uniform stays", bytes.Repeat([]byte{77}, 12), 4, 3, bytes.Repeat([]byte{77}, 12)},
		{"single bright pixel spreads", []byte{0, 0, 0, 0, 90, 0, 0, 0, 0}, 3, 3, []byte{10, 10, 10, 10, 10, 10, 10, 10, 10}},
		{"too small is copied", []byte{1, 2}, 2, 1, []byte{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mean3(tt.src, tt.w, tt.h); !bytes.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestMean3Reference compares mean3 with the definition on random planes,
// edges and corners included.
func TestMean3Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for i, sz := range [][2]int{{3, 3}, {4, 7}, {17, 5}, {64, 48}, {15, 4}, {16, 3}, {23, 6}, {24, 5}, {31, 9}, {40, 4}, {16, 4}, {33, 5}} {
		w, h := sz[0], sz[1]
		src := make([]byte, w*h)
		for i := range src {
			src[i] = byte(r.IntN(256))
		}
		switch i {
		case 10: // steps between the extremes
			for j := range src {
				src[j] = byte(255 * (j / 3 % 2))
			}
		case 11: // the largest sums
			for j := range src {
				src[j] = 255
			}
		}
		got := mean3(src, w, h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				sum := 0
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						sum += int(src[min(max(y+dy, 0), h-1)*w+min(max(x+dx, 0), w-1)])
					}
				}
				if want := byte((sum + 4) / 9); got[y*w+x] != want {
					t.Fatalf("%d×%d at %d,%d: %d, want %d", w, h, x, y, got[y*w+x], want)
				}
			}
		}
	}
}

func TestDown2(t *testing.T) {
	src := []byte{
		0, 4, 8, 8, 9,
		4, 8, 8, 8, 9,
		1, 1, 1, 1, 1,
	}
	got, w, h := down2(src, 5, 3)
	if w != 2 || h != 1 || !bytes.Equal(got, []byte{4, 8}) {
		t.Fatalf("got %v %d×%d", got, w, h)
	}
}

// TestDown2Reference compares down2 with the definition on random planes
// of odd and even sides, through a stride wider than the row.
func TestDown2Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 2))
	for _, sz := range [][2]int{{2, 2}, {7, 3}, {8, 4}, {17, 9}, {131, 40}} {
		w, h := sz[0], sz[1]
		stride := w + 5
		src := make([]byte, stride*h)
		for i := range src {
			src[i] = byte(r.IntN(256))
		}
		got := down2Into(make([]byte, (w/2)*(h/2)), src, stride, w, h)
		for y := 0; y < h/2; y++ {
			for x := 0; x < w/2; x++ {
				s := int(src[2*y*stride+2*x]) + int(src[2*y*stride+2*x+1]) + int(src[(2*y+1)*stride+2*x]) + int(src[(2*y+1)*stride+2*x+1])
				if want := byte((s + 2) / 4); got[y*(w/2)+x] != want {
					t.Fatalf("%d×%d at %d,%d: %d, want %d", w, h, x, y, got[y*(w/2)+x], want)
				}
			}
		}
	}
}

func TestStretch(t *testing.T) {
	src := make([]byte, 1000)
	for i := range src {
		src[i] = byte(100 + i%21) // 100..120
	}
	got := stretch(src)
	lo, hi := 255, 0
	for _, v := range got {
		lo, hi = min(lo, int(v)), max(hi, int(v))
	}
	if lo != 0 || hi != 255 {
		t.Fatalf("stretched to %d..%d", lo, hi)
	}
	flat := bytes.Repeat([]byte{50}, 100)
	if got := stretch(flat); !bytes.Equal(got, flat) {
		t.Fatal("a flat image changed")
	}
}

func TestBusyRegion(t *testing.T) {
	const w, h = 320, 240
	src := bytes.Repeat([]byte{128}, w*h)
	// A 96×96 checkerboard of 4-px squares at (160, 64).
	for y := 64; y < 160; y++ {
		for x := 160; x < 256; x++ {
			if (x/4+y/4)%2 == 0 {
				src[y*w+x] = 20
			} else {
				src[y*w+x] = 230
			}
		}
	}
	r, ok := busyRegion(src, w, h)
	if !ok {
		t.Fatal("no region")
	}
	if r.x0 > 160 || r.y0 > 64 || r.x1 < 256 || r.y1 < 160 || r.dx() > 200 || r.dy() > 200 {
		t.Fatalf("region %+v does not frame the pattern tightly", r)
	}
	if c := crop(src, w, r); len(c) != r.dx()*r.dy() || c[(64-r.y0)*r.dx()+160-r.x0] != 20 {
		t.Fatal("crop misplaced")
	}
	if _, ok := busyRegion(bytes.Repeat([]byte{9}, w*h), w, h); ok {
		t.Fatal("a flat frame has a busy region")
	}
	if _, ok := busyRegion(src[:32*32], 32, 32); ok {
		t.Fatal("a tiny frame has a busy region")
	}
}

func TestUp2(t *testing.T) {
	// A 3×2 plane; every output pixel is (9·self + 3·row neighbour + 3·column
	// neighbour + diagonal) / 16, edges replicated.
	src := []byte{0, 160, 16, 64, 32, 240}
	w, h := 3, 2
	got := up2Into(make([]byte, 4*w*h), src, w, h)
	at := func(x, y int) int { return int(src[min(max(y, 0), h-1)*w+min(max(x, 0), w-1)]) }
	for y := 0; y < 2*h; y++ {
		for x := 0; x < 2*w; x++ {
			sx, sy := x/2, y/2
			nx, ny := sx-1+2*(x%2), sy-1+2*(y%2)
			want := (9*at(sx, sy) + 3*at(nx, sy) + 3*at(sx, ny) + at(nx, ny) + 8) / 16
			if int(got[y*2*w+x]) != want {
				t.Errorf("(%d,%d) = %d, want %d", x, y, got[y*2*w+x], want)
			}
		}
	}
}

// BenchmarkMean3 is the 3×3 mean of a 1280×720 plane.
func BenchmarkMean3(b *testing.B) {
	w, h := 1280, 720
	src := make([]byte, w*h)
	for i := range src {
		src[i] = byte(i * 7 % 251)
	}
	dst := make([]byte, w*h)
	b.SetBytes(int64(w * h))
	for b.Loop() {
		mean3Into(dst, src, w, h)
	}
}
