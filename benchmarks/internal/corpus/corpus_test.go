package corpus

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"

	"github.com/apcvkit/apcvkit/internal/testworld"
)

func TestPGMRoundTrip(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 5, 3))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 17)
	}
	// A sub-image: WritePGM must follow its stride and bounds.
	big := image.NewGray(image.Rect(0, 0, 9, 9))
	sub := big.SubImage(image.Rect(2, 3, 7, 6)).(*image.Gray)
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			sub.SetGray(2+x, 3+y, img.GrayAt(x, y))
		}
	}
	for name, in := range map[string]*image.Gray{"whole": img, "sub-image": sub} {
		var buf bytes.Buffer
		if err := WritePGM(&buf, in); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("P5\n5 3\n255\n")) {
			t.Fatalf("%s: header %q", name, buf.Bytes()[:12])
		}
		out, err := ReadPGM(buf.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(out.Pix, img.Pix) || out.Bounds() != img.Bounds() {
			t.Fatalf("%s: round trip changed the pixels", name)
		}
	}
}

var badPGM = []struct{ name, in string }{
	{"empty", ""},
	{"ascii P2", "P2\n2 2\n255\n0 0 0 0\n"},
	{"16-bit", "P5\n1 1\n65535\n\x00\x00"},
	{"short data", "P5\n2 2\n255\n\x00\x00\x00"},
	{"long data", "P5\n1 1\n255\n\x00\x00"},
	{"zero width", "P5\n0 2\n255\n"},
	{"negative", "P5\n-1 2\n255\n\x00"},
	{"too wide", "P5\n9000 1\n255\n"},
	{"huge number", "P5\n99999999999 1\n255\n"},
	{"header only", "P5\n2 2\n255"},
	{"comment", "P5\n# c\n1 1\n255\n\x00"},
}

func TestReadPGMMalformed(t *testing.T) {
	for _, tt := range badPGM {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadPGM([]byte(tt.in)); !errors.Is(err, ErrPGM) {
				t.Fatalf("err = %v, want ErrPGM", err)
			}
		})
	}
	if _, err := ReadPGM([]byte("P5\n1 1\n255\n\x7f")); err != nil {
		t.Fatalf("smallest PGM: %v", err)
	}
}

func FuzzReadPGM(f *testing.F) {
	for _, tt := range badPGM {
		f.Add([]byte(tt.in))
	}
	f.Add([]byte("P5\n2 1\n255\n\x01\x02"))
	f.Fuzz(func(t *testing.T, in []byte) {
		img, err := ReadPGM(in)
		if err != nil {
			if !errors.Is(err, ErrPGM) {
				t.Fatalf("error %v is not ErrPGM", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WritePGM(&buf, img); err != nil {
			t.Fatal(err)
		}
		again, err := ReadPGM(buf.Bytes())
		if err != nil || !bytes.Equal(again.Pix, img.Pix) {
			t.Fatalf("re-encoded image does not read back: %v", err)
		}
	})
}

// TestTextsAndVerifiers: the texts verify in order on one Verifier, each
// once; a fresh Verifier accepts the first again.
func TestTextsAndVerifiers(t *testing.T) {
	w := testworld.New(1)
	texts, err := Texts(w, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	vs := Verifiers(w, 2)
	for i, text := range texts {
		p, err := vs[0].VerifyQR(text)
		if err != nil {
			t.Fatalf("text %d: %v", i, err)
		}
		if p.Counter != uint32(5+i) {
			t.Fatalf("text %d: counter %d", i, p.Counter)
		}
	}
	if _, err := vs[0].VerifyQR(texts[0]); err == nil {
		t.Fatal("replayed text accepted")
	}
	if _, err := vs[1].VerifyQR(texts[0]); err != nil {
		t.Fatalf("fresh Verifier: %v", err)
	}
}

// TestImages: every class renders, the clean image and the first mild
// frame read back to a verified identity, names are distinct.
func TestImages(t *testing.T) {
	w := testworld.New(1)
	texts, err := Texts(w, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := Images(texts[0], 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 3 {
		t.Fatalf("%d images, want 3", len(imgs))
	}
	names := map[string]bool{}
	for i, im := range imgs {
		if im.Class != Classes[i] || names[im.Name()] {
			t.Fatalf("image %d: class %s name %s", i, im.Class, im.Name())
		}
		names[im.Name()] = true
	}
	if b := imgs[1].Gray.Bounds(); b.Dx() != 1280 || b.Dy() != 720 {
		t.Fatalf("mild frame %v", b)
	}
	for _, im := range imgs[:2] {
		p, err := DecodeVerify(context.Background(), w.Verifier(nil), im.Gray)
		if err != nil || p.CredentialID != w.CID {
			t.Fatalf("%s: %v", im.Name(), err)
		}
	}
	if _, err := Render(texts[0], "blurry", 1); err == nil {
		t.Fatal("unknown class rendered")
	}
}
