package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// qrencodeVersion is the QR version qrencode (an independent encoder)
// picks for text at level M.
// qrencodeVersion is the QR version qrencode gives text at level M, or -1
// on Windows, where qrencode is not installed (the Linux suite checks it).
func qrencodeVersion(t *testing.T, text string) int {
	t.Helper()
	bin, err := exec.LookPath("qrencode")
	if err != nil && runtime.GOOS == "windows" {
		return -1
	}
	if err != nil {
		t.Fatalf("qrencode: %v (scripts/deps.sh test installs it)", err)
	}
	out, err := exec.Command(bin, "-l", "M", "-m", "0", "-t", "ASCII", "-o", "-", text).Output()
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return (len(line)/2 - 17) / 4
}

// TestMeasureConsistent runs the command's core on small families with a
// fast wedge and checks each row against what it claims: the text's
// length, qrencode's version, the 9600 Bd arithmetic, a timed replay no
// shorter than the stream's schedule, the bounds on the short and
// chosen codes; and a family that does not fit is reported so.
func TestMeasureConsistent(t *testing.T) {
	const keyDelay = time.Millisecond
	o := Options{KeyDelay: keyDelay, Timed: true, Base: "testfamily"}
	rows, err := Measure(context.Background(), []int{1, 3}, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 6", len(rows))
	}
	byKind := map[Kind]map[int]Row{}
	for _, r := range rows {
		name := fmt.Sprintf("family %d, %s", r.Family, r.Kind)
		if byKind[r.Kind] == nil {
			byKind[r.Kind] = map[int]Row{}
		}
		byKind[r.Kind][r.Family] = r
		prefix := credential.QRPrefix
		if r.Kind == Short {
			prefix = credential.ShortQRPrefix
		}
		if r.Chars != len(r.Text) || !strings.HasPrefix(r.Text, prefix) || !r.Fits {
			t.Errorf("%s: %d characters for a text of %d (%.6s…), fits %v", name, r.Chars, len(r.Text), r.Text, r.Fits)
		}
		if v := qrencodeVersion(t, r.Text); v >= 0 && r.Version != v {
			t.Errorf("%s: version %d, qrencode -l M gives %d", name, r.Version, v)
		}
		if want := time.Duration(r.Chars) * 10 * time.Second / 9600; r.Serial != want {
			t.Errorf("%s: 9600 Bd %v, want %v", name, r.Serial, want)
		}
		// The replay waits for each report: the text cannot come sooner
		// than its characters' schedule (the scan ends at Enter's press,
		// half a key delay after the last character).
		if min := time.Duration(r.Chars)*keyDelay + keyDelay/2; r.Wedge < min {
			t.Errorf("%s: wedge %v, shorter than the %v the stream takes", name, r.Wedge, min)
		}
	}
	for n := range byKind[Short] {
		if s, c, w := byKind[Short][n], byKind[Chosen][n], byKind[Whole][n]; s.Chars != credential.ShortQRLen || s.Version > 6 ||
			c.Chars > 600 || s.Chars >= c.Chars {
			t.Errorf("family %d: short %d (version %d), chosen %d, whole %d", n, s.Chars, s.Version, c.Chars, w.Chars)
		}
	}
	if w1, w3 := byKind[Whole][1], byKind[Whole][3]; w3.Chars <= w1.Chars || w3.Version < w1.Version {
		t.Errorf("whole family: %d characters (v%d) for 1, %d (v%d) for 3", w1.Chars, w1.Version, w3.Chars, w3.Version)
	}
	if c1, c3 := byKind[Chosen][1], byKind[Chosen][3]; c3.Chars-c1.Chars > 150 {
		t.Errorf("chosen code grows with the family: %d for 1, %d for 3", c1.Chars, c3.Chars)
	}

	// The largest family of long names: the whole family's code does not
	// fit (and is not replayed), the others do.
	rows, err = Measure(context.Background(), []int{credential.MaxBeneficiaires}, Options{Base: "famille-6-drome"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	WriteTable(&buf, rows, Options{})
	for _, r := range rows {
		if r.Fits != (r.Kind != Whole) || r.Wedge != 0 || r.Kind == Whole && (r.Chars <= credential.MaxQRText || r.Version != 0) {
			t.Errorf("%d, %s: %d characters, version %d, fits %v, wedge %v", r.Family, r.Kind, r.Chars, r.Version, r.Fits, r.Wedge)
		}
		line := fmt.Sprintf("| %d | %s | %d | ", r.Family, r.Kind, r.Chars)
		if !strings.Contains(buf.String(), line) {
			t.Errorf("table lacks %q:\n%s", line, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "| does not fit |") {
		t.Errorf("table:\n%s", buf.String())
	}
}

func TestParseSizes(t *testing.T) {
	if ns, err := parseSizes("1, 4,32"); err != nil || fmt.Sprint(ns) != "[1 4 32]" {
		t.Errorf("parseSizes: %v, %v", ns, err)
	}
	for _, bad := range []string{"", "0", "33", "x", "1,,2"} {
		if _, err := parseSizes(bad); err == nil {
			t.Errorf("parseSizes(%q) accepted", bad)
		}
	}
}
