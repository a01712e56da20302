package apdu

import (
	"bytes"
	"testing"
)

// FuzzParseCommand checks that ParseCommand never panics and that whatever
// it accepts re-encodes (Append) to bytes that parse to the same Command.
func FuzzParseCommand(f *testing.F) {
	for _, row := range commandRows {
		f.Add(row.raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		if c.CLA != b[0] || c.INS != b[1] || c.P1 != b[2] || c.P2 != b[3] {
			t.Fatalf("header %X parsed as %02X %02X %02X %02X", b[:4], c.CLA, c.INS, c.P1, c.P2)
		}
		enc, err := c.Append(nil)
		if err != nil {
			t.Fatalf("Append of parsed %X: %v", b, err)
		}
		if len(enc) != c.EncodedLen() {
			t.Fatalf("EncodedLen %d, Append wrote %d", c.EncodedLen(), len(enc))
		}
		if len(enc) > len(b) {
			t.Fatalf("re-encoding %X grew to %X", b, enc)
		}
		back, err := ParseCommand(enc)
		if err != nil {
			t.Fatalf("ParseCommand(Append(ParseCommand(%X))) = %v", b, err)
		}
		if !commandEqual(c, back) {
			t.Fatalf("round trip of %X: %+v != %+v", b, c, back)
		}
		// The canonical encoding is a fixed point.
		if again, _ := back.Append(nil); !bytes.Equal(again, enc) {
			t.Fatalf("encoding not stable: %X then %X", enc, again)
		}
	})
}

// FuzzParseResponse checks ParseResponse never panics and round-trips.
func FuzzParseResponse(f *testing.F) {
	for _, row := range responseRows {
		f.Add(row.raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if err != nil {
			if len(b) >= 2 {
				t.Fatalf("ParseResponse(%X) = %v", b, err)
			}
			return
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatalf("round trip of %X gave %X", b, r.Bytes())
		}
		_ = r.Err() // must not panic
		if e := r.Err(); (e == nil) != (r.SW == SWSuccess) || (e != nil && e.Error() == "") {
			t.Fatalf("Err() for %04X = %v", r.SW, e)
		}
	})
}
