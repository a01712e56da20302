package tlv

// MaxLengthBytes is the most subsequent bytes of a long-form length this
// package accepts: 81 xx, 82 xxxx, 83 xxxxxx and 84 xxxxxxxx.
const MaxLengthBytes = 4

// String is a byte slice holding BER-TLV data objects, read from the front.
// Its Read methods report success as a bool and advance past what they read
// only on success: on failure the String is left unchanged, so calls chain
// with && (or || for alternatives) and end with Empty.
//
// The encoding accepted is the strict one ISO/IEC 7816-4 data objects use
// in practice and the Builder writes:
//   - tags of 1 to 4 bytes (see Tag.Valid);
//   - definite lengths only: the indefinite form (80) is rejected;
//   - the minimal length form only: 81 7F, 82 00FF and the like are
//     rejected, so that every accepted encoding is the one Builder writes
//     back (parse and rebuild round-trip byte for byte), and one value has
//     one encoding (what a signature covers is what was parsed);
//   - a length must fit in what remains of the String.
//
// Padding bytes 00 or FF between data objects, which ISO/IEC 7816-4
// tolerates, are not skipped implicitly: call SkipPadding where a card
// may send them.
type String []byte

// Empty reports whether s has nothing left to read.
func (s String) Empty() bool { return len(s) == 0 }

// peekTag decodes the tag at the front of s, returning it and its length
// in bytes, or n == 0 if s does not start with a valid tag.
func (s String) peekTag() (t Tag, n int) {
	if len(s) == 0 {
		return 0, 0
	}
	t = Tag(s[0])
	if s[0]&0x1F != 0x1F {
		return t, 1
	}
	for i := 1; ; i++ {
		if i >= len(s) || i >= MaxTagLen {
			return 0, 0
		}
		b := s[i]
		if i == 1 && b == 0x80 {
			return 0, 0 // leading zero bits in the tag number
		}
		t = t<<8 | Tag(b)
		if b&0x80 == 0 {
			return t, i + 1
		}
	}
}

// PeekTag sets *tag to the tag at the front of s without advancing, and
// reports whether s starts with a valid tag.
func (s String) PeekTag(tag *Tag) bool {
	t, n := s.peekTag()
	if n == 0 {
		return false
	}
	*tag = t
	return true
}

// ReadTag reads a tag into *tag and advances past it.
func (s *String) ReadTag(tag *Tag) bool {
	t, n := s.peekTag()
	if n == 0 {
		return false
	}
	*tag = t
	*s = (*s)[n:]
	return true
}

// readHeader decodes the tag and length at the front of s and checks the
// value fits; it returns the tag, the header length and the value length,
// with ok false on any malformation.
func (s String) readHeader() (t Tag, hdr, vlen int, ok bool) {
	t, n := s.peekTag()
	if n == 0 || n >= len(s) {
		return 0, 0, 0, false
	}
	b := s[n]
	n++
	switch {
	case b < 0x80:
		vlen = int(b)
	case b == 0x80: // indefinite length
		return 0, 0, 0, false
	default:
		k := int(b & 0x7F)
		if k > MaxLengthBytes || n+k > len(s) {
			return 0, 0, 0, false
		}
		if s[n] == 0 { // leading zero byte: not minimal
			return 0, 0, 0, false
		}
		var l uint64
		for _, c := range s[n : n+k] {
			l = l<<8 | uint64(c)
		}
		if k == 1 && l < 0x80 { // 81 00..7F: short form would do
			return 0, 0, 0, false
		}
		n += k
		if l > uint64(len(s)-n) {
			return 0, 0, 0, false
		}
		vlen = int(l)
	}
	if vlen > len(s)-n {
		return 0, 0, 0, false
	}
	return t, n, vlen, true
}

// ReadTLV reads one data object: its tag into *tag, its value into *val
// (aliasing s), and advances past it.
func (s *String) ReadTLV(tag *Tag, val *String) bool {
	t, hdr, vlen, ok := s.readHeader()
	if !ok {
		return false
	}
	*tag = t
	*val = (*s)[hdr : hdr+vlen : hdr+vlen]
	*s = (*s)[hdr+vlen:]
	return true
}

// ReadTagged reads one data object whose tag must be want, its value into
// *val, and advances past it. It fails (without advancing) if the next tag
// is another one.
func (s *String) ReadTagged(want Tag, val *String) bool {
	t, hdr, vlen, ok := s.readHeader()
	if !ok || t != want {
		return false
	}
	*val = (*s)[hdr : hdr+vlen : hdr+vlen]
	*s = (*s)[hdr+vlen:]
	return true
}

// ReadOptionalTLV reads the next data object into *val if its tag is tag,
// setting *present to true; if s is empty or starts with another tag it
// sets *present to false, leaves s as it is, and still succeeds. It fails
// only on a malformed data object with tag tag (or an invalid tag).
func (s *String) ReadOptionalTLV(val *String, present *bool, tag Tag) bool {
	if len(*s) == 0 {
		*present = false
		return true
	}
	var t Tag
	if !s.PeekTag(&t) {
		return false
	}
	if t != tag {
		*present = false
		return true
	}
	if !s.ReadTagged(tag, val) {
		return false
	}
	*present = true
	return true
}

// SkipTLV advances past one data object.
func (s *String) SkipTLV() bool {
	_, hdr, vlen, ok := s.readHeader()
	if !ok {
		return false
	}
	*s = (*s)[hdr+vlen:]
	return true
}

// SkipPadding advances past any 00 or FF bytes, the padding ISO/IEC 7816-4
// allows before, between and after data objects. Use it only where the
// card may pad: 00 is otherwise a valid (universal) tag.
func (s *String) SkipPadding() {
	i := 0
	for i < len(*s) && ((*s)[i] == 0x00 || (*s)[i] == 0xFF) {
		i++
	}
	*s = (*s)[i:]
}
