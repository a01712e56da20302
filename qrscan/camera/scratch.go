package camera

import (
	"sync"

	"github.com/makiuchi-d/gozxing"
)

// scratch holds the buffers of one frame's decode, kept for the next frame:
// binarized matrices, black points, preprocessed planes. A 1280×720 frame
// needs about 115 KB per binarization and 0.9 MB per preprocessed plane;
// allocating them for every frame of a 30 fps stream was most of the
// decoder's garbage.
//
// Buffers are handed out in order during a frame (each binarization and
// each preprocessing step takes the next one) and all come back at reset:
// nothing handed out may outlive the frame's decode. A scratch is used by
// one decode at a time.
type scratch struct {
	points []uint8  // hybrid: block black points
	words  []uint32 // hybrid: matrix words before they go into a BitMatrix
	flat   []bool   // hybrid with fill: the blocks of little contrast
	row    *gozxing.BitArray

	mats     []*gozxing.BitMatrix
	nextMat  int
	planes   [][]byte
	nextPlan int
}

// reset makes every buffer available again (a new frame).
func (s *scratch) reset() {
	s.nextMat, s.nextPlan = 0, 0
}

// bitMatrix returns a w×h matrix whose contents are undefined (the caller
// overwrites every row).
func (s *scratch) bitMatrix(w, h int) *gozxing.BitMatrix {
	i := s.nextMat
	s.nextMat++
	if i < len(s.mats) && s.mats[i].GetWidth() == w && s.mats[i].GetHeight() == h {
		return s.mats[i]
	}
	m, _ := gozxing.NewBitMatrix(w, h) // w, h ≥ 1: the binarizer checked
	if i < len(s.mats) {
		s.mats[i] = m
	} else {
		s.mats = append(s.mats, m)
	}
	return m
}

// bitRow returns a row of exactly w bits.
func (s *scratch) bitRow(w int) *gozxing.BitArray {
	if s.row == nil || s.row.GetSize() != w {
		s.row = gozxing.NewBitArray(w)
	}
	return s.row
}

// plane returns a byte buffer of n bytes whose contents are undefined.
func (s *scratch) plane(n int) []byte {
	i := s.nextPlan
	s.nextPlan++
	if i == len(s.planes) {
		s.planes = append(s.planes, nil)
	}
	return growBytes(&s.planes[i], n)
}

func growBytes(b *[]byte, n int) []byte {
	if cap(*b) < n {
		*b = make([]byte, n)
	}
	return (*b)[:n]
}

func growBools(b *[]bool, n int) []bool {
	if cap(*b) < n {
		*b = make([]bool, n)
	}
	return (*b)[:n]
}

func growWords(b *[]uint32, n int) []uint32 {
	if cap(*b) < n {
		*b = make([]uint32, n)
	}
	return (*b)[:n]
}

// scratchPool serves DecodeWith, which has no Source to keep a scratch in.
var scratchPool = sync.Pool{New: func() any { return new(scratch) }}
