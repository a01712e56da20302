package main

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
	"github.com/apcvkit/apcvkit/reader"
)

// TestEmulateQRPNGMatchesText: --qr-png and --qr-text of one emulate run
// carry the same presentation: the PNG, decoded by our camera decoder, gives
// the text file's content (each presentation has its own counter, so two
// presentations never give the same text).
func TestEmulateQRPNGMatchesText(t *testing.T) {
	dir := t.TempDir()
	pngPath := filepath.Join(dir, "qr.png")
	txtPath := filepath.Join(dir, "qr.txt")
	code, out, errOut := runCLI(t, "emulate", "--profile", "isere-solo", "--qr-png", pngPath, "--qr-text", txtPath)
	if code != exitOK {
		t.Fatalf("emulate: exit %d\n%s%s", code, out, errOut)
	}
	raw, err := os.ReadFile(txtPath)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(string(raw), "\n")
	if want == "" {
		t.Fatal("empty --qr-text file")
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	scan, err := camera.Decode(context.Background(), camera.FromImage(img))
	if err != nil {
		t.Fatalf("decode %s: %v", pngPath, err)
	}
	if scan.Text != want {
		t.Fatal("the PNG decodes to another presentation than the text file")
	}
}

// TestReadImageCauses: apcv read --image names why an image file gave no
// code (its own code and desk message), not "no QR code found" nor "no
// device".
func TestReadImageCauses(t *testing.T) {
	dir := t.TempDir()
	lists := filepath.Join(dir, "lists")
	good := filepath.Join(dir, "good.png")
	if code, out, errOut := runCLI(t, "emulate", "--profile", "isere-solo", "--lists-out", lists, "--qr-png", good); code != exitOK {
		t.Fatalf("emulate: exit %d\n%s%s", code, out, errOut)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// A PNG header claiming 100000×100000 gray pixels (IHDR and IEND
	// chunks with their CRCs), without pixel data.
	huge := []byte("\x89PNG\r\n\x1a\n" +
		"\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x00\x00\x00\x00")
	huge = binary.BigEndian.AppendUint32(huge, crc32.ChecksumIEEE(huge[12:]))
	huge = append(huge, "\x00\x00\x00\x00IEND\xae\x42\x60\x82"...)
	for _, tc := range []struct {
		name string
		data []byte
		want *apcverr.Error
	}{
		{"empty", []byte{}, camera.ErrImageUnreadable},
		{"truncated", raw[:len(raw)/3], camera.ErrImageUnreadable},
		{"text", []byte("hello\n"), camera.ErrNotAnImage},
		{"oversized", huge, camera.ErrImageTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".png")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI(t, "read", "--lists", lists, "--image", p, "--timeout", "20s")
			if code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitFailure, out, errOut)
			}
			for _, want := range []string{tc.want.Code, "FR: " + tc.want.FR + "\n", "EN: " + tc.want.EN + "\n"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if strings.Contains(errOut, qrscan.ErrNoCode.FR) || strings.Contains(errOut, reader.ErrNoSource.FR) {
				t.Errorf("the desk reads another cause:\n%s", errOut)
			}
		})
	}
	// The good file still reads.
	if code, out, errOut := runCLI(t, "read", "--lists", lists, "--image", good, "--timeout", "20s"); code != exitOK {
		t.Fatalf("good image: exit %d\n%s%s", code, out, errOut)
	}
}
