package credential_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
)

// Examples of RFC 9285 §4.3, plus edge cases.
var base45Vectors = []struct{ raw, enc string }{
	{"", ""},
	{"AB", "BB8"},
	{"Hello!!", "%69 VD92EX0"},
	{"base-45", "UJCLQE7W581"},
	{"ietf!", "QED8WEX0"},
	{"\x00", "00"},
	{"\xff", "U5"},
	{"\x00\x00", "000"},
	{"\xff\xff", "FGW"},
}

func TestBase45(t *testing.T) {
	for _, v := range base45Vectors {
		if got := string(credential.AppendBase45(nil, []byte(v.raw))); got != v.enc {
			t.Errorf("encode(%q) = %q, want %q", v.raw, got, v.enc)
		}
		got, err := credential.AppendBase45Decode(nil, v.enc)
		if err != nil || string(got) != v.raw {
			t.Errorf("decode(%q) = %q, %v", v.enc, got, err)
		}
		if n := credential.Base45DecodedLen(len(v.enc)); n != len(v.raw) {
			t.Errorf("DecodedLen(%d) = %d, want %d", len(v.enc), n, len(v.raw))
		}
	}
	// Appends to dst.
	if got, _ := credential.AppendBase45Decode([]byte("x"), "BB8"); string(got) != "xAB" {
		t.Errorf("append decode = %q", got)
	}
	if got := credential.AppendBase45([]byte("APCV1:"), []byte("AB")); string(got) != "APCV1:BB8" {
		t.Errorf("append encode = %q", got)
	}
}

func TestBase45Invalid(t *testing.T) {
	for _, tc := range []struct{ name, enc string }{
		{"length 1", "0"},
		{"length 4", "BB80"},
		{"lower case", "bb8"},
		{"character outside the alphabet", "BB#"},
		{"non-ASCII", "BB\xc3"},
		{"NUL", "BB\x00"},
		{"group overflows 0xffff", "GGW"},
		{"largest group", ":::"},
		{"last pair overflows 0xff", "V5"},
		{"largest pair", "::"},
		{"good then bad", "BB8GGW"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := credential.AppendBase45Decode([]byte("keep"), tc.enc)
			if !errors.Is(err, credential.ErrMalformed) {
				t.Errorf("decode(%q) err = %v", tc.enc, err)
			}
			if !bytes.HasPrefix(got, []byte("keep")) {
				t.Errorf("dst lost: %q", got)
			}
		})
	}
	if credential.Base45DecodedLen(4) != -1 || credential.Base45DecodedLen(5) != 3 {
		t.Error("Base45DecodedLen")
	}
}

// Every 16-bit value survives, and each has exactly one encoding.
func TestBase45Exhaustive(t *testing.T) {
	seen := map[string]bool{}
	for n := 0; n < 1<<16; n++ {
		b := []byte{byte(n >> 8), byte(n)}
		e := string(credential.AppendBase45(nil, b))
		if seen[e] {
			t.Fatalf("%q twice", e)
		}
		seen[e] = true
		d, err := credential.AppendBase45Decode(nil, e)
		if err != nil || !bytes.Equal(d, b) {
			t.Fatalf("%04x: %q → %x, %v", n, e, d, err)
		}
	}
}
