package qrimage

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

func base45(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	b := []byte("APCV1:")
	for i := 0; len(b) < n; i++ {
		b = append(b, alphabet[(i*7+3)%len(alphabet)])
	}
	return string(b)
}

func decode(t *testing.T, text string, opts Options) {
	t.Helper()
	img, _, err := Encode(text, opts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != text {
		t.Fatalf("read %q, want %q", r.Text, text)
	}
}

func TestNewCode(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		opts    Options
		version int // 0: don't check
		mode    Mode
		err     error
	}{
		{"ApCV 480 chars", base45(480), Options{}, 13, ModeAlphanumeric, nil},
		{"ApCV 960 chars", base45(960), Options{}, 20, ModeAlphanumeric, nil},
		{"level L is smaller", base45(960), Options{Level: LevelL}, 18, ModeAlphanumeric, nil},
		{"level H is larger", base45(960), Options{Level: LevelH}, 29, ModeAlphanumeric, nil},
		{"forced version", base45(480), Options{Version: 25}, 25, ModeAlphanumeric, nil},
		{"digits", "0123456789", Options{}, 1, ModeNumeric, nil},
		{"lower case is byte mode", "apcv1:abc", Options{}, 1, ModeByte, nil},
		{"empty", "", Options{}, 1, "", nil},
		{"forced version too small", base45(480), Options{Version: 5}, 0, "", ErrTooLong},
		{"too long for any version", strings.Repeat("A", 5000), Options{}, 0, "", ErrTooLong},
		{"bad level", "A", Options{Level: 'X'}, 0, "", ErrBadOptions},
		{"version 41", "A", Options{Version: 41}, 0, "", ErrBadOptions},
		{"negative version", "A", Options{Version: -1}, 0, "", ErrBadOptions},
		{"module 0 px is default", "A", Options{ModulePx: 0}, 1, ModeAlphanumeric, nil},
		{"module -1 px", "A", Options{ModulePx: -1}, 0, "", ErrBadOptions},
		{"module too large", "A", Options{ModulePx: MaxModulePx + 1}, 0, "", ErrBadOptions},
		{"quiet zone too large", "A", Options{QuietZone: MaxQuietZone + 1}, 0, "", ErrBadOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCode(tt.text, tt.opts)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			s := c.Symbol
			if tt.version != 0 && s.Version != tt.version {
				t.Errorf("version %d, want %d", s.Version, tt.version)
			}
			if s.Modules != 17+4*s.Version {
				t.Errorf("modules %d for version %d", s.Modules, s.Version)
			}
			if tt.mode != "" && s.Mode != tt.mode {
				t.Errorf("mode %v, want %v", s.Mode, tt.mode)
			}
			if s.Mask < 0 || s.Mask > 7 {
				t.Errorf("mask %d", s.Mask)
			}
			// The top-left finder pattern: dark ring, light ring, dark core.
			if !c.Dark(0, 0) || !c.Dark(6, 6) || c.Dark(1, 1) || !c.Dark(3, 3) || c.Dark(-1, 0) || c.Dark(s.Modules, 0) {
				t.Error("finder pattern not where expected")
			}
		})
	}
}

func TestApCVVersionBound(t *testing.T) {
	// The longest ApCV text the design allows must stay at version ≤ 25, M.
	for _, n := range []int{480, 960} {
		c, err := NewCode(base45(n), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Symbol.Version > 25 || c.Symbol.Level != LevelM {
			t.Errorf("%d chars: %+v", n, c.Symbol)
		}
	}
}

func TestImage(t *testing.T) {
	text := base45(100)
	tests := []struct {
		name  string
		opts  Options
		side  int // for version 5 (37 modules)
		white byte
	}{
		{"defaults", Options{}, (37 + 8) * 4, 255},
		{"no quiet zone", Options{QuietZone: -1, ModulePx: 2}, 37 * 2, 0},
		{"wide quiet zone", Options{QuietZone: 10, ModulePx: 1}, 37 + 20, 255},
		{"inverted", Options{Invert: true, ModulePx: 3}, (37 + 8) * 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, sym, err := Encode(text, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if sym.Modules != 37 {
				t.Fatalf("modules %d", sym.Modules)
			}
			if b := img.Bounds(); b.Dx() != tt.side || b.Dy() != tt.side {
				t.Fatalf("size %v, want %d", b, tt.side)
			}
			if img.Pix[0] != tt.white {
				t.Errorf("corner %d, want %d", img.Pix[0], tt.white)
			}
			if tt.opts.Invert {
				return
			}
			decode(t, text, tt.opts)
		})
	}
}

func TestWritePNG(t *testing.T) {
	var buf bytes.Buffer
	text := base45(960)
	sym, err := WritePNG(&buf, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != (sym.Modules+8)*4 {
		t.Fatalf("width %d", img.Bounds().Dx())
	}
	r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
	if err != nil || r.Text != text {
		t.Fatalf("decode: %v", err)
	}
	if _, err := WritePNG(&buf, "A", Options{ModulePx: -3}); !errors.Is(err, ErrBadOptions) {
		t.Fatalf("bad options: %v", err)
	}
	if _, err := WritePNG(failWriter{}, "A", Options{}); err == nil {
		t.Fatal("write error not reported")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteTerminal(t *testing.T) {
	var buf bytes.Buffer
	sym, err := WriteTerminal(&buf, "APCV1:TEST", Options{QuietZone: 2})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	side := sym.Modules + 4
	if len(lines) != (side+1)/2 {
		t.Fatalf("%d lines, want %d", len(lines), (side+1)/2)
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n != side {
			t.Fatalf("line %d: %d cells, want %d", i, n, side)
		}
	}
	// Quiet zone rows blank; text line 1 holds module rows 0 (the finder's
	// dark top edge) and 1 (dark, five light, dark) at columns 2..8.
	if strings.TrimSpace(lines[0]) != "" {
		t.Errorf("quiet zone line %q", lines[0])
	}
	if got := []rune(lines[1])[2:9]; string(got) != "█▀▀▀▀▀█" {
		t.Errorf("finder top %q", string(got))
	}
	// Inverted: every cell of the quiet zone is ink.
	buf.Reset()
	if _, err := WriteTerminal(&buf, "APCV1:TEST", Options{Invert: true}); err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(buf.String(), "\n", 2)[0]; strings.Trim(first, "█") != "" {
		t.Errorf("inverted quiet zone %q", first)
	}
	if _, err := WriteTerminal(failWriter{}, "A", Options{}); err == nil {
		t.Fatal("write error not reported")
	}
	if _, err := WriteTerminal(&buf, "A", Options{Level: 'Z'}); !errors.Is(err, ErrBadOptions) {
		t.Fatalf("bad options: %v", err)
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("APCV1:"+base45(480), 4, 0, byte(0), 0)
	f.Add("", 1, -1, byte('L'), 0)
	f.Add("0123", 2, 2, byte('H'), 40)
	f.Add("\xff\xfe", 1, 0, byte('X'), 3)
	f.Add(strings.Repeat("A", 5000), 1, 0, byte('M'), 0)
	f.Fuzz(func(t *testing.T, text string, px, quiet int, level byte, version int) {
		if len(text) > 8000 || px > 8 || quiet > 8 {
			t.Skip()
		}
		img, sym, err := Encode(text, Options{ModulePx: px, QuietZone: quiet, Level: Level(level), Version: version})
		if err != nil {
			if !errors.Is(err, ErrBadOptions) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if sym.Modules != 17+4*sym.Version || img.Bounds().Dx() != img.Bounds().Dy() {
			t.Fatalf("symbol %+v image %v", sym, img.Bounds())
		}
	})
}
