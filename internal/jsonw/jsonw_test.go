package jsonw

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
)

var stringRows = []string{"", "abc", "Marie-Hélène", `"quoted" \ back`, "<a href='x'>&amp;</a>", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"\u2028\u2029", "\xff\xfe", "\xe2\x80", "日本😀", "a\xc3"}

func TestAppendString(t *testing.T) {
	for _, s := range stringRows {
		checkString(t, s)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringRows {
		f.Add(s)
	}
	f.Fuzz(checkString)
}

func checkString(t *testing.T, s string) {
	want, _ := json.Marshal(s)
	if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
		t.Fatalf("%q: %s, want %s", s, got[1:], want)
	}
}

func TestAppendPadded(t *testing.T) {
	for _, n := range []int64{0, 1, 5, 12, 999, 1978, 10000, -1, -5, -123, -12345, math.MaxInt64, math.MinInt64} {
		for _, w := range []int{0, 2, 4} {
			if got, want := string(AppendPadded(nil, n, w)), fmt.Sprintf("%0*d", w, n); got != want {
				t.Errorf("%d width %d: %q, want %q", n, w, got, want)
			}
		}
	}
}
