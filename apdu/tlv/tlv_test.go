package tlv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

type tlvRow struct {
	name string
	raw  []byte
	ok   bool
	tag  Tag    // when ok
	val  []byte // when ok
	rest []byte // when ok: what remains after ReadTLV
}

// tlvRows is the table for one ReadTLV; FuzzTLV is seeded with it.
var tlvRows = []tlvRow{
	{name: "1-byte tag", raw: h("84 02 A0 01"), ok: true, tag: 0x84, val: h("A001")},
	{name: "rest kept", raw: h("84 01 A0 50 00"), ok: true, tag: 0x84, val: h("A0"), rest: h("50 00")},
	{name: "2-byte tag 5F2D", raw: h("5F2D 02 6672"), ok: true, tag: 0x5F2D, val: h("6672")},
	{name: "2-byte tag 9F01 (EMV low number)", raw: h("9F01 01 AA"), ok: true, tag: 0x9F01, val: h("AA")},
	{name: "constructed 7F49 empty", raw: h("7F49 00"), ok: true, tag: 0x7F49, val: h("")},
	{name: "3-byte tag 9F8102", raw: h("9F8102 01 AA"), ok: true, tag: 0x9F8102, val: h("AA")},
	{name: "4-byte tag DF818202", raw: h("DF818202 00"), ok: true, tag: 0xDF818202, val: h("")},
	{name: "tag 00", raw: h("00 00"), ok: true, tag: 0x00, val: h("")},
	{name: "length 7F short form", raw: cat(h("53 7F"), seq(127)), ok: true, tag: 0x53, val: seq(127)},
	{name: "length 81 80", raw: cat(h("53 81 80"), seq(128)), ok: true, tag: 0x53, val: seq(128)},
	{name: "length 81 FF", raw: cat(h("53 81 FF"), seq(255)), ok: true, tag: 0x53, val: seq(255)},
	{name: "length 82 0100", raw: cat(h("53 82 0100"), seq(256)), ok: true, tag: 0x53, val: seq(256)},
	{name: "length 83 010000", raw: cat(h("53 83 010000"), seq(65536)), ok: true, tag: 0x53, val: seq(65536)},
	{name: "nested", raw: h("6F 07 84 02 A0 01 A5 01 00"), ok: true, tag: 0x6F, val: h("84 02 A0 01 A5 01 00")},

	{name: "empty", raw: nil},
	{name: "lone 1F", raw: h("1F")},
	{name: "truncated 2-byte tag", raw: h("5F")},
	{name: "truncated 3-byte tag", raw: h("9F 81")},
	{name: "tag with leading zero bits", raw: h("9F 80 01 01 00")},
	{name: "5-byte tag", raw: h("DF 81 82 83 04 00")},
	{name: "no length", raw: h("84")},
	{name: "indefinite length 80", raw: h("A5 80 84 00 00 00")},
	{name: "non-minimal 81 7F", raw: cat(h("53 81 7F"), seq(127))},
	{name: "non-minimal 81 00", raw: h("53 81 00")},
	{name: "non-minimal 82 00FF", raw: cat(h("53 82 00FF"), seq(255))},
	{name: "non-minimal 83 00FFFF", raw: cat(h("53 83 00FFFF"), seq(65535))},
	{name: "5 length bytes 85", raw: h("53 85 00 00 00 00 01 AA")},
	{name: "length past buffer", raw: h("84 03 01 02")},
	{name: "81 length past buffer", raw: cat(h("53 81 80"), seq(127))},
	{name: "truncated 82 length", raw: h("53 82 01")},
	{name: "84 length past buffer", raw: h("53 84 FF FF FF FF 00")},
}

func TestReadTLV(t *testing.T) {
	for _, tc := range tlvRows {
		t.Run(tc.name, func(t *testing.T) {
			s := String(tc.raw)
			var tag Tag
			var val String
			got := s.ReadTLV(&tag, &val)
			if got != tc.ok {
				t.Fatalf("ReadTLV(%.16X) = %v, want %v", tc.raw, got, tc.ok)
			}
			if !tc.ok {
				if !bytes.Equal(s, tc.raw) {
					t.Fatalf("failed ReadTLV advanced the String")
				}
				// Every reader agrees that it is malformed.
				var present bool
				s2 := String(tc.raw)
				if s2.SkipTLV() || (len(tc.raw) > 0 && s2.ReadOptionalTLV(&val, &present, tag0(tc.raw))) {
					t.Fatalf("SkipTLV/ReadOptionalTLV accepted what ReadTLV refused")
				}
				return
			}
			if tag != tc.tag || !bytes.Equal(val, tc.val) || !bytes.Equal(s, tc.rest) {
				t.Fatalf("ReadTLV = %s %.16X rest %X, want %s %.16X rest %X", tag, []byte(val), []byte(s), tc.tag, tc.val, tc.rest)
			}
			if cap(val) != len(val) {
				t.Fatalf("value capacity %d reaches past it (len %d)", cap(val), len(val))
			}
			// The Builder writes the same bytes back.
			b := NewBuilder(nil)
			b.AddTLVBytes(tag, val)
			b.AddBytes(s)
			out, err := b.Bytes()
			if err != nil || !bytes.Equal(out, tc.raw) {
				t.Fatalf("rebuilt %.16X, %v; want %.16X", out, err, tc.raw)
			}
		})
	}
}

// tag0 returns the first byte as a tag, good enough to aim
// ReadOptionalTLV at a malformed row's object.
func tag0(raw []byte) Tag {
	var t Tag
	if String(raw).PeekTag(&t) {
		return t
	}
	return Tag(raw[0])
}

func TestLength84(t *testing.T) {
	const n = 0x01000000 // the smallest length that needs 4 bytes
	raw := append(h("53 84 01000000"), make([]byte, n)...)
	s := String(raw)
	var tag Tag
	var val String
	if !s.ReadTLV(&tag, &val) || len(val) != n || !s.Empty() {
		t.Fatalf("84-form length not read: ok=%v len=%d", tag == 0x53, len(val))
	}
	var b Builder
	b.AddTLVBytes(0x53, val)
	out, err := b.Bytes()
	if err != nil || !bytes.Equal(out[:6], raw[:6]) || len(out) != len(raw) {
		t.Fatalf("Builder header %X, %v", out[:6], err)
	}
	if s := String(h("53 84 00FFFFFF")); s.SkipTLV() {
		t.Fatalf("non-minimal 84 form accepted")
	}
}

func TestReaders(t *testing.T) {
	fci := h("6F 0B 84 02 A0 01 A5 05 5F2D 02 6672 00 00")
	s := String(fci)

	var peek Tag
	if !s.PeekTag(&peek) || peek != 0x6F || !bytes.Equal(s, fci) {
		t.Fatalf("PeekTag = %s, advanced %v", peek, !bytes.Equal(s, fci))
	}
	var body, aid, prop, lang String
	var present bool
	if !s.ReadTagged(0x6F, &body) {
		t.Fatal("ReadTagged 6F")
	}
	if body.ReadTagged(0x85, &aid) {
		t.Fatal("ReadTagged accepted the wrong tag")
	}
	if !body.ReadOptionalTLV(&aid, &present, 0x84) || !present || !bytes.Equal(aid, h("A001")) {
		t.Fatalf("ReadOptionalTLV 84 = %X, %v", []byte(aid), present)
	}
	if !body.ReadOptionalTLV(&aid, &present, 0x88) || present {
		t.Fatalf("ReadOptionalTLV of an absent tag: present=%v", present)
	}
	if !body.ReadTagged(0xA5, &prop) || !prop.ReadTagged(0x5F2D, &lang) || string(lang) != "fr" || !prop.Empty() || !body.Empty() {
		t.Fatalf("nested read failed: lang %q", []byte(lang))
	}
	if !body.ReadOptionalTLV(&aid, &present, 0x84) || present {
		t.Fatal("ReadOptionalTLV on an empty String")
	}
	// Trailing ISO padding.
	if s.Empty() {
		t.Fatal("padding vanished")
	}
	s.SkipPadding()
	if !s.Empty() {
		t.Fatalf("SkipPadding left %X", []byte(s))
	}
	p := String(h("FF 00 84 00"))
	p.SkipPadding()
	var tag Tag
	if !p.ReadTag(&tag) || tag != 0x84 {
		t.Fatalf("after padding: %s", tag)
	}
	bad := String(h("1F"))
	if bad.PeekTag(&tag) || bad.ReadTag(&tag) || len(bad) != 1 {
		t.Fatal("invalid tag accepted")
	}
}

func TestTag(t *testing.T) {
	for _, tc := range []struct {
		tag         Tag
		len         int
		constructed bool
		class       int
		valid       bool
		str         string
	}{
		{0x00, 1, false, ClassUniversal, true, "00"},
		{0x84, 1, false, ClassContext, true, "84"},
		{0x6F, 1, true, ClassApplication, true, "6F"},
		{0xA5, 1, true, ClassContext, true, "A5"},
		{0x5F2D, 2, false, ClassApplication, true, "5F2D"},
		{0x7F49, 2, true, ClassApplication, true, "7F49"},
		{0xBF0C, 2, true, ClassContext, true, "BF0C"},
		{0x9F8102, 3, false, ClassContext, true, "9F8102"},
		{0xDF818202, 4, false, ClassPrivate, true, "DF818202"},
		{0x1F, 1, false, ClassUniversal, false, "1F"},       // needs a subsequent byte
		{0x5F80, 2, false, ClassApplication, false, "5F80"}, // subsequent byte says more follow
		{0x9F8001, 3, false, ClassContext, false, "9F8001"}, // leading zero bits
		{0x8401, 2, false, ClassContext, false, "8401"},     // 84 is a whole tag
		{0xDF8182, 3, false, ClassPrivate, false, "DF8182"}, // last byte has b8 set
	} {
		t.Run(tc.str, func(t *testing.T) {
			if got := tc.tag.Len(); got != tc.len {
				t.Errorf("Len = %d, want %d", got, tc.len)
			}
			if got := tc.tag.Constructed(); got != tc.constructed {
				t.Errorf("Constructed = %v", got)
			}
			if got := tc.tag.Class(); got != tc.class {
				t.Errorf("Class = %d, want %d", got, tc.class)
			}
			if got := tc.tag.Valid(); got != tc.valid {
				t.Errorf("Valid = %v", got)
			}
			if got := tc.tag.String(); got != tc.str {
				t.Errorf("String = %q", got)
			}
		})
	}
}

func TestBuilder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		inner int // value bytes inside the nested 53 object
		hdr   string
	}{
		{"outer 127 → 1-byte length", 125, "6F 7F 53 7D"},
		{"outer 128 → 81 80", 126, "6F 81 80 53 7E"},
		{"outer 255 → 81 FF", 252, "6F 81 FF 53 81 FC"},
		{"outer 256 → 82 0100", 253, "6F 82 0100 53 81 FD"},
		{"outer 65535 → 82 FFFF", 65531, "6F 82 FFFF 53 82 FFFB"},
		{"outer 65536 → 83 010000", 65532, "6F 83 010000 53 82 FFFC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := seq(tc.inner)
			b := NewBuilder(h("AA"))
			b.AddTLV(0x6F, func(b *Builder) {
				b.AddTLVBytes(0x53, v)
			})
			b.AddTLVBytes(0x84, h("01"))
			out, err := b.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			want := cat(h("AA"), h(tc.hdr), v, h("84 01 01"))
			if !bytes.Equal(out, want) {
				t.Fatalf("built %.24X…, want %.24X…", out, want)
			}
		})
	}

	t.Run("deep nesting", func(t *testing.T) {
		var b Builder
		b.AddTLV(0x6F, func(b *Builder) {
			b.AddTLVBytes(0x84, h("A0000000"))
			b.AddTLV(0xA5, func(b *Builder) {
				b.AddTLVBytes(0x50, []byte("ApCV"))
				b.AddTLV(0xBF0C, func(b *Builder) {
					b.AddTLVBytes(0x5F2D, []byte("fr"))
				})
			})
			b.AddTLV(0x7F49, func(*Builder) {})
		})
		out, err := b.Bytes()
		want := h("6F 19 84 04 A0000000 A5 0E 50 04 41704356 BF0C 05 5F2D 02 6672 7F49 00")
		if err != nil || !bytes.Equal(out, want) {
			t.Fatalf("built %X, %v; want %X", out, err, want)
		}
	})

	t.Run("invalid tag sticks", func(t *testing.T) {
		var b Builder
		b.AddTLVBytes(0x84, h("01"))
		b.AddTLVBytes(0x1F, h("02"))
		b.AddTLVBytes(0x84, h("03"))
		b.AddBytes(h("04"))
		out, err := b.Bytes()
		if !errors.Is(err, ErrInvalidTag) || out != nil || !strings.Contains(err.Error(), "tag 1F") {
			t.Fatalf("Bytes = %X, %v; want ErrInvalidTag", out, err)
		}
		if b.Err() != err {
			t.Fatal("Err differs from Bytes' error")
		}
	})

	t.Run("invalid nested tag sticks through the parent", func(t *testing.T) {
		var b Builder
		called := false
		b.AddTLV(0x6F, func(b *Builder) {
			b.AddTLV(0x9F80, func(*Builder) { called = true })
			b.AddTLVBytes(0x84, h("01"))
		})
		if _, err := b.Bytes(); !errors.Is(err, ErrInvalidTag) || called {
			t.Fatalf("err = %v, callback called = %v", err, called)
		}
	})

	t.Run("SetError keeps the first", func(t *testing.T) {
		var b Builder
		first, second := errors.New("first"), errors.New("second")
		b.AddTLV(0x6F, func(b *Builder) {
			b.SetError(first)
			b.SetError(second)
		})
		if _, err := b.Bytes(); err != first {
			t.Fatalf("err = %v, want first", err)
		}
	})
}

func TestFind(t *testing.T) {
	fci := h("6F 19 84 04 A0000000 A5 0E 50 04 41704356 BF0C 05 5F2D 02 6672 7F49 00")
	for _, tc := range []struct {
		name string
		in   []byte
		path []Tag
		want []byte
		err  error
		text string
	}{
		{"AID", fci, []Tag{0x6F, 0x84}, h("A0000000"), nil, ""},
		{"language, 4 levels", fci, []Tag{0x6F, 0xA5, 0xBF0C, 0x5F2D}, []byte("fr"), nil, ""},
		{"empty constructed", fci, []Tag{0x6F, 0x7F49}, []byte{}, nil, ""},
		{"top level only", fci, []Tag{0x6F}, fci[2:], nil, ""},
		{"missing", fci, []Tag{0x6F, 0x88}, nil, ErrNotFound, "tlv: find 6F/88: tlv: tag not found"},
		{"missing at top", fci, []Tag{0x70}, nil, ErrNotFound, "find 70"},
		{"through a primitive", fci, []Tag{0x6F, 0x84, 0x01}, nil, ErrNotFound, "84 is primitive"},
		{"malformed before the match", h("6F 05 84 09 00 00 00"), []Tag{0x6F, 0xA5}, nil, ErrMalformed, "malformed data object in 6F"},
		{"malformed top", h("6F 09 84"), []Tag{0x6F}, nil, ErrMalformed, "in top level"},
		{"empty path", fci, nil, nil, ErrNotFound, "empty path"},
		{"empty input", nil, []Tag{0x6F}, nil, ErrNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Find(tc.in, tc.path...)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.text) {
					t.Fatalf("Find error = %v, want %v saying %q", err, tc.err, tc.text)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("Find = %X, %v; want %X", got, err, tc.want)
			}
		})
	}
}
