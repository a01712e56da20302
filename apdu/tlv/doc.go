// Package tlv parses and builds the BER-TLV data objects of ISO/IEC 7816-4
// (FCI templates, application data, the ApCV applet's responses), in the
// style of golang.org/x/crypto/cryptobyte but with multi-byte tags
// (5F2D, 7F49, 9F8102) held in a Tag.
//
// The two-line use:
//
//	s := tlv.String(data)
//	ok := s.ReadTagged(0x6F, &fci) && fci.ReadTagged(0x84, &aid) // advances only on success
//
// and to build:
//
//	var b tlv.Builder
//	b.AddTLV(0x6F, func(b *tlv.Builder) { b.AddTLVBytes(0x84, aid) })
//	out, err := b.Bytes()
//
// Parsing is strict (definite, minimal lengths of at most 4 bytes, lengths
// within the buffer, valid tags of at most 4 bytes) so that what parses
// rebuilds to the same bytes; see String. Nothing panics on bad input.
package tlv
