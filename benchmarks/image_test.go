package benchmarks_test

import (
	"bytes"
	"context"
	"image/png"
	"sync"
	"testing"

	"github.com/apcvkit/apcvkit/benchmarks/internal/corpus"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// frames is the image corpus of the benchmarks: the clean image and the
// first frames of each class that our decoder reads, built once, all of the
// fixed text of testdata/frameworld.json so that they are the same from run
// to run.
var frames struct {
	once sync.Once
	fw   *frameWorld // the fixed text and its trust (testdata/frameworld.json)
	png  []byte      // the clean image as a PNG file
	img  map[corpus.Class]corpus.Image
	err  error
}

// frameSeeds bounds the seeds tried to find a readable frame of a class.
const frameSeeds = 20

func benchImages(tb testing.TB) (*frameWorld, []byte, map[corpus.Class]corpus.Image) {
	tb.Helper()
	frames.once.Do(func() {
		fw, err := loadFrameWorld()
		if err != nil {
			frames.err = err
			return
		}
		frames.fw = fw
		var buf bytes.Buffer
		if _, err := qrimage.WritePNG(&buf, fw.Text, qrimage.Options{ModulePx: corpus.CleanModulePx}); err != nil {
			frames.err = err
			return
		}
		frames.png = buf.Bytes()
		frames.img = map[corpus.Class]corpus.Image{}
		// One class at a time, seed after seed, up to the first image read:
		// generating the whole corpus takes seconds.
		for _, c := range corpus.Classes {
			for seed := uint64(1); seed <= frameSeeds; seed++ {
				im, err := corpus.Render(fw.Text, c, seed)
				if err != nil {
					frames.err = err
					return
				}
				if _, err := corpus.DecodeVerify(context.Background(), fw.Verifier(), im.Gray); err == nil {
					frames.img[c] = im
					break
				}
				if c == corpus.Clean {
					break
				}
			}
		}
	})
	if frames.err != nil {
		tb.Fatal(frames.err)
	}
	for _, c := range corpus.Classes {
		if _, ok := frames.img[c]; !ok {
			tb.Fatalf("no %s image of seeds 1..%d is read by the camera decoder", c, frameSeeds)
		}
	}
	return frames.fw, frames.png, frames.img
}

// BenchmarkPNG is a PNG file (the clean code, as a screenshot) to a verified
// identity: image/png decode, camera.DecodeWith, VerifyQR. SetBytes is the
// file's size.
func BenchmarkPNG(b *testing.B) {
	fw, file, _ := benchImages(b)
	vs := fw.Verifiers(b.N)
	ctx := context.Background()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		img, err := png.Decode(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		r, err := camera.DecodeWith(ctx, camera.FromImage(img), corpus.DecodeOptions)
		if err != nil {
			b.Fatal(err)
		}
		p, err := vs[i].VerifyQR(r.Text)
		if err != nil {
			b.Fatal(err)
		}
		sinkPresentation = p
	}
}

// BenchmarkFrame is a grey frame in memory to a verified identity
// (camera.DecodeWith with the default strategies and no time budget, then
// VerifyQR): the clean code, and 1280×720 webcam frames, mild and hard (the
// first seed of each our decoder reads). SetBytes is the frame's size.
//
// P2 compares the frames with zxing-cpp: go run ./benchmarks/cmd/peers.
func BenchmarkFrame(b *testing.B) {
	fw, _, imgs := benchImages(b)
	for _, c := range corpus.Classes {
		im := imgs[c]
		b.Run(string(c), func(b *testing.B) {
			vs := fw.Verifiers(b.N)
			ctx := context.Background()
			b.SetBytes(int64(len(im.Gray.Pix)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				p, err := corpus.DecodeVerify(ctx, vs[i], im.Gray)
				if err != nil {
					b.Fatal(err)
				}
				sinkPresentation = p
			}
		})
	}
}

// BenchmarkFrameStages splits the mild frame's path: the camera decode
// alone (text out), and the verification of that text alone, so the README
// can say where the frame's time goes.
func BenchmarkFrameStages(b *testing.B) {
	fw, _, imgs := benchImages(b)
	im := imgs[corpus.Mild]
	ctx := context.Background()
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(im.Gray.Pix)))
		b.ReportAllocs()
		for b.Loop() {
			r, err := camera.DecodeWith(ctx, camera.FromImage(im.Gray), corpus.DecodeOptions)
			if err != nil || r.Text != im.Text {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		vs := fw.Verifiers(b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			p, err := vs[i].VerifyQR(im.Text)
			if err != nil {
				b.Fatal(err)
			}
			sinkPresentation = p
		}
	})
}

// TestImages checks the image corpus the benchmarks use: each class has a
// readable image whose identity is the world's, and the PNG file decodes to
// the same text.
func TestImages(t *testing.T) {
	fw, file, imgs := benchImages(t)
	for _, c := range corpus.Classes {
		p, err := corpus.DecodeVerify(context.Background(), fw.Verifier(), imgs[c].Gray)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		checkIdentity(t, p, testworld.Family(1))
	}
	img, err := png.Decode(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), corpus.DecodeOptions)
	if err != nil || r.Text != imgs[corpus.Clean].Text {
		t.Fatalf("PNG: %q, %v", r.Text, err)
	}
}

// checkIdentity fails t unless p holds the family's beneficiaries' NIRs.
func checkIdentity(t testing.TB, p *credential.Presentation, f credential.Family) {
	t.Helper()
	got := p.Family.Beneficiaires
	if len(got) != len(f.Beneficiaires) {
		t.Fatalf("%d beneficiaries, want %d", len(got), len(f.Beneficiaires))
	}
	for i := range got {
		if got[i].NIR != f.Beneficiaires[i].NIR {
			t.Fatalf("beneficiary %d: another NIR", i)
		}
	}
}
