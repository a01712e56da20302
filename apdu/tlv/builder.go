package tlv

import "fmt"

// MaxValueLen is the longest value a Builder encodes (4 length bytes).
const MaxValueLen = 0xFFFFFFFF

// Builder builds BER-TLV data objects, nesting through callbacks:
//
//	var b tlv.Builder
//	b.AddTLV(0x6F, func(b *tlv.Builder) {
//		b.AddTLVBytes(0x84, aid)
//	})
//	out, err := b.Bytes()
//
// The length of a constructed object is written after its content is built,
// always in the minimal definite form, so the output is what String parses
// strictly. The first error (an invalid tag, a value too long) sticks: later
// calls do nothing and Bytes returns it. The zero Builder is ready to use.
type Builder struct {
	buf []byte
	err error
}

// NewBuilder returns a Builder that appends to buf (which may be nil or a
// reused buffer, e.g. buf[:0]).
func NewBuilder(buf []byte) *Builder { return &Builder{buf: buf} }

// Bytes returns the bytes built, or the first error met.
func (b *Builder) Bytes() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.buf, nil
}

// Err returns the first error met, if any.
func (b *Builder) Err() error { return b.err }

// SetError makes err the Builder's error, unless one is already set; use it
// from a callback that cannot produce its content.
func (b *Builder) SetError(err error) {
	if b.err == nil {
		b.err = err
	}
}

// AddBytes appends raw bytes, such as data objects encoded elsewhere.
func (b *Builder) AddBytes(v []byte) {
	if b.err != nil {
		return
	}
	b.buf = append(b.buf, v...)
}

// AddTLVBytes appends a data object with tag tag and value v.
func (b *Builder) AddTLVBytes(tag Tag, v []byte) {
	if b.err != nil {
		return
	}
	if !tag.Valid() {
		b.err = fmt.Errorf("tlv: build: tag %s: %w", tag, ErrInvalidTag)
		return
	}
	if uint64(len(v)) > MaxValueLen {
		b.err = fmt.Errorf("tlv: build: tag %s: %d value bytes: %w", tag, len(v), ErrTooLong)
		return
	}
	var l [1 + MaxLengthBytes]byte
	n := lenLen(len(v))
	putLen(l[:n], len(v))
	b.buf = appendTag(b.buf, tag)
	b.buf = append(b.buf, l[:n]...)
	b.buf = append(b.buf, v...)
}

// AddTLV appends a data object with tag tag whose value is what f adds to
// the Builder it is passed (normally a constructed tag holding nested data
// objects). The length is written once f returns.
func (b *Builder) AddTLV(tag Tag, f func(*Builder)) {
	if b.err != nil {
		return
	}
	if !tag.Valid() {
		b.err = fmt.Errorf("tlv: build: tag %s: %w", tag, ErrInvalidTag)
		return
	}
	b.buf = appendTag(b.buf, tag)
	b.buf = append(b.buf, 0) // length placeholder: one byte, the common case
	start := len(b.buf)
	f(b)
	if b.err != nil {
		return
	}
	vlen := len(b.buf) - start
	if uint64(vlen) > MaxValueLen {
		b.err = fmt.Errorf("tlv: build: tag %s: %d value bytes: %w", tag, vlen, ErrTooLong)
		return
	}
	n := lenLen(vlen)
	if n > 1 { // make room for the long form: shift the content right
		var pad [MaxLengthBytes]byte
		b.buf = append(b.buf, pad[:n-1]...)
		copy(b.buf[start+n-1:], b.buf[start:start+vlen])
	}
	putLen(b.buf[start-1:start-1+n], vlen)
}
