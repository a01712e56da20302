package hid

import (
	"strings"
	"testing"
)

var wellFormedTests = []struct {
	name string
	text string
	want bool
}{
	{"empty", "", false},
	{"prefix only", "APCV1:", true},
	{"short prefix", "APCV1", false},
	{"lowercase prefix", "apcv1:", false},
	{"one pair", "APCV1:00", true},
	{"one triple", "APCV1:000", true},
	{"length 1 mod 3", "APCV1:0000", false},
	{"max triple", "APCV1:FGW", true},       // 15 + 16*45 + 32*2025 = 65535
	{"triple overflow", "APCV1:GGW", false}, // 65536
	{"max pair", "APCV1:U5", true},          // 30 + 5*45 = 255
	{"pair overflow", "APCV1:V5", false},
	{"every char", "APCV1:" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"[:30] + "000", true},
	{"lowercase", "APCV1:abc", false},
	{"non base45 char", "APCV1:AB#", false},
	{"non ascii", "APCV1:é0", false},
	{"nul", "APCV1:\x0000", false},
	{"not apcv", "HELLO WORLD", false},
	{"second prefix", "APCV1:APCV1:", false}, // "V1:" is worth 89176
	{"long", "APCV1:" + strings.Repeat("000", 320), true},
}

func TestWellFormed(t *testing.T) {
	for _, tt := range wellFormedTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WellFormed(tt.text); got != tt.want {
				t.Errorf("WellFormed(%q) = %v, want %v", tt.text, got, tt.want)
			}
			if got := WellFormed([]byte(tt.text)); got != tt.want {
				t.Errorf("WellFormed([]byte(%q)) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzWellFormed(f *testing.F) {
	for _, tt := range wellFormedTests {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := WellFormed(s)
		if got && !strings.HasPrefix(s, "APCV1:") {
			t.Fatalf("WellFormed(%q) without prefix", s)
		}
		if got != WellFormed([]byte(s)) {
			t.Fatal("string and []byte disagree")
		}
	})
}
