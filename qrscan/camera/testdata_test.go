package camera_test

import (
	"context"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

var update = flag.Bool("update", false, "regenerate testdata/ (go test ./qrscan/camera -run TestTestdata -update)")

// testdataFiles is the committed corpus the benchmarks (here and in
// benchmarks/) read: each PNG has a .txt beside it holding the text it
// encodes.
var testdataFiles = []struct {
	name string
	text string
	make func(text string) (*image.Gray, error)
}{
	{"clean-480.png", base45Text(480, 480), func(s string) (*image.Gray, error) {
		img, _, err := qrimage.Encode(s, qrimage.Options{ModulePx: 4})
		return img, err
	}},
	{"clean-960.png", base45Text(960, 960), func(s string) (*image.Gray, error) {
		img, _, err := qrimage.Encode(s, qrimage.Options{ModulePx: 4})
		return img, err
	}},
	{"mild-1280x720.png", base45Text(2, 960), func(s string) (*image.Gray, error) { return qrimage.Frame(s, qrimage.Mild(2)) }},
	{"hard-1280x720.png", base45Text(5, 480), func(s string) (*image.Gray, error) { return qrimage.Frame(s, qrimage.Hard(5)) }},
}

// TestTestdata checks that every committed file decodes to its text; with
// -update it first regenerates them from the generator.
func TestTestdata(t *testing.T) {
	for _, tf := range testdataFiles {
		p := filepath.Join("testdata", tf.name)
		if *update {
			img, err := tf.make(tf.text)
			if err != nil {
				t.Fatal(err)
			}
			writePNG(t, p, img)
			if err := os.WriteFile(strings.TrimSuffix(p, ".png")+".txt", []byte(tf.text+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		img, text := loadTestdata(t, tf.name)
		if text != tf.text {
			t.Errorf("%s: .txt does not match the generator's text; run with -update", tf.name)
		}
		scan, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
		if err != nil || scan.Text != text {
			t.Errorf("%s: %v", tf.name, err)
		}
	}
}

// loadTestdata reads testdata/name and the text beside it.
func loadTestdata(t testing.TB, name string) (*image.Gray, string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s: %T, want *image.Gray", name, img)
	}
	txt, err := os.ReadFile(strings.TrimSuffix(p, ".png") + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	return g, strings.TrimSuffix(string(txt), "\n")
}
