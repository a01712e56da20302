// Package corpus builds what the benchmarks and the peer harness feed the
// decode-verify path: QR texts that verify (distinct refresh counters, so the
// replay check passes), Verifiers to verify them with, and the image corpus
// (a clean rendered code and generated 1280×720 webcam frames) with its PGM
// form for the C peers.
//
//	w := testworld.New(1)
//	texts, _ := corpus.Texts(w, 1, 512)           // counters 1..512, all at w.Now
//	imgs, _ := corpus.Images(texts[0], 20, 20)   // clean + 20 mild + 20 hard
package corpus

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"strconv"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// Texts returns n QR texts of w's credential presented at w.Now with the
// refresh counters from, from+1, …: a Verifier accepts each once, in order
// (its replay check refuses a counter not above the last one seen).
func Texts(w *testworld.World, from uint32, n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		t, err := w.Held.PresentQR(w.Device, w.Now, from+uint32(i))
		if err != nil {
			return nil, fmt.Errorf("corpus: present QR: %w", err)
		}
		out[i] = t
	}
	return out, nil
}

// Verifiers returns n fresh Verifiers trusting w's lists at w.Now: each has
// an empty replay cache, so each accepts every text of Texts once.
func Verifiers(w *testworld.World, n int) []*credential.Verifier {
	out := make([]*credential.Verifier, n)
	for i := range out {
		out[i] = w.Verifier(nil)
	}
	return out
}

// Class is a kind of image of the corpus.
type Class string

// Image classes.
const (
	// Clean is the code rendered alone (qrimage.Encode, 6 px modules,
	// 4-module quiet zone), as in a screenshot or a PNG file.
	Clean Class = "clean"
	// Mild is a 1280×720 webcam frame with qrimage.Mild(seed).
	Mild Class = "mild-1280x720"
	// Hard is a 1280×720 webcam frame with qrimage.Hard(seed).
	Hard Class = "hard-1280x720"
)

// Classes lists the classes in table order.
var Classes = []Class{Clean, Mild, Hard}

// Image is one image of the corpus.
type Image struct {
	Class Class
	Seed  uint64 // the frame's seed (0 for Clean)
	Gray  *image.Gray
	Text  string // the text it encodes
	// World is the testworld whose Verifier accepts Text; nil for the
	// clean, mild and hard images (the caller's world).
	World *testworld.World
	// Options rendered the frame (qrimage.Frame); zero for Clean. With a
	// text of the same length they render the same scene again.
	Options qrimage.FrameOptions
}

// Name is a file name for the image: "clean.pgm", "mild-1280x720-07.pgm".
func (im Image) Name() string {
	if im.Class == Clean {
		return string(im.Class) + ".pgm"
	}
	return fmt.Sprintf("%s-%02d.pgm", im.Class, im.Seed)
}

// CleanModulePx is the module size of the Clean image.
const CleanModulePx = 6

// Images renders text as the Clean image, then as mild frames of seeds
// 1..mild and hard frames of seeds 1..hard. Generation is deterministic.
func Images(text string, mild, hard int) ([]Image, error) {
	im, err := Render(text, Clean, 0)
	if err != nil {
		return nil, err
	}
	out := []Image{im}
	for _, c := range []struct {
		class Class
		n     int
	}{{Mild, mild}, {Hard, hard}} {
		for s := uint64(1); s <= uint64(c.n); s++ {
			im, err := Render(text, c.class, s)
			if err != nil {
				return nil, err
			}
			out = append(out, im)
		}
	}
	return out, nil
}

// Render renders text as one image of class c (seed is ignored for Clean).
func Render(text string, c Class, seed uint64) (Image, error) {
	var (
		img *image.Gray
		o   qrimage.FrameOptions
		err error
	)
	switch c {
	case Clean:
		img, _, err = qrimage.Encode(text, qrimage.Options{ModulePx: CleanModulePx})
		seed = 0
	case Mild:
		o = qrimage.Mild(seed)
		img, err = qrimage.Frame(text, o)
	case Hard:
		o = qrimage.Hard(seed)
		img, err = qrimage.Frame(text, o)
	default:
		err = fmt.Errorf("unknown class %q", c)
	}
	if err != nil {
		return Image{}, fmt.Errorf("corpus: %s seed %d: %w", c, seed, err)
	}
	return Image{Class: c, Seed: seed, Gray: img, Text: text, Options: o}, nil
}

// DecodeOptions are the camera options of the path: the default strategies
// with no time budget, so that a loaded machine does not turn a slow
// iteration into a failure.
var DecodeOptions = camera.DecodeOptions{Budget: -1}

// DecodeVerify is the camera path from a grey frame to a verified identity:
// camera.DecodeWith, then v.VerifyQR.
func DecodeVerify(ctx context.Context, v *credential.Verifier, img *image.Gray) (*credential.Presentation, error) {
	r, err := camera.DecodeWith(ctx, camera.FromImage(img), DecodeOptions)
	if err != nil {
		return nil, err
	}
	return v.VerifyQR(r.Text)
}

// WritePGM writes img as a binary (P5) 8-bit PGM, the raw grey bytes the C
// peers load (zbar wants exactly these Y800 bytes).
func WritePGM(w io.Writer, img *image.Gray) error {
	b := img.Bounds()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "P5\n%d %d\n255\n", b.Dx(), b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		off := img.PixOffset(b.Min.X, y)
		bw.Write(img.Pix[off : off+b.Dx()])
	}
	return bw.Flush()
}

// ErrPGM is returned by ReadPGM for input that is not a binary 8-bit PGM.
var ErrPGM = errors.New("corpus: not a binary 8-bit PGM")

// MaxPGMSide bounds the width and height ReadPGM accepts.
const MaxPGMSide = 8192

// ReadPGM parses a binary (P5) 8-bit PGM as WritePGM writes it (comments
// are not accepted). It checks the size before allocating.
func ReadPGM(data []byte) (*image.Gray, error) {
	s := data
	var fields [4][]byte
	for i := range fields {
		// one whitespace-separated token; the header ends with exactly one
		// whitespace byte after maxval.
		for len(s) > 0 && isSpace(s[0]) && i > 0 {
			s = s[1:]
		}
		j := 0
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		if j == 0 || j == len(s) {
			return nil, ErrPGM
		}
		fields[i], s = s[:j], s[j+1:]
	}
	if !bytes.Equal(fields[0], []byte("P5")) {
		return nil, ErrPGM
	}
	var n [3]int
	for i, f := range fields[1:] {
		if len(f) > 5 {
			return nil, ErrPGM
		}
		v, err := strconv.Atoi(string(f))
		if err != nil || v <= 0 {
			return nil, ErrPGM
		}
		n[i] = v
	}
	w, h := n[0], n[1]
	if n[2] != 255 || w > MaxPGMSide || h > MaxPGMSide || len(s) != w*h {
		return nil, ErrPGM
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	copy(img.Pix, s)
	return img, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
