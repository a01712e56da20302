package main

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/qrscan/camera"
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
