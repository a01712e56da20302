package camera

import (
	"encoding/binary"

	"github.com/makiuchi-d/gozxing"
)

// ZXing's hybrid binarizer, computed straight on a luma plane. gozxing's
// HybridBinarizer reads the same pixels through a LuminanceSource (a copy of
// the frame), keeps the block black points as one slice per row and sets the
// result bit by bit through BitMatrix.Set: that was half the time of a mild
// frame. hybrid computes exactly the same matrix (TestHybridMatchesGozxing
// and FuzzHybrid compare them bit for bit) with the plane read in place,
// the black points in one flat byte slice, the bits of each 8-pixel block
// row put into the matrix's words at once and every buffer reused from frame
// to frame (scratch).

// Constants of ZXing's HybridBinarizer.
const (
	blockPower      = 3
	blockSize       = 1 << blockPower
	minDimension    = 5 * blockSize // below this, the global-histogram binarizer
	minDynamicRange = 24
)

// hybrid is a gozxing.Binarizer over a luma plane (one byte per pixel, rows
// stride bytes apart).
type hybrid struct {
	src    gozxing.LuminanceSource // what GetLuminanceSource returns; same pixels as plane
	plane  []byte
	stride int
	w, h   int
	sc     *scratch
	matrix *gozxing.BitMatrix
	global gozxing.Binarizer // GetBlackRow and images below minDimension
	// fill gives flat blocks their neighbours' black point (see
	// fillFlat): the edge-preserving variant, for frames the plain one
	// fails on.
	fill bool
}

var _ gozxing.Binarizer = (*hybrid)(nil)

// newHybrid returns the hybrid binarizer of src, whose pixels plane holds
// (w×h, rows stride bytes apart). sc provides the buffers; nil allocates.
func newHybrid(src gozxing.LuminanceSource, plane []byte, stride, w, h int, sc *scratch) *hybrid {
	if sc == nil {
		sc = new(scratch)
	}
	return &hybrid{src: src, plane: plane, stride: stride, w: w, h: h, sc: sc}
}

// hybridOf returns the hybrid binarizer of a luminance source: in place
// for our grey Luminance, through GetMatrix (a copy) for any other source.
func hybridOf(src gozxing.LuminanceSource, sc *scratch) *hybrid {
	w, h := src.GetWidth(), src.GetHeight()
	if l, ok := src.(*Luminance); ok && l.step == 1 {
		off := l.top*l.stride + l.left
		return newHybrid(src, l.data[off:], l.stride, w, h, sc)
	}
	return newHybrid(src, src.GetMatrix(), w, w, h, sc)
}

// GetLuminanceSource returns the source the binarizer was made from.
func (b *hybrid) GetLuminanceSource() gozxing.LuminanceSource { return b.src }

// GetWidth returns the image width.
func (b *hybrid) GetWidth() int { return b.w }

// GetHeight returns the image height.
func (b *hybrid) GetHeight() int { return b.h }

// CreateBinarizer returns a hybrid binarizer of another source (a crop or a
// rotation), with its own buffers.
func (b *hybrid) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return hybridOf(src, nil)
}

// GetBlackRow is ZXing's hybrid binarizer's row (inherited from the
// global-histogram binarizer: one-dimensional codes); the QR reader never
// asks for it.
func (b *hybrid) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	return b.globalBinarizer().GetBlackRow(y, row)
}

func (b *hybrid) globalBinarizer() gozxing.Binarizer {
	if b.global == nil {
		b.global = gozxing.NewGlobalHistgramBinarizer(b.src)
	}
	return b.global
}

// GetBlackMatrix binarizes the image once and returns the same matrix on
// every call.
func (b *hybrid) GetBlackMatrix() (*gozxing.BitMatrix, error) {
	if b.matrix != nil {
		return b.matrix, nil
	}
	if b.w < minDimension || b.h < minDimension {
		m, err := b.globalBinarizer().GetBlackMatrix()
		if err != nil {
			return nil, err
		}
		b.matrix = m
		return m, nil
	}
	subW := (b.w + blockSize - 1) >> blockPower
	subH := (b.h + blockSize - 1) >> blockPower
	points := b.blackPoints(subW, subH)
	if b.fill {
		fillFlat(points, b.sc.flat[:subW*subH], subW, subH)
	}
	b.matrix = b.threshold(points, subW, subH)
	return b.matrix, nil
}

// blackPoints returns each 8×8 block's black point: its mean, or for a
// block of little contrast half its minimum, raised to its upper and left
// neighbours' black points when those are above its minimum. Blocks at the
// right and bottom edges are shifted inside the image.
func (b *hybrid) blackPoints(subW, subH int) []uint8 {
	pts := growBytes(&b.sc.points, subW*subH)
	plane, stride := b.plane, b.stride
	maxX, maxY := b.w-blockSize, b.h-blockSize
	flatRange := minDynamicRange
	var flat []bool
	if b.fill {
		flat = growBools(&b.sc.flat, subW*subH)
	}
	for by := 0; by < subH; by++ {
		y0 := min(by<<blockPower, maxY)
		cur := pts[by*subW : (by+1)*subW]
		var up []uint8
		if by > 0 {
			up = pts[(by-1)*subW : by*subW]
		}
		for bx := 0; bx < subW; bx++ {
			x0 := min(bx<<blockPower, maxX)
			// The 8 rows of the block: sums, minima and maxima in 16-bit
			// lanes (even pixels, odd pixels), 8 pixels at a time, without
			// a branch.
			off := y0*stride + x0
			var sums, mx uint64
			mn := uint64(lanes)
			for range blockSize {
				v := binary.LittleEndian.Uint64(plane[off : off+8 : off+8])
				e, o := v&lanes, (v>>8)&lanes
				sums += e + o
				lo, hi := sort16(e, o)
				mn, mx = minMax16(mn, mx, lo, hi)
				off += stride
			}
			lo := int(min(uint16(mn), uint16(mn>>16), uint16(mn>>32), uint16(mn>>48)))
			hi := int(max(uint16(mx), uint16(mx>>16), uint16(mx>>32), uint16(mx>>48)))
			sum := int((sums * ones) >> 48)
			avg := sum >> (2 * blockPower)
			if flat != nil {
				flat[by*subW+bx] = hi-lo <= flatRange
			}
			if hi-lo <= flatRange {
				// A flat block: assume background (half its minimum), unless
				// its neighbours, already estimated, say it is darker than
				// the black point around it.
				avg = lo / 2
				if by > 0 && bx > 0 {
					nb := (int(up[bx]) + 2*int(cur[bx-1]) + int(up[bx-1])) / 4
					if lo < nb {
						avg = nb
					}
				}
			}
			cur[bx] = uint8(avg)
		}
	}
	return pts
}

// threshold sets the pixels at or below the mean of the black points of the
// 5×5 blocks around their block (clamped two blocks inside the image) and
// returns the matrix.
func (b *hybrid) threshold(pts []uint8, subW, subH int) *gozxing.BitMatrix {
	rowSize := (b.w + 31) / 32
	words := growWords(&b.sc.words, rowSize*b.h)
	clear(words)
	plane, stride := b.plane, b.stride
	maxX, maxY := b.w-blockSize, b.h-blockSize
	for by := 0; by < subH; by++ {
		y0 := min(by<<blockPower, maxY)
		top := min(max(by, 2), subH-3)
		r0 := pts[(top-2)*subW : (top-1)*subW]
		r1 := pts[(top-1)*subW : top*subW]
		r2 := pts[top*subW : (top+1)*subW]
		r3 := pts[(top+1)*subW : (top+2)*subW]
		r4 := pts[(top+2)*subW : (top+3)*subW]
		for bx := 0; bx < subW; bx++ {
			x0 := min(bx<<blockPower, maxX)
			left := min(max(bx, 2), subW-3)
			sum := 0
			for i := left - 2; i <= left+2; i++ {
				sum += int(r0[i]) + int(r1[i]) + int(r2[i]) + int(r3[i]) + int(r4[i])
			}
			t := sum / 25
			word, shift := x0>>5, uint(x0&31)
			off := y0*stride + x0
			wi := y0*rowSize + word
			for range blockSize {
				m := uint64(darkMask(plane[off:off+8:off+8], t)) << shift
				words[wi] |= uint32(m)
				if shift > 24 { // a block shifted inside the image straddles two words
					words[wi+1] |= uint32(m >> 32)
				}
				off += stride
				wi += rowSize
			}
		}
	}
	m := b.sc.bitMatrix(b.w, b.h)
	row := b.sc.bitRow(b.w)
	rb := row.GetBitArray()
	for y := 0; y < b.h; y++ {
		copy(rb, words[y*rowSize:(y+1)*rowSize])
		m.SetRow(y, row)
	}
	return m
}

// SWAR constants: 16-bit lanes.
const (
	lanes = 0x00ff00ff00ff00ff
	top16 = 0x8000800080008000
	bit8  = 0x0100010001000100
	ones  = 0x0001000100010001
)

// geLanes returns 0xffff in the 16-bit lanes (values 0..255) where x ≥ y,
// 0 elsewhere: bit 15 of (x|top16)-y is set exactly there, with no borrow
// between lanes.
func geLanes(x, y uint64) uint64 {
	return (((x | top16) - y) & top16) >> 15 * 0xffff
}

// sort16 returns the lane-wise minimum and maximum of x and y.
func sort16(x, y uint64) (lo, hi uint64) {
	ge := geLanes(x, y)
	return y&ge | x&^ge, x&ge | y&^ge
}

// minMax16 returns the lane-wise minimum of mn and lo and maximum of mx and
// hi.
func minMax16(mn, mx, lo, hi uint64) (uint64, uint64) {
	le := geLanes(lo, mn) // lanes where mn ≤ lo
	ge := geLanes(hi, mx) // lanes where hi ≥ mx
	return mn&le | lo&^le, hi&ge | mx&^ge
}

// darkMask returns bit i set when p[i] <= t (0 ≤ t ≤ 255), for 8 pixels,
// eight at a time: p[i] > t exactly when p[i] + (255-t) carries out of its
// byte. That carry is the majority of the two high bits and the carry into
// bit 7 of the low seven bits' sum (which cannot cross into the next
// byte); a multiplication gathers the eight bytes' carries into one byte
// (the partial products fall on distinct bits, so nothing carries).
func darkMask(p []byte, t int) uint32 {
	const (
		low7   = 0x7f7f7f7f7f7f7f7f
		high   = 0x8080808080808080
		gather = 0x0102040810204080 // bit 8i to bit 56+i
	)
	v := binary.LittleEndian.Uint64(p)
	k := uint64(255-t) * 0x0101010101010101
	s := v&low7 + k&low7
	light := (v&k | (v|k)&s) & high
	return uint32(^((light >> 7) * gather >> 56) & 0xff)
}
