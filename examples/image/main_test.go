package main

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/examples/internal/exampletest"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
)

// TestRun renders the emulated phone's QR code to image files (a plain PNG
// of the code, and a 1280×720 camera frame with blur, tilt and noise) and
// runs the example on them: the files go through image decoding, the QR
// decoder and the reader facade.
func TestRun(t *testing.T) {
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	dir := exampletest.WriteLists(t, w)
	files := t.TempDir()
	// code writes a PNG of the code of text; frame, a 1280×720 camera frame of it.
	code := func(t *testing.T, name, text string) string {
		p := filepath.Join(files, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := qrimage.WritePNG(f, text, qrimage.Options{}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	frame := func(t *testing.T, name, text string) string {
		img, err := qrimage.Frame(text, qrimage.Mild(7))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 720 {
			t.Fatalf("frame is %v, want 1280×720", b)
		}
		p := filepath.Join(files, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		return p
	}
	phoneQR := func(t *testing.T) string {
		text, err := w.Phone.PresentQR()
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	const identity = `Identité vérifiée par QR (camera:files, émetteur CNAM-EMU)
  ouvrant droit  2 88 02 ** *** *** 36  DURAND Camille, né(e) le 29/02/1988 (assuré)
`
	for _, tc := range []struct {
		name    string
		files   func(t *testing.T) []string
		args    []string
		want    string
		wantErr error
	}{
		{"PNG of the code", func(t *testing.T) []string { return []string{code(t, "code.png", phoneQR(t))} }, nil, identity, nil},
		{"camera frame 1280x720", func(t *testing.T) []string { return []string{frame(t, "frame.png", phoneQR(t))} }, nil, identity, nil},
		{"another QR code, then the app's", func(t *testing.T) []string {
			return []string{code(t, "url.png", "https://example.test/menu"), frame(t, "app.png", phoneQR(t))}
		}, nil, "Refusé : Ce QR code n'est pas celui de l'appli carte Vitale. Demandez au patient d'ouvrir l'appli carte Vitale.\n" + identity, nil},
		{"a picture without a code", func(t *testing.T) []string {
			blank, err := qrimage.BlankFrame(qrimage.Mild(3))
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(files, "blank.png")
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := png.Encode(f, blank); err != nil {
				t.Fatal(err)
			}
			return []string{p}
		}, []string{"-timeout", "1s"}, "", errNoIdentity},
		{"missing file", func(t *testing.T) []string { return []string{filepath.Join(files, "none.png")} }, nil, "", os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := pcsctest.Snapshot()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out exampletest.Buffer
			args := append([]string{"-lists", dir, "-timeout", "60s"}, tc.args...) // a loaded CI machine under -race is slow
			err := run(ctx, append(args, tc.files(t)...), &out)
			switch {
			case tc.wantErr == errNoIdentity:
				if err == nil || !strings.HasPrefix(err.Error(), "no QR code of the app in 1 file(s)") {
					t.Fatalf("run = %v, want no identity", err)
				}
			case !errors.Is(err, tc.wantErr):
				t.Fatalf("run = %v, want %v", err, tc.wantErr)
			}
			if out.String() != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), tc.want)
			}
			pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
		})
	}
}

// errNoIdentity marks the rows where no file holds the app's code.
var errNoIdentity = errors.New("no identity")
