package camera_test

import (
	"image"
	"image/color"
	"image/color/palette"
	"math/rand/v2"
	"testing"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// generic is FromImage's luma for any image.Image: color.GrayModel pixel by
// pixel, the reference the fast paths must match byte for byte.
func generic(img image.Image) []byte {
	r := img.Bounds()
	out := make([]byte, 0, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out = append(out, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
		}
	}
	return out
}

func frameBytes(t *testing.T, f camera.Frame) []byte {
	t.Helper()
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 0, f.Width*f.Height)
	for y := range f.Height {
		out = append(out, f.Data[y*f.Stride:y*f.Stride+f.Width]...)
	}
	return out
}

// TestFromImageFastPaths: the RGBA, NRGBA (alpha included) and paletted
// paths give the same luma as color.GrayModel, on whole images and on
// sub-images whose rectangle does not start at 0,0.
func TestFromImageFastPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w, h = 37, 23
	rect := image.Rect(3, 5, 3+w, 5+h)
	rgba := image.NewRGBA(rect)
	nrgba := image.NewNRGBA(rect)
	pal := image.NewPaletted(rect, palette.Plan9)
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(rng.UintN(256))
		nrgba.Pix[i] = byte(rng.UintN(256))
	}
	for i := range pal.Pix {
		pal.Pix[i] = byte(rng.UintN(256))
	}
	sub := image.Rect(7, 9, 30, 20)
	for _, tc := range []struct {
		name string
		img  image.Image
	}{
		{"rgba", rgba},
		{"nrgba", nrgba},
		{"paletted", pal},
		{"rgba sub-image", rgba.SubImage(sub)},
		{"nrgba sub-image", nrgba.SubImage(sub)},
		{"paletted sub-image", pal.SubImage(sub)},
		{"generic (RGBA64)", image.NewRGBA64(rect)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := frameBytes(t, camera.FromImage(tc.img))
			want := generic(tc.img)
			if len(got) != len(want) {
				t.Fatalf("%d bytes, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("pixel %d: luma %d, want %d", i, got[i], want[i])
				}
			}
		})
	}
}

// TestFromImagePaletteShort: an index past a short palette reads as black
// instead of panicking.
func TestFromImagePaletteShort(t *testing.T) {
	p := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.White})
	p.Pix[1] = 5
	got := frameBytes(t, camera.FromImage(p))
	if got[0] != 255 || got[1] != 0 {
		t.Fatalf("luma %v, want [255 0]", got)
	}
}

var sinkFrame camera.Frame

// opaque hides an image's concrete type, so FromImage takes its generic
// per-pixel path: the before of the fast paths, in the same run.
type opaque struct{ image.Image }

// BenchmarkFromImage: a 1280×720 image of each type png and jpeg decode to,
// to the frame the decoder reads.
func BenchmarkFromImage(b *testing.B) {
	rect := image.Rect(0, 0, 1280, 720)
	for _, tc := range []struct {
		name string
		img  image.Image
	}{
		{"gray", image.NewGray(rect)},
		{"rgba", image.NewRGBA(rect)},
		{"nrgba", image.NewNRGBA(rect)},
		{"paletted", image.NewPaletted(rect, palette.WebSafe)},
		{"rgba-generic", opaque{image.NewRGBA(rect)}},
		{"nrgba-generic", opaque{image.NewNRGBA(rect)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(rect.Dx() * rect.Dy()))
			for b.Loop() {
				sinkFrame = camera.FromImage(tc.img)
			}
		})
	}
}
