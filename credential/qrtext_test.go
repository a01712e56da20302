package credential_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
)

var qrTextTests = []struct {
	name string
	text string
	want bool
}{
	{"empty", "", false},
	{"prefix only", "APCV1:", true},
	{"short prefix", "APCV1", false},
	{"lowercase prefix", "apcv1:", false},
	{"short QR prefix, too short", "APCV2:000", false},
	{"short QR", "APCV2:" + strings.Repeat("FGW", 14), true}, // version 2: exactly 48 characters
	{"short QR, a character lost", "APCV2:" + strings.Repeat("FGW", 13) + "FG", false},
	{"short QR, a character added", "APCV2:" + strings.Repeat("FGW", 14) + "0", false},
	{"short QR, group overflow", "APCV2:GGW" + strings.Repeat("FGW", 13), false},
	{"short QR, lowercase", "APCV2:" + strings.Repeat("fgw", 14), false},
	{"short QR length, other version", "APCV3:" + strings.Repeat("FGW", 14), false},
	{"short QR of the earlier draft (120 characters)", "APCV2:" + strings.Repeat("FGW", 38), false},
	{"one pair", "APCV1:00", true},
	{"one triple", "APCV1:000", true},
	{"length 1 mod 3", "APCV1:0000", false},
	{"max triple", "APCV1:FGW", true},       // 15 + 16*45 + 32*2025 = 65535
	{"triple overflow", "APCV1:GGW", false}, // 65536
	{"max pair", "APCV1:U5", true},          // 30 + 5*45 = 255
	{"pair overflow", "APCV1:V5", false},
	{"every char", "APCV1:" + credential.Base45Alphabet[:30] + "000", true},
	{"lowercase", "APCV1:abc", false},
	{"non base45 char", "APCV1:AB#", false},
	{"non ascii", "APCV1:é0", false},
	{"nul", "APCV1:\x0000", false},
	{"not apcv", "HELLO WORLD", false},
	{"second prefix", "APCV1:APCV1:", false}, // "V1:" is worth 89176
	{"long", "APCV1:" + strings.Repeat("000", 320), true},
	{"longest", "APCV1:" + strings.Repeat("000", (credential.MaxQRText-6)/3), true},                // 4095 characters
	{"over the limit", "APCV1:" + strings.Repeat("000", (credential.MaxQRText-6)/3) + "00", false}, // 4097
}

func TestLooksLikeQRText(t *testing.T) {
	if n := len("APCV1:" + strings.Repeat("000", (credential.MaxQRText-6)/3)); n != credential.MaxQRText-1 {
		t.Fatalf("the longest row has %d characters", n) // the rows above assume MaxQRText = 4096
	}
	for _, tt := range qrTextTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := credential.LooksLikeQRText(tt.text); got != tt.want {
				t.Errorf("LooksLikeQRText(%q) = %v, want %v", tt.text, got, tt.want)
			}
			if got := credential.LooksLikeQRText([]byte(tt.text)); got != tt.want {
				t.Errorf("LooksLikeQRText([]byte(%q)) = %v, want %v", tt.text, got, tt.want)
			}
			short := tt.want && strings.HasPrefix(tt.text, credential.ShortQRPrefix)
			if got := credential.IsShortQR(tt.text); got != short || credential.IsShortQR([]byte(tt.text)) != short {
				t.Errorf("IsShortQR(%q) = %v, want %v", tt.text, got, short)
			}
			if got, want := credential.HasQRPrefix(tt.text), strings.HasPrefix(tt.text, "APCV1:") || strings.HasPrefix(tt.text, "APCV2:"); got != want {
				t.Errorf("HasQRPrefix(%q) = %v", tt.text, got)
			}
		})
	}
}

// TestIsBase45: the byte check and the alphabet agree on all 256 bytes.
func TestIsBase45(t *testing.T) {
	if len(credential.Base45Alphabet) != 45 {
		t.Fatalf("alphabet of %d characters", len(credential.Base45Alphabet))
	}
	for c := range 256 {
		if got, want := credential.IsBase45(byte(c)), strings.IndexByte(credential.Base45Alphabet, byte(c)) >= 0; got != want {
			t.Errorf("IsBase45(%q) = %v, want %v", byte(c), got, want)
		}
	}
	for i := range len(credential.QRPrefix) { // the prefix is in the QR alphanumeric set too
		if !credential.IsBase45(credential.QRPrefix[i]) {
			t.Errorf("QRPrefix holds %q, outside the alphanumeric set", credential.QRPrefix[i])
		}
	}
}

// FuzzLooksLikeQRText: the check accepts exactly the texts whose prefix,
// length and Base45 the decoder accepts (VerifyQR's for a full text,
// ParseShortQR for a short one), and string and []byte agree.
func FuzzLooksLikeQRText(f *testing.F) {
	for _, tt := range qrTextTests {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := credential.LooksLikeQRText(s)
		if got != credential.LooksLikeQRText([]byte(s)) {
			t.Fatal("string and []byte disagree")
		}
		want := len(s) <= credential.MaxQRText && strings.HasPrefix(s, credential.QRPrefix)
		if want {
			_, err := credential.AppendBase45Decode(nil, s[len(credential.QRPrefix):])
			want = err == nil
		}
		if _, err := credential.ParseShortQR(s); err == nil {
			want = true // a short QR text (version 2)
		}
		if got != want {
			t.Fatalf("LooksLikeQRText(%q) = %v, the decoder says %v", s, got, want)
		}
	})
}

var sinkLooks bool

// BenchmarkLooksLikeQRText: scanners call it on every scan; it must not
// allocate.
func BenchmarkLooksLikeQRText(b *testing.B) {
	for _, n := range []int{125, 600, credential.MaxQRText - 1} {
		text := []byte("APCV1:" + strings.Repeat("A%A", (n-6)/3)) // "A%A" = 10 + 38*45 + 10*2025
		if !credential.LooksLikeQRText(text) {
			b.Fatalf("%d-character text refused", len(text))
		}
		b.Run(fmt.Sprintf("chars=%d", len(text)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				sinkLooks = credential.LooksLikeQRText(text)
			}
		})
	}
}

// TestLooksLikeQRTextAllocs holds the benchmark's promise in the test run.
func TestLooksLikeQRTextAllocs(t *testing.T) {
	text := "APCV1:" + strings.Repeat("A%A", 200)
	b := []byte(text)
	short := "APCV2:" + strings.Repeat("A%A", 14)
	sb := []byte(short)
	if n := testing.AllocsPerRun(100, func() {
		sinkLooks = credential.LooksLikeQRText(text) && credential.LooksLikeQRText(b) &&
			credential.LooksLikeQRText(short) && credential.IsShortQR(sb) && credential.HasQRPrefix(sb)
	}); n != 0 || !sinkLooks {
		t.Errorf("LooksLikeQRText: %v allocations, want 0", n)
	}
}

func ExampleLooksLikeQRText() {
	fmt.Println(credential.LooksLikeQRText("APCV1:6BFOXN*TS0BI$ZDFRH"))
	fmt.Println(credential.LooksLikeQRText("APCV1:6BFOXN*TS0BI$ZDFR"))  // a character lost
	fmt.Println(credential.LooksLikeQRText("QPCV!.6BFOXN*TS0BI$ZDFRH")) // AZERTY host, QWERTY scanner
	// Output:
	// true
	// false
	// false
}
