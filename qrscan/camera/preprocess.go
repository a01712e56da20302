package camera

import "encoding/binary"

// Rescue preprocessing. Each function reads a compact grey plane (w×h,
// stride w) and returns a new one; none modifies its input.

// mean3 returns the 3×3 box mean of src (edges replicated): it removes
// sensor noise and JPEG ringing at the cost of a little sharpness.
func mean3(src []byte, w, h int) []byte {
	return mean3Into(make([]byte, w*h), src, w, h)
}

// mean3Into is mean3 writing into dst (w×h bytes). Eight output pixels at
// a time: the column sums of three source rows in 16-bit lanes (even
// pixels, odd pixels), each lane plus its two neighbours, divided by 9 in
// 32-bit lanes; the pixels the words do not cover one at a time.
func mean3Into(dst, src []byte, w, h int) []byte {
	dst = dst[:w*h]
	if w < 3 || h < 3 {
		copy(dst, src)
		return dst
	}
	for y := 0; y < h; y++ {
		up, down := max(y-1, 0), min(y+1, h-1)
		r0, r1, r2 := src[up*w:up*w+w], src[y*w:y*w+w], src[down*w:down*w+w]
		o := dst[y*w : y*w+w]
		// colSums returns the column sums of pixels x..x+7: even ones,
		// odd ones.
		colSums := func(x int) (uint64, uint64) {
			a := binary.LittleEndian.Uint64(r0[x : x+8 : x+8])
			b := binary.LittleEndian.Uint64(r1[x : x+8 : x+8])
			c := binary.LittleEndian.Uint64(r2[x : x+8 : x+8])
			return a&lanes + b&lanes + c&lanes, (a>>8)&lanes + (b>>8)&lanes + (c>>8)&lanes
		}
		x := 0
		if w >= 16 {
			ev, od := colSums(0)
			left := ev << 48 // lane 3: the column left of pixel 0 (itself)
			for ; x+16 <= w; x += 8 {
				nev, nod := colSums(x + 8)
				sumEv := (od<<16 | left>>48) + ev + od // pixels x-1+2k, x+2k, x+1+2k
				sumOd := ev + od + (ev>>16 | nev<<48)  // pixels x+2k, x+1+2k, x+2+2k
				binary.LittleEndian.PutUint64(o[x:x+8:x+8], div9Lanes(sumEv)|div9Lanes(sumOd)<<8)
				left, ev, od = od, nev, nod
			}
		}
		col := func(x int) uint32 { return uint32(r0[x]) + uint32(r1[x]) + uint32(r2[x]) }
		for ; x < w; x++ {
			o[x] = uint8((col(max(x-1, 0)) + col(x) + col(min(x+1, w-1)) + 4) / 9)
		}
	}
	return dst
}

// div9Lanes returns (s+4)/9 in each 16-bit lane of s (0 ≤ s ≤ 2295): two
// lanes at a time in 32-bit lanes, (s+4)·7282 >> 16, exact below 9·256.
func div9Lanes(s uint64) uint64 {
	const (
		lanes32 = 0x0000ffff0000ffff
		four32  = 0x0000000400000004
	)
	lo := ((s&lanes32 + four32) * 7282 >> 16) & lanes32
	hi := (((s>>16)&lanes32 + four32) * 7282 >> 16) & lanes32
	return lo | hi<<16
}

// down2 halves both sides, averaging 2×2 blocks.
func down2(src []byte, w, h int) ([]byte, int, int) {
	return down2Into(make([]byte, (w/2)*(h/2)), src, w, w, h), w / 2, h / 2
}

// down2Into is down2 of a plane whose rows are stride bytes apart, into dst
// ((w/2)×(h/2) bytes). Four output pixels at a time: the byte pairs of two
// rows summed in 16-bit lanes, rounded, shifted and packed back to bytes.
func down2Into(dst, src []byte, stride, w, h int) []byte {
	dw, dh := w/2, h/2
	dst = dst[:dw*dh]
	for y := 0; y < dh; y++ {
		r0 := src[2*y*stride : 2*y*stride+2*dw]
		r1 := src[(2*y+1)*stride : (2*y+1)*stride+2*dw]
		o := dst[y*dw : (y+1)*dw]
		x := 0
		for ; x+4 <= dw; x += 4 {
			a := binary.LittleEndian.Uint64(r0[2*x:])
			b := binary.LittleEndian.Uint64(r1[2*x:])
			s := a&lanes + (a>>8)&lanes + b&lanes + (b>>8)&lanes // 4 sums ≤ 1020
			s = ((s + 2*ones) >> 2) & lanes
			s = (s | s>>8) & 0x0000ffff0000ffff
			s = (s | s>>16) & 0xffffffff
			binary.LittleEndian.PutUint32(o[x:], uint32(s))
		}
		for ; x < dw; x++ {
			s := uint16(r0[2*x]) + uint16(r0[2*x+1]) + uint16(r1[2*x]) + uint16(r1[2*x+1])
			o[x] = uint8((s + 2) / 4)
		}
	}
	return dst
}

// stretch maps the 1st..99th percentile of src linearly onto 0..255, so that
// a washed-out frame passes the binarizer's minimum-contrast test.
func stretch(src []byte) []byte { return stretchInto(make([]byte, len(src)), src) }

// stretchInto is stretch writing into dst (len(src) bytes).
func stretchInto(dst, src []byte) []byte {
	dst = dst[:len(src)]
	lo, hi := lumaRange(src)
	if hi <= lo {
		copy(dst, src)
		return dst
	}
	var lut [256]byte
	for i := range lut {
		v := (i - lo) * 255 / (hi - lo)
		lut[i] = uint8(min(max(v, 0), 255))
	}
	for i, v := range src {
		dst[i] = lut[v]
	}
	return dst
}

// lumaRange returns the 1st and the 99th percentiles of src's values.
func lumaRange(src []byte) (lo, hi int) {
	var hist [256]int
	for _, v := range src {
		hist[v]++
	}
	return percentile(&hist, len(src), 1), percentile(&hist, len(src), 99)
}

func percentile(hist *[256]int, n, pct int) int {
	target := n * pct / 100
	acc := 0
	for i, c := range hist {
		acc += c
		if acc > target {
			return i
		}
	}
	return 255
}

// rect is a pixel rectangle [x0,x1)×[y0,y1).
type rect struct{ x0, y0, x1, y1 int }

func (r rect) dx() int { return r.x1 - r.x0 }
func (r rect) dy() int { return r.y1 - r.y0 }

// busyRegion finds the region of dense local contrast: the QR code's
// modules make every 16×16 block inside it high-range, while a desk or a
// phone body has few such blocks. It returns the bounding box of the blocks
// whose neighbourhood is mostly busy, grown by a margin, and false when
// nothing stands out.
func busyRegion(src []byte, w, h int) (rect, bool) {
	const bs = 16
	bw, bh := w/bs, h/bs
	if bw < 3 || bh < 3 {
		return rect{}, false
	}
	rng := make([]int, bw*bh)
	maxRange := 0
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			lo, hi := 255, 0
			for y := by * bs; y < (by+1)*bs; y++ {
				for _, v := range src[y*w+bx*bs : y*w+(bx+1)*bs] {
					lo, hi = min(lo, int(v)), max(hi, int(v))
				}
			}
			rng[by*bw+bx] = hi - lo
			maxRange = max(maxRange, hi-lo)
		}
	}
	thr := max(maxRange/3, 12)
	busy := make([]bool, bw*bh)
	for i, r := range rng {
		busy[i] = r >= thr
	}
	box := rect{x0: bw, y0: bh, x1: -1, y1: -1}
	found := false
	for by := 1; by < bh-1; by++ {
		for bx := 1; bx < bw-1; bx++ {
			n := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if busy[(by+dy)*bw+bx+dx] {
						n++
					}
				}
			}
			if n >= 8 {
				found = true
				box.x0, box.y0 = min(box.x0, bx), min(box.y0, by)
				box.x1, box.y1 = max(box.x1, bx+1), max(box.y1, by+1)
			}
		}
	}
	if !found {
		return rect{}, false
	}
	const margin = 3 // blocks: the finder patterns sit at the busy area's edge
	r := rect{
		x0: max(0, (box.x0-margin)*bs), y0: max(0, (box.y0-margin)*bs),
		x1: min(w, (box.x1+margin)*bs), y1: min(h, (box.y1+margin)*bs),
	}
	if r.dx() >= w*9/10 && r.dy() >= h*9/10 {
		return rect{}, false // the whole frame: cropping would not help
	}
	return r, true
}

// crop copies rectangle r of src.
func crop(src []byte, w int, r rect) []byte {
	return cropInto(make([]byte, r.dx()*r.dy()), src, w, r)
}

// cropInto is crop into dst (r.dx()×r.dy() bytes).
func cropInto(dst, src []byte, w int, r rect) []byte {
	dst = dst[:r.dx()*r.dy()]
	for y := r.y0; y < r.y1; y++ {
		copy(dst[(y-r.y0)*r.dx():], src[y*w+r.x0:y*w+r.x1])
	}
	return dst
}

// up2Into doubles both sides of src (w×h) into dst ((2w)×(2h) bytes),
// bilinear with pixel centres kept in place: each output pixel is 3/4 of
// its source pixel and 1/4 of the neighbour on its side, in both
// directions (edges replicated). Modules of 2 pixels become 4, enough for
// the finder patterns' 1:1:3:1:1 runs to survive binarization.
func up2Into(dst, src []byte, w, h int) []byte {
	dw := 2 * w
	dst = dst[:dw*2*h]
	row := func(y int) []byte { return src[min(max(y, 0), h-1)*w:][:w] }
	for y := 0; y < h; y++ {
		cur := row(y)
		for half, nb := range [2][]byte{row(y - 1), row(y + 1)} {
			o := dst[(2*y+half)*dw:][:dw]
			for x := 0; x < w; x++ {
				// the column blend first (3:1 with the neighbour row), then
				// the row blend of the two columns around.
				c := 3*int(cur[x]) + int(nb[x])
				l := 3*int(cur[max(x-1, 0)]) + int(nb[max(x-1, 0)])
				r := 3*int(cur[min(x+1, w-1)]) + int(nb[min(x+1, w-1)])
				o[2*x] = uint8((3*c + l + 8) / 16)
				o[2*x+1] = uint8((3*c + r + 8) / 16)
			}
		}
	}
	return dst
}
