package tlv

import (
	"bytes"
	"testing"
)

// node is a parsed data object; children is set when the tag is
// constructed and its value parses as data objects.
type node struct {
	tag      Tag
	val      []byte
	children []node
	nested   bool
}

// parseAll reads s as a sequence of data objects, descending into
// constructed ones whose value is itself well formed.
func parseAll(s String, depth int) ([]node, bool) {
	var out []node
	for !s.Empty() {
		var n node
		var v String
		if !s.ReadTLV(&n.tag, &v) {
			return nil, false
		}
		n.val = v
		if n.tag.Constructed() && depth < 32 {
			n.children, n.nested = parseAll(v, depth+1)
		}
		out = append(out, n)
	}
	return out, true
}

func buildAll(b *Builder, nodes []node) {
	for _, n := range nodes {
		if n.nested {
			b.AddTLV(n.tag, func(b *Builder) { buildAll(b, n.children) })
		} else {
			b.AddTLVBytes(n.tag, n.val)
		}
	}
}

// FuzzTLV checks that no reader panics and that whatever parses as a
// sequence of data objects is rebuilt by Builder to the very same bytes.
func FuzzTLV(f *testing.F) {
	for _, row := range tlvRows {
		f.Add(row.raw)
	}
	f.Add(fixture300())
	f.Fuzz(func(t *testing.T, in []byte) {
		// The single-object readers agree with each other.
		s := String(in)
		var tag, peek Tag
		var val String
		var present bool
		okPeek := s.PeekTag(&peek)
		okRead := s.ReadTLV(&tag, &val)
		if okRead && (!okPeek || peek != tag) {
			t.Fatalf("ReadTLV tag %s but PeekTag %s/%v", tag, peek, okPeek)
		}
		if !okRead && !bytes.Equal(s, in) {
			t.Fatal("failed ReadTLV advanced")
		}
		s2 := String(in)
		if s2.SkipTLV() != okRead {
			t.Fatal("SkipTLV disagrees with ReadTLV")
		}
		if okPeek {
			s3 := String(in)
			if s3.ReadOptionalTLV(&val, &present, peek) != okRead || present != okRead {
				t.Fatal("ReadOptionalTLV disagrees with ReadTLV")
			}
		}
		if okRead && !tag.Valid() {
			t.Fatalf("read invalid tag %s", tag)
		}
		_, _ = Find(in, 0x6F, 0xA5, 0x5F2D)

		nodes, ok := parseAll(String(in), 0)
		if !ok {
			return
		}
		var b Builder
		buildAll(&b, nodes)
		out, err := b.Bytes()
		if err != nil {
			t.Fatalf("rebuilding %X: %v", in, err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("round trip\n %X\ngave\n %X", in, out)
		}
	})
}
