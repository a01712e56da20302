package camera_test

import (
	"context"
	"image"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

var sinkScan qrscan.Scan

// BenchmarkDecode: a frame already in memory (*image.Gray) to its text, with
// the default strategies. SetBytes is the frame's size, so MB/s reads as
// frame throughput.
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"clean-960.png", "mild-1280x720.png", "hard-1280x720.png"} {
		img, text := loadTestdata(b, name)
		b.Run(name, func(b *testing.B) {
			f := camera.FromImage(img)
			// No budget: a loaded machine must not turn a slow iteration
			// into a failure; the budget guards production, not this.
			opts := camera.DecodeOptions{Budget: -1}
			b.ReportAllocs()
			b.SetBytes(int64(len(img.Pix)))
			for b.Loop() {
				r, err := camera.DecodeWith(context.Background(), f, opts)
				if err != nil || r.Text != text {
					b.Fatal(err)
				}
				sinkScan = r.Scan
			}
		})
	}
}

var sinkSource gozxing.LuminanceSource

// BenchmarkLuminance compares building the binarizer input: our in-place
// source against gozxing's NewLuminanceSourceFromImage, which converts every
// pixel through image.Image.At.
func BenchmarkLuminance(b *testing.B) {
	img, _ := loadTestdata(b, "mild-1280x720.png")
	b.Run("camera.NewLuminance", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(img.Pix)))
		for b.Loop() {
			l, err := camera.NewLuminance(camera.FromImage(img))
			if err != nil {
				b.Fatal(err)
			}
			sinkSource = l
		}
	})
	b.Run("gozxing.NewLuminanceSourceFromImage", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(img.Pix)))
		for b.Loop() {
			sinkSource = gozxing.NewLuminanceSourceFromImage(img)
		}
	})
}

// BenchmarkPlainGozxing is the baseline: what a caller of gozxing alone
// does with a frame (image source, hybrid binarizer, TRY_HARDER).
func BenchmarkPlainGozxing(b *testing.B) {
	for _, name := range []string{"clean-960.png", "mild-1280x720.png"} {
		img, _ := loadTestdata(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(img.Pix)))
			hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
			for b.Loop() {
				decodeGozxing(b, img, hints)
			}
		})
	}
}

func decodeGozxing(b *testing.B, img image.Image, hints map[gozxing.DecodeHintType]any) {
	bm, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := qrcode.NewQRCodeReader().Decode(bm, hints); err != nil {
		b.Fatal(err)
	}
}

var sinkMatrix *gozxing.BitMatrix

// BenchmarkHybrid compares the binarization of a 1280×720 frame: ours,
// with its buffers reused, and gozxing's HybridBinarizer over the same
// in-place luminance source.
func BenchmarkHybrid(b *testing.B) {
	img, _ := loadTestdata(b, "mild-1280x720.png")
	f := camera.FromImage(img)
	b.Run("camera", func(b *testing.B) {
		sc := new(camera.Scratch)
		b.ReportAllocs()
		b.SetBytes(int64(len(img.Pix)))
		for b.Loop() {
			m, err := camera.HybridMatrix(f, sc)
			if err != nil {
				b.Fatal(err)
			}
			sinkMatrix = m
		}
	})
	b.Run("gozxing", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(img.Pix)))
		for b.Loop() {
			m, err := gozxingMatrix(f)
			if err != nil {
				b.Fatal(err)
			}
			sinkMatrix = m
		}
	})
}

// BenchmarkKeystone: the frames of TestStrongKeystone, which only
// StrategyKeystone reads, decoded by it alone ("keystone") and by every
// default strategy ("default": the strategies before it fail first).
func BenchmarkKeystone(b *testing.B) {
	for _, tt := range strongKeystones {
		text := base45Text(1, tt.chars)
		f := camera.FromImage(frame(b, text, tt.o))
		for _, run := range []struct {
			name       string
			strategies []camera.Strategy
		}{{"keystone", []camera.Strategy{camera.StrategyKeystone}}, {"default", nil}} {
			b.Run(tt.name[:len("tilt 32°")]+"/"+run.name, func(b *testing.B) {
				b.ReportAllocs()
				opts := camera.DecodeOptions{Budget: -1, Strategies: run.strategies}
				for b.Loop() {
					r, err := camera.DecodeWith(context.Background(), f, opts)
					if err != nil || r.Text != text {
						b.Fatalf("not read: %v", err)
					}
					sinkScan = r.Scan
				}
			})
		}
	}
}
