package link

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes "02 00 a4" (spaces allowed).
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// withCRC returns body followed by its CRC_A.
func withCRC(t testing.TB, body string) []byte {
	return appendCRC(unhex(t, body), 0)
}

func TestCRCA(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // as sent: low byte first
	}{
		{"ISO 14443-3 Annex B 00 00", "00 00", "A0 1E"},
		{"ISO 14443-3 Annex B 12 34", "12 34", "26 CF"},
		{"check string 123456789", hex.EncodeToString([]byte("123456789")), "05 BF"},
		{"RATS FSDI 8", "E0 80", "31 73"},
		{"empty", "", "63 63"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := unhex(t, tt.data)
			got := appendCRC(append([]byte(nil), data...), 0)[len(data):]
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Errorf("CRC_A(% X) = % X, want % X", data, got, want)
			}
		})
	}
}

func TestCheckCRC(t *testing.T) {
	tests := []struct {
		name    string
		frame   []byte
		wantErr error
	}{
		{"good", withCRC(t, "A2"), nil},
		{"empty", nil, ErrShortFrame},
		{"CRC only", unhex(t, "63 63"), ErrShortFrame},
		{"flipped data bit", unhex(t, "A3 31 73"), ErrBadCRC},
		{"flipped CRC bit", func() []byte { f := withCRC(t, "A2"); f[2] ^= 0x80; return f }(), ErrBadCRC},
		{"CRC bytes swapped", func() []byte { f := withCRC(t, "0A 0B"); f[2], f[3] = f[3], f[2]; return f }(), ErrBadCRC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkCRC(tt.frame)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("checkCRC(% X) = %v, want %v", tt.frame, err, tt.wantErr)
			}
		})
	}
}

// blockRows are the frame decoder's table, also the fuzz seeds.
func blockRows(t testing.TB) []struct {
	name    string
	frame   []byte
	want    Block
	wantErr error
} {
	return []struct {
		name    string
		frame   []byte
		want    Block
		wantErr error
	}{
		{"I block 0", withCRC(t, "02 00 A4 04 00"), Block{Kind: KindI, INF: unhex(t, "00 A4 04 00")}, nil},
		{"I block 1 chaining", withCRC(t, "13 01 02"), Block{Kind: KindI, Num: 1, Chain: true, INF: unhex(t, "01 02")}, nil},
		{"I block empty INF", withCRC(t, "03"), Block{Kind: KindI, Num: 1}, nil},
		{"I block CID 5 power 2", withCRC(t, "0A 85 90 00"), Block{Kind: KindI, HasCID: true, CID: 5, Power: 2, INF: unhex(t, "90 00")}, nil},
		{"I block CID and NAD", withCRC(t, "0E 01 21 AA"), Block{Kind: KindI, HasCID: true, CID: 1, HasNAD: true, NAD: 0x21, INF: unhex(t, "AA")}, nil},
		{"R(ACK) 0", withCRC(t, "A2"), Block{Kind: KindR}, nil},
		{"R(ACK) 1 CID 14", withCRC(t, "AB 0E"), Block{Kind: KindR, Num: 1, HasCID: true, CID: 14}, nil},
		{"R(NAK) 1", withCRC(t, "B3"), Block{Kind: KindR, Num: 1, NAK: true}, nil},
		{"S(DESELECT)", withCRC(t, "C2"), Block{Kind: KindS, S: SDeselect}, nil},
		{"S(DESELECT) CID 3", withCRC(t, "CA 03"), Block{Kind: KindS, S: SDeselect, HasCID: true, CID: 3}, nil},
		{"S(WTX) 1", withCRC(t, "F2 01"), Block{Kind: KindS, S: SWTX, WTXM: 1}, nil},
		{"S(WTX) 59 power 1 CID 2", withCRC(t, "FA 02 7B"), Block{Kind: KindS, S: SWTX, HasCID: true, CID: 2, WTXM: 59, WTXPower: 1}, nil},

		{"empty", nil, Block{}, ErrShortFrame},
		{"one byte", unhex(t, "02"), Block{}, ErrShortFrame},
		{"CRC only", unhex(t, "63 63"), Block{}, ErrShortFrame},
		{"bad CRC", unhex(t, "02 00 00"), Block{}, ErrBadCRC},
		{"PCB 00", withCRC(t, "00"), Block{}, ErrUnknownPCB},
		{"PCB 22 (I with b6 set)", withCRC(t, "22"), Block{}, ErrUnknownPCB},
		{"PCB A6 (R with NAD bit)", withCRC(t, "A6"), Block{}, ErrUnknownPCB},
		{"PCB E2 (S PARAMETERS)", withCRC(t, "E2"), Block{}, ErrUnknownPCB},
		{"PCB D2 (S RFU)", withCRC(t, "D2"), Block{}, ErrUnknownPCB},
		{"PCB C3 (S with b1)", withCRC(t, "C3"), Block{}, ErrUnknownPCB},
		{"PCB FF", withCRC(t, "FF"), Block{}, ErrUnknownPCB},
		{"RATS is no block", withCRC(t, "E0 80"), Block{}, ErrUnknownPCB},
		{"CID byte missing", withCRC(t, "0A"), Block{}, ErrShortFrame},
		{"CID 15", withCRC(t, "AA 0F"), Block{}, ErrMalformed},
		{"CID RFU bits", withCRC(t, "AA 10"), Block{}, ErrMalformed},
		{"NAD missing", withCRC(t, "06"), Block{}, ErrShortFrame},
		{"R block with INF", withCRC(t, "A2 00"), Block{}, ErrMalformed},
		{"S(DESELECT) with INF", withCRC(t, "C2 00"), Block{}, ErrMalformed},
		{"S(WTX) without INF", withCRC(t, "F2"), Block{}, ErrMalformed},
		{"S(WTX) two INF bytes", withCRC(t, "F2 01 01"), Block{}, ErrMalformed},
		{"S(WTX) WTXM 0", withCRC(t, "F2 00"), Block{}, ErrMalformed},
		{"S(WTX) WTXM 60", withCRC(t, "F2 3C"), Block{}, ErrMalformed},
	}
}

func TestParseBlock(t *testing.T) {
	for _, tt := range blockRows(t) {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBlock(tt.frame)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseBlock(% X) error = %v, want %v", tt.frame, err, tt.wantErr)
			}
			if err != nil {
				if got.Kind != 0 {
					t.Errorf("ParseBlock(% X) returned %+v with its error", tt.frame, got)
				}
				return
			}
			if !blocksEqual(got, tt.want) {
				t.Errorf("ParseBlock(% X) = %+v, want %+v", tt.frame, got, tt.want)
			}
			back, err := got.Append(nil)
			if err != nil || !bytes.Equal(back, tt.frame) {
				t.Errorf("Append(%+v) = % X, %v, want % X", got, back, err, tt.frame)
			}
		})
	}
}

func blocksEqual(a, b Block) bool {
	ai, bi := a.INF, b.INF
	a.INF, b.INF = nil, nil
	return reflect.DeepEqual(a, b) && bytes.Equal(ai, bi)
}

func TestBlockAppendRejects(t *testing.T) {
	tests := []struct {
		name string
		b    Block
	}{
		{"no kind", Block{}},
		{"kind 9", Block{Kind: 9}},
		{"block number 2", Block{Kind: KindI, Num: 2}},
		{"CID 15", Block{Kind: KindR, HasCID: true, CID: 15}},
		{"power 4", Block{Kind: KindR, HasCID: true, Power: 4}},
		{"R with INF", Block{Kind: KindR, INF: []byte{1}}},
		{"R with NAD", Block{Kind: KindR, HasNAD: true}},
		{"S without command", Block{Kind: KindS}},
		{"S with NAD", Block{Kind: KindS, S: SDeselect, HasNAD: true}},
		{"S(WTX) WTXM 0", Block{Kind: KindS, S: SWTX}},
		{"S(WTX) WTXM 60", Block{Kind: KindS, S: SWTX, WTXM: 60}},
		{"S(WTX) power 4", Block{Kind: KindS, S: SWTX, WTXM: 1, WTXPower: 4}},
		{"S(DESELECT) with INF", Block{Kind: KindS, S: SDeselect, INF: []byte{0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{0xEE}
			got, err := tt.b.Append(dst)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("Append(%+v) error = %v, want ErrMalformed", tt.b, err)
			}
			if !bytes.Equal(got, dst) {
				t.Errorf("Append(%+v) changed dst to % X", tt.b, got)
			}
		})
	}
}

func FuzzParseBlock(f *testing.F) {
	for _, tt := range blockRows(f) {
		f.Add(tt.frame)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		b, err := ParseBlock(frame)
		if err != nil {
			return
		}
		// A frame the decoder accepts is canonical: encoding it again gives
		// the same bytes.
		back, err := b.Append(nil)
		if err != nil {
			t.Fatalf("Append(ParseBlock(% X)) failed: %v", frame, err)
		}
		if !bytes.Equal(back, frame) {
			t.Fatalf("Append(ParseBlock(% X)) = % X", frame, back)
		}
	})
}

func TestRATS(t *testing.T) {
	tests := []struct {
		name    string
		frame   []byte
		want    RATS
		wantErr error
	}{
		{"FSDI 8 CID 0", unhex(t, "E0 80 31 73"), RATS{FSDI: 8}, nil},
		{"FSDI 5 CID 14", withCRC(t, "E0 5E"), RATS{FSDI: 5, CID: 14}, nil},
		{"CID 15", withCRC(t, "E0 8F"), RATS{}, ErrMalformed},
		{"not E0", withCRC(t, "E1 80"), RATS{}, ErrMalformed},
		{"too long", withCRC(t, "E0 80 00"), RATS{}, ErrMalformed},
		{"bad CRC", unhex(t, "E0 80 31 74"), RATS{}, ErrBadCRC},
		{"short", unhex(t, "E0 80"), RATS{}, ErrShortFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRATS(tt.frame)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("ParseRATS(% X) = %+v, %v, want %+v, %v", tt.frame, got, err, tt.want, tt.wantErr)
			}
			if err == nil {
				if back, err := got.Append(nil); err != nil || !bytes.Equal(back, tt.frame) {
					t.Errorf("Append = % X, %v", back, err)
				}
			}
		})
	}
	if _, err := (RATS{FSDI: 16}).Append(nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("RATS{FSDI: 16}.Append error = %v", err)
	}
}

func atsRows(t testing.TB) []struct {
	name    string
	frame   []byte
	want    ATS
	wantErr error
} {
	return []struct {
		name    string
		frame   []byte
		want    ATS
		wantErr error
	}{
		{"Android HCE", withCRC(t, "05 78 80 70 02"), ATS{FSCI: 8, TA: 0x80, FWI: 7, CID: true}, nil},
		{"model default", withCRC(t, "05 78 77 70 00"), ATS{FSCI: 8, TA: 0x77, FWI: 7}, nil},
		{"historical bytes", withCRC(t, "07 75 77 81 03 C1 05"), ATS{FSCI: 5, TA: 0x77, FWI: 8, SFGI: 1, CID: true, NAD: true, Historical: unhex(t, "C1 05")}, nil},
		{"TL only: defaults", withCRC(t, "01"), ATS{FSCI: 2, FWI: 4, CID: true}, nil},
		{"T0 only", withCRC(t, "02 05"), ATS{FSCI: 5, FWI: 4, CID: true}, nil},
		{"FWI 15 read as 4", withCRC(t, "03 28 F0"), ATS{FSCI: 8, FWI: 4, CID: true}, nil},
		{"TL too big", withCRC(t, "06 78 80 70 02"), ATS{}, ErrMalformed},
		{"TL too small", withCRC(t, "04 78 80 70 02"), ATS{}, ErrMalformed},
		{"T0 b8 set", withCRC(t, "02 88"), ATS{}, ErrMalformed},
		{"TA missing", withCRC(t, "02 18"), ATS{}, ErrShortFrame},
		{"TB missing", withCRC(t, "03 38 00"), ATS{}, ErrShortFrame},
		{"TC missing", withCRC(t, "04 78 00 00"), ATS{}, ErrShortFrame},
		{"TA b4 set", withCRC(t, "03 18 08"), ATS{}, ErrMalformed},
		{"TC RFU bits", withCRC(t, "03 48 04"), ATS{}, ErrMalformed},
		{"bad CRC", unhex(t, "05 78 80 70 02 00 00"), ATS{}, ErrBadCRC},
	}
}

func TestParseATS(t *testing.T) {
	for _, tt := range atsRows(t) {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseATS(tt.frame)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseATS(% X) error = %v, want %v", tt.frame, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if !atsEqual(got, tt.want) {
				t.Fatalf("ParseATS(% X) = %+v, want %+v", tt.frame, got, tt.want)
			}
			back, err := got.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if again, err := ParseATS(back); err != nil || !atsEqual(again, got) {
				t.Errorf("ParseATS(Append) = %+v, %v, want %+v", again, err, got)
			}
		})
	}
}

func atsEqual(a, b ATS) bool {
	ah, bh := a.Historical, b.Historical
	a.Historical, b.Historical = nil, nil
	return reflect.DeepEqual(a, b) && bytes.Equal(ah, bh)
}

func FuzzParseATS(f *testing.F) {
	for _, tt := range atsRows(f) {
		f.Add(tt.frame)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		a, err := ParseATS(frame)
		if err != nil {
			return
		}
		back, err := a.Append(nil)
		if err != nil {
			if len(a.Historical) > 250 {
				return
			}
			t.Fatalf("Append(ParseATS(% X)) failed: %v", frame, err)
		}
		if again, err := ParseATS(back); err != nil || !atsEqual(again, a) {
			t.Fatalf("ParseATS(Append(%+v)) = %+v, %v", a, again, err)
		}
	})
}

func TestATSSupports(t *testing.T) {
	tests := []struct {
		ta   uint8
		rate BitRate
		want bool
	}{
		{0x00, Rate106, true},
		{0x00, Rate212, false},
		{0x80, Rate424, false},
		{0x77, Rate848, true},
		{0x22, Rate424, true},
		{0x20, Rate424, false}, // PICC→PCD only
		{0x02, Rate424, false}, // PCD→PICC only
		{0x77, 300, false},
	}
	for _, tt := range tests {
		if got := (ATS{TA: tt.ta}).Supports(tt.rate); got != tt.want {
			t.Errorf("ATS{TA: %#02x}.Supports(%v) = %v, want %v", tt.ta, tt.rate, got, tt.want)
		}
	}
}

func TestPPS(t *testing.T) {
	tests := []struct {
		name    string
		frame   []byte
		want    PPS
		wantErr error
	}{
		{"424 both ways", unhex(t, "D0 11 0A 08 09"), PPS{DSI: 2, DRI: 2}, nil},
		{"848 CID 3", withCRC(t, "D3 11 0F"), PPS{CID: 3, DSI: 3, DRI: 3}, nil},
		{"no PPS1", withCRC(t, "D0 01"), PPS{}, nil},
		{"PPS1 RFU bits", withCRC(t, "D0 11 1A"), PPS{}, ErrMalformed},
		{"PPS0 wrong", withCRC(t, "D0 12 0A"), PPS{}, ErrMalformed},
		{"PPS1 missing", withCRC(t, "D0 11"), PPS{}, ErrMalformed},
		{"not PPSS", withCRC(t, "E0 11 0A"), PPS{}, ErrMalformed},
		{"CID 15", withCRC(t, "DF 11 0A"), PPS{}, ErrMalformed},
		{"bad CRC", unhex(t, "D0 11 0A 08 08"), PPS{}, ErrBadCRC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePPS(tt.frame)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("ParsePPS(% X) = %+v, %v, want %+v, %v", tt.frame, got, err, tt.want, tt.wantErr)
			}
		})
	}
	if b, err := (PPS{DSI: 2, DRI: 2}).Append(nil); err != nil || !bytes.Equal(b, unhex(t, "D0 11 0A 08 09")) {
		t.Errorf("PPS{424}.Append = % X, %v", b, err)
	}
	if _, err := (PPS{DSI: 4}).Append(nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("PPS{DSI: 4}.Append error = %v", err)
	}
}

func TestFrameSize(t *testing.T) {
	tests := []struct {
		code uint8
		want int
	}{{0, 16}, {5, 64}, {7, 128}, {8, 256}, {12, 4096}, {13, 256}, {15, 256}}
	for _, tt := range tests {
		if got := FrameSize(tt.code); got != tt.want {
			t.Errorf("FrameSize(%d) = %d, want %d", tt.code, got, tt.want)
		}
	}
	for _, tt := range []struct {
		size int
		want uint8
	}{{1, 0}, {16, 0}, {63, 4}, {64, 5}, {100, 6}, {256, 8}, {5000, 12}} {
		if got := frameSizeCode(tt.size); got != tt.want {
			t.Errorf("frameSizeCode(%d) = %d, want %d", tt.size, got, tt.want)
		}
	}
}

func FuzzParseRATS(f *testing.F) {
	for _, s := range []string{"E0 80 31 73", "E0 5E", "E0 8F", "E1 80"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		r, err := ParseRATS(frame)
		if err != nil {
			return
		}
		if back, err := r.Append(nil); err != nil || !bytes.Equal(back, frame) {
			t.Fatalf("Append(ParseRATS(% X)) = % X, %v", frame, back, err)
		}
	})
}

func FuzzParsePPS(f *testing.F) {
	for _, s := range []string{"D0 11 0A 08 09", "D3 11 0F", "D0 01", "D0 11 1A"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		p, err := ParsePPS(frame)
		if err != nil {
			return
		}
		if _, err := p.Append(nil); err != nil {
			t.Fatalf("Append(ParsePPS(% X)) = %v", frame, err)
		}
	})
}

// FuzzPhoneReceive feeds arbitrary frames to the phone's end of an active
// link: it must never panic, and the link must still work afterwards.
func FuzzPhoneReceive(f *testing.F) {
	for _, tt := range blockRows(f) {
		f.Add(tt.frame, false)
	}
	f.Add(withCRC(f, "E0 80"), true)
	f.Add(withCRC(f, "D0 11 0A"), true)
	f.Fuzz(func(t *testing.T, frame []byte, fresh bool) {
		l := New(apduEcho(300), Config{FSD: 64})
		ctx := context.Background()
		if fresh {
			if err := l.Activate(ctx); err != nil {
				t.Fatal(err)
			}
		} else if _, err := l.Transmit(ctx, []byte{1, 2, 3, 4}); err != nil {
			t.Fatal(err)
		}
		l.picc.receive(ctx, frame)
		// Whatever the phone made of it, the reader recovers or fails cleanly.
		resp, err := l.Transmit(ctx, []byte{5, 6, 7, 8})
		if err != nil && !errors.Is(err, ErrLinkFailure) {
			t.Fatalf("Transmit after % X: %v", frame, err)
		}
		if err == nil && !bytes.Equal(resp, echoResponse([]byte{5, 6, 7, 8}, 300)) {
			t.Fatalf("wrong response after % X", frame)
		}
	})
}
