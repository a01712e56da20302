package camera_test

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestPeersReadOurPNG: the emulator's PNGs for 480- and 960-character
// Base45 texts decode in zbarimg and ZXingReader, independent readers.
func TestPeersReadOurPNG(t *testing.T) {
	zbar, zxing := peer(t, "zbarimg"), peer(t, "ZXingReader")
	dir := t.TempDir()
	for _, n := range []int{480, 960} {
		text := base45Text(uint64(n), n)
		p := filepath.Join(dir, "code.png")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		sym, err := qrimage.WritePNG(f, text, qrimage.Options{})
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if sym.Version > 25 || sym.Mode != qrimage.ModeAlphanumeric || sym.Level != qrimage.LevelM {
			t.Errorf("%d chars: symbol %+v", n, sym)
		}
		for _, bin := range []string{zbar, zxing} {
			var args []string
			if strings.HasSuffix(bin, "zbarimg") {
				args = []string{"-q", "--raw", p}
			} else {
				args = []string{"-format", "QRCode", "-bytes", p}
			}
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Fatalf("%s %d chars: %v", filepath.Base(bin), n, err)
			}
			if got := strings.TrimRight(string(out), "\r\n"); got != text {
				t.Errorf("%s %d chars: read %q…", filepath.Base(bin), n, got[:min(len(got), 20)])
			}
		}
	}
}

// TestWeReadQrencode: qrencode's PNGs decode in ours, for Base45 texts (it
// picks alphanumeric mode itself) and for an 8-bit text.
func TestWeReadQrencode(t *testing.T) {
	bin := peer(t, "qrencode")
	dir := t.TempDir()
	tests := []struct {
		name string
		text string
		args []string
	}{
		{"480 chars level M", base45Text(31, 480), []string{"-l", "M"}},
		{"960 chars level M", base45Text(32, 960), []string{"-l", "M"}},
		{"960 chars 2px modules", base45Text(33, 960), []string{"-l", "M", "-s", "2"}},
		{"8-bit text", "apcv1:lower-case, not ApCV", []string{"-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "x.png")
			cmd := exec.Command(bin, append(tt.args, "-o", p, tt.text)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("qrencode: %v: %s", err, out)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			scan, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
			if err != nil {
				t.Fatal(err)
			}
			if scan.Text != tt.text {
				t.Fatalf("read %q…", scan.Text[:min(len(scan.Text), 20)])
			}
		})
	}
}
