package apdu

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// h decodes hex with optional spaces; it panics on bad test input.
func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// seq returns n bytes 0, 1, 2, ... (mod 256).
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

type commandRow struct {
	name string
	raw  []byte
	want Command // when err is empty
	err  string  // substring of the error, which must wrap ErrMalformed
}

// commandRows is the decoding table; the fuzz target is seeded with it.
var commandRows = []commandRow{
	{name: "case 1", raw: h("00 A4 04 00"), want: Command{INS: 0xA4, P1: 0x04}},
	{name: "case 2S Le=01", raw: h("00 B0 00 00 01"), want: Command{INS: 0xB0, Ne: 1}},
	{name: "case 2S Le=FF", raw: h("00 B0 00 00 FF"), want: Command{INS: 0xB0, Ne: 255}},
	{name: "case 2S Le=00 is 256", raw: h("00 B0 00 00 00"), want: Command{INS: 0xB0, Ne: 256}},
	{name: "case 3S Lc=01", raw: h("80 10 01 02 01 AA"), want: Command{CLA: 0x80, INS: 0x10, P1: 1, P2: 2, Data: h("AA")}},
	{name: "case 3S Lc=FF", raw: cat(h("00 D6 00 00 FF"), seq(255)), want: Command{INS: 0xD6, Data: seq(255)}},
	{name: "case 4S Lc=02 Le=00", raw: h("00 A4 04 00 02 3F 00 00"), want: Command{INS: 0xA4, P1: 4, Data: h("3F00"), Ne: 256}},
	{name: "case 4S Lc=FF Le=FF", raw: cat(h("00 88 00 00 FF"), seq(255), h("FF")), want: Command{INS: 0x88, Data: seq(255), Ne: 255}},
	{name: "case 2E Le=0101", raw: h("00 B0 00 00 00 01 01"), want: Command{INS: 0xB0, Ne: 257}},
	{name: "case 2E Le=0000 is 65536", raw: h("00 B0 00 00 00 00 00"), want: Command{INS: 0xB0, Ne: 65536}},
	{name: "case 2E Le=0001 (short would do)", raw: h("00 B0 00 00 00 00 01"), want: Command{INS: 0xB0, Ne: 1}},
	{name: "case 3E Lc=0100", raw: cat(h("00 D6 00 00 00 01 00"), seq(256)), want: Command{INS: 0xD6, Data: seq(256)}},
	{name: "case 3E Lc=0001 (short would do)", raw: h("00 D6 00 00 00 00 01 AA"), want: Command{INS: 0xD6, Data: h("AA")}},
	{name: "case 3E Lc=FFFF", raw: cat(h("00 D6 00 00 00 FF FF"), seq(65535)), want: Command{INS: 0xD6, Data: seq(65535)}},
	{name: "case 4E Lc=0100 Le=0000", raw: cat(h("00 2A 9E 9A 00 01 00"), seq(256), h("00 00")), want: Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: seq(256), Ne: 65536}},
	{name: "case 4E Lc=0001 Le=0101", raw: h("00 2A 00 00 00 00 01 AA 01 01"), want: Command{INS: 0x2A, Data: h("AA"), Ne: 257}},

	{name: "empty", raw: nil, err: "0 bytes, header needs 4"},
	{name: "3 bytes", raw: h("00 A4 04"), err: "3 bytes, header needs 4"},
	{name: "Lc=5 but 3 data bytes", raw: h("00 D6 00 00 05 01 02 03"), err: "Lc=5 but 3 data bytes"},
	{name: "Lc=3 but 5 bytes follow", raw: h("00 D6 00 00 03 01 02 03 04 05"), err: "Lc=3 but 5 data bytes"},
	{name: "Lc=FF one byte short", raw: cat(h("00 D6 00 00 FF"), seq(254)), err: "Lc=255 but 254 data bytes"},
	{name: "short Lc=00 with data", raw: h("00 D6 00 00 00 AA"), err: "extended length field truncated (2 of 3 bytes)"},
	{name: "extended Lc=0000 with data", raw: h("00 D6 00 00 00 00 00 AA"), err: "extended Lc=0 followed by 1 bytes"},
	{name: "extended Lc=0000 with Le", raw: h("00 D6 00 00 00 00 00 01 00"), err: "extended Lc=0 followed by 2 bytes"},
	{name: "case 3E truncated data", raw: cat(h("00 D6 00 00 00 01 00"), seq(255)), err: "extended Lc=256 but 255 data bytes"},
	{name: "case 4E truncated Le", raw: h("00 2A 00 00 00 00 02 AA BB 01"), err: "extended Lc=2 then 2 data bytes and a truncated Le"},
	{name: "case 4E trailing bytes", raw: h("00 2A 00 00 00 00 02 AA BB 01 02 03"), err: "extended Lc=2 but 5 data bytes"},
}

func TestParseCommand(t *testing.T) {
	for _, tc := range commandRows {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCommand(tc.raw)
			if tc.err != "" {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("ParseCommand(%X) error = %v, want ErrMalformed", tc.raw, err)
				}
				if !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %q does not say %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if !commandEqual(got, tc.want) {
				t.Fatalf("ParseCommand = %+v, want %+v", brief(got), brief(tc.want))
			}
		})
	}
}

func commandEqual(a, b Command) bool {
	return a.CLA == b.CLA && a.INS == b.INS && a.P1 == b.P1 && a.P2 == b.P2 &&
		a.Ne == b.Ne && bytes.Equal(a.Data, b.Data)
}

// brief shortens a Command for failure messages.
func brief(c Command) Command {
	if len(c.Data) > 8 {
		c.Data = c.Data[:8]
	}
	return c
}

func TestCommandAppend(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  Command
		want []byte
		ext  bool
	}{
		{"case 1", Command{CLA: 0x00, INS: 0xA4, P1: 4}, h("00 A4 04 00"), false},
		{"Ne 1", Command{INS: 0xB0, Ne: 1}, h("00 B0 00 00 01"), false},
		{"Ne 256 is short Le 00", Command{INS: 0xB0, Ne: 256}, h("00 B0 00 00 00"), false},
		{"Ne 257 is extended", Command{INS: 0xB0, Ne: 257}, h("00 B0 00 00 00 01 01"), true},
		{"Ne 65536 is Le 0000", Command{INS: 0xB0, Ne: 65536}, h("00 B0 00 00 00 00 00"), true},
		{"empty data is no Lc", Command{INS: 0xB0, Data: []byte{}, Ne: 2}, h("00 B0 00 00 02"), false},
		{"Lc 255 short", Command{INS: 0xD6, Data: seq(255)}, cat(h("00 D6 00 00 FF"), seq(255)), false},
		{"Lc 256 extended", Command{INS: 0xD6, Data: seq(256)}, cat(h("00 D6 00 00 00 01 00"), seq(256)), true},
		{"Lc 255 Ne 256 short", Command{INS: 0xD6, Data: seq(255), Ne: 256}, cat(h("00 D6 00 00 FF"), seq(255), h("00")), false},
		{"Lc 255 Ne 257 extended", Command{INS: 0xD6, Data: seq(255), Ne: 257}, cat(h("00 D6 00 00 00 00 FF"), seq(255), h("01 01")), true},
		{"Lc 1 Ne 65536", Command{INS: 0x2A, Data: h("AA"), Ne: 65536}, h("00 2A 00 00 00 00 01 AA 00 00"), true},
		{"Lc 65535", Command{INS: 0xD6, Data: seq(65535)}, cat(h("00 D6 00 00 00 FF FF"), seq(65535)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cmd.Extended(); got != tc.ext {
				t.Errorf("Extended() = %v, want %v", got, tc.ext)
			}
			if got := tc.cmd.EncodedLen(); got != len(tc.want) {
				t.Errorf("EncodedLen() = %d, want %d", got, len(tc.want))
			}
			prefix := h("CAFE")
			got, err := tc.cmd.Append(prefix)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if !bytes.Equal(got, cat(h("CAFE"), tc.want)) {
				t.Fatalf("Append = %X, want CAFE%X", got, tc.want)
			}
			b, err := tc.cmd.Bytes()
			if err != nil || !bytes.Equal(b, tc.want) {
				t.Fatalf("Bytes = %X, %v; want %X", b, err, tc.want)
			}
			back, err := ParseCommand(b)
			if err != nil || !commandEqual(back, tc.cmd) {
				t.Fatalf("ParseCommand(Bytes) = %+v, %v; want %+v", brief(back), err, brief(tc.cmd))
			}
		})
	}
}

func TestCommandAppendInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  Command
		err  string
	}{
		{"Ne -1", Command{Ne: -1}, "Ne=-1 out of range"},
		{"Ne 65537", Command{Ne: 65537}, "Ne=65537 out of range"},
		{"Data 65536", Command{Data: make([]byte, 65536)}, "65536 data bytes, more than 65535"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := h("01")
			got, err := tc.cmd.Append(dst)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("Append error = %v, want ErrMalformed saying %q", err, tc.err)
			}
			if !bytes.Equal(got, dst) {
				t.Fatalf("Append changed dst on error: %X", got)
			}
			if b, err := tc.cmd.Bytes(); err == nil || b != nil {
				t.Fatalf("Bytes = %X, %v; want nil and an error", b, err)
			}
		})
	}
}
