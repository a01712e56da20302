package camera_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// toYUYV packs a grey image as YUYV with the given extra stride bytes and
// chroma bytes set to a value that would ruin a decode if read as luma.
func toYUYV(g *image.Gray, pad int) camera.Frame {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	stride := 2*w + pad
	data := make([]byte, stride*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			data[y*stride+2*x] = g.Pix[y*g.Stride+x]
			data[y*stride+2*x+1] = byte(x * 37)
		}
	}
	return camera.Frame{Format: camera.YUYV, Width: w, Height: h, Stride: stride, Data: data}
}

func TestDecode(t *testing.T) {
	t480, t960 := base45Text(1, 480), base45Text(2, 960)
	clean := cleanImage(t, t960, 3)
	var jb bytes.Buffer
	// A colour JPEG of a clean code decodes to *image.YCbCr.
	rgba := image.NewRGBA(clean.Rect)
	for i, v := range clean.Pix {
		rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] = v, v/2, v, 255
	}
	if err := jpeg.Encode(&jb, rgba, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	ycc, err := jpeg.Decode(&jb)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ycc.(*image.YCbCr); !ok {
		t.Fatalf("jpeg gave %T", ycc)
	}
	inverted, _, err := qrimage.Encode(t480, qrimage.Options{ModulePx: 3, Invert: true})
	if err != nil {
		t.Fatal(err)
	}
	sub := image.NewGray(image.Rect(0, 0, clean.Rect.Dx()+40, clean.Rect.Dy()+40))
	for i := range sub.Pix {
		sub.Pix[i] = 255
	}
	for y := 0; y < clean.Rect.Dy(); y++ {
		copy(sub.Pix[(y+20)*sub.Stride+20:], clean.Pix[y*clean.Stride:(y+1)*clean.Stride])
	}
	washed := cleanImage(t, t480, 3)
	for i, v := range washed.Pix {
		washed.Pix[i] = byte(110 + int(v)*20/255) // 20 grey levels, below the binarizer's 24
	}
	// A 1280×720 frame StrategyHalf reads, alone and inside a wider
	// buffer (stride above the width).
	hd := frame(t, t480, qrimage.Mild(1))
	wide := image.NewGray(image.Rect(0, 0, 1300, 730))
	for y := 0; y < 720; y++ {
		copy(wide.Pix[(y+5)*wide.Stride+11:], hd.Pix[y*hd.Stride:y*hd.Stride+1280])
	}
	tests := []struct {
		name     string
		frame    camera.Frame
		text     string
		strategy camera.Strategy // 0: any
	}{
		{"1280×720 frame, halved", camera.FromImage(hd), t480, camera.StrategyHalf},
		{"1280×720 frame in a wider buffer, halved", camera.FromImage(wide.SubImage(image.Rect(11, 5, 1291, 725))), t480, camera.StrategyHalf},
		{"1280×720 yuyv, halved", toYUYV(hd, 4), t480, camera.StrategyHalf},
		{"1279×720 frame, too narrow to halve", camera.FromImage(hd.SubImage(image.Rect(0, 0, 1279, 720))), t480, camera.StrategyHybrid},
		{"clean png 480", camera.FromImage(cleanImage(t, t480, 4)), t480, camera.StrategyPure},
		{"clean png 960", camera.FromImage(clean), t960, camera.StrategyPure},
		{"one pixel per module", camera.FromImage(cleanImage(t, t480, 1)), t480, 0},
		{"sub-image of a larger gray", camera.FromImage(sub.SubImage(image.Rect(20, 20, 20+clean.Rect.Dx(), 20+clean.Rect.Dy()))), t960, camera.StrategyPure},
		{"ycbcr from jpeg", camera.FromImage(ycc), t960, 0},
		{"rgba fallback", camera.FromImage(rgba), t960, 0},
		{"yuyv padded", toYUYV(clean, 6), t960, camera.StrategyPure},
		{"inverted (dark mode), alone in its image", camera.FromImage(inverted), t480, camera.StrategyPure},
		{"washed out", camera.FromImage(washed), t480, camera.StrategyStretch},
		{"mild frame", camera.FromImage(frame(t, t480, qrimage.Mild(3))), t480, 0},
		{"non-ApCV text", camera.FromImage(cleanImage(t, "https://example.org/", 4)), "https://example.org/", camera.StrategyPure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := camera.DecodeWith(context.Background(), tt.frame, camera.DecodeOptions{Source: "camera:test", Budget: -1})
			if err != nil {
				t.Fatal(err)
			}
			if r.Text != tt.text {
				t.Fatalf("text %q…, want %q…", r.Text[:min(20, len(r.Text))], tt.text[:20])
			}
			if tt.strategy != 0 && r.Strategy != tt.strategy {
				t.Errorf("read by %v, want %v", r.Strategy, tt.strategy)
			}
			if r.Symbology != "]Q1" || r.Source != "camera:test" || r.At.IsZero() || r.Tried < 1 {
				t.Errorf("scan metadata %q %q %v tried %d", r.Symbology, r.Source, r.At, r.Tried)
			}
		})
	}
}

func TestDecodeFailures(t *testing.T) {
	blank, err := qrimage.BlankFrame(qrimage.FrameOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	// A budget clock that jumps one second per reading: the budget is
	// spent after the first strategy.
	var ticks time.Duration
	jumpy := func() time.Duration { ticks += time.Second; return ticks }
	tests := []struct {
		name  string
		ctx   context.Context
		frame camera.Frame
		opts  camera.DecodeOptions
		want  error
		tried int // -1: don't check
	}{
		// StrategyHalf finds no finder pattern: StrategyResampleMean3
		// runs twice, its first stages early.
		{"blank scene", context.Background(), camera.FromImage(blank), camera.DecodeOptions{Budget: -1}, qrscan.ErrNoCode, len(camera.DefaultStrategies) + 1},
		{"uniform white", context.Background(), camera.Frame{Format: camera.Gray, Width: 64, Height: 64, Data: bytes.Repeat([]byte{255}, 64*64)}, camera.DecodeOptions{}, qrscan.ErrNoCode, -1},
		{"tiny frame", context.Background(), camera.Frame{Format: camera.Gray, Width: 1, Height: 1, Data: []byte{0}}, camera.DecodeOptions{}, qrscan.ErrNoCode, -1},
		{"budget spent after one strategy", context.Background(), camera.FromImage(blank), camera.DecodeOptions{Budget: time.Millisecond, Clock: jumpy}, qrscan.ErrNoCode, 1},
		{"no strategies", context.Background(), camera.FromImage(blank), camera.DecodeOptions{Strategies: []camera.Strategy{}}, qrscan.ErrNoCode, 0},
		{"unknown strategy", context.Background(), camera.FromImage(blank), camera.DecodeOptions{Strategies: []camera.Strategy{200}}, qrscan.ErrNoCode, 1},
		{"canceled", canceled, camera.FromImage(blank), camera.DecodeOptions{}, context.Canceled, 0},
		{"bad frame", context.Background(), camera.Frame{Format: camera.Gray, Width: 10, Height: 10, Data: make([]byte, 99)}, camera.DecodeOptions{}, camera.ErrBadFrame, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := camera.DecodeWith(tt.ctx, tt.frame, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.tried >= 0 && r.Tried != tt.tried {
				t.Errorf("tried %d strategies, want %d", r.Tried, tt.tried)
			}
		})
	}
	_, err = camera.Decode(context.Background(), camera.FromImage(blank))
	if got := apcverr.Message(err, apcverr.FR); got != qrscan.ErrNoCode.FR {
		t.Errorf("desk message %q", got)
	}
}

func TestStrategyString(t *testing.T) {
	for s, want := range map[camera.Strategy]string{
		camera.StrategyPure: "pure", camera.StrategyResampleMean3: "resample-mean3",
		camera.StrategyInverted: "inverted", camera.StrategyHalf: "half", camera.StrategyFill: "fill", camera.StrategyKeystone: "keystone", 0: "strategy(0)", 250: "strategy(250)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", s, got, want)
		}
	}
}

// TestSmoothFirst: StrategyResampleMean3 is also tried just after the
// strategy at index i when it comes later, and only then.
func TestSmoothFirst(t *testing.T) {
	const (
		h, p, y, m, r = camera.StrategyHalf, camera.StrategyPure, camera.StrategyHybrid, camera.StrategyResampleMean3, camera.StrategyResample
	)
	for _, c := range []struct {
		in   []camera.Strategy
		i    int
		want []camera.Strategy
	}{
		{[]camera.Strategy{h, p, y, m, r}, 0, []camera.Strategy{h, m, p, y, m, r}},
		{[]camera.Strategy{p, h, y, m}, 1, []camera.Strategy{p, h, m, y, m}},
		{[]camera.Strategy{h, m, p}, 0, []camera.Strategy{h, m, p}},
		{[]camera.Strategy{m, h, p}, 1, []camera.Strategy{m, h, p}},
		{[]camera.Strategy{h, p, y}, 0, []camera.Strategy{h, p, y}},
		{[]camera.Strategy{h}, 0, []camera.Strategy{h}},
	} {
		in := append([]camera.Strategy(nil), c.in...)
		got := camera.SmoothFirst(in, c.i, nil)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("smoothFirst(%v, %d) = %v, want %v", c.in, c.i, got, c.want)
		}
		if fmt.Sprint(in) != fmt.Sprint(c.in) {
			t.Errorf("smoothFirst(%v, %d) changed its input to %v", c.in, c.i, in)
		}
	}
	if got := camera.SmoothFirst(camera.DefaultStrategies, 0, nil); got[1] != m || len(got) != len(camera.DefaultStrategies)+1 {
		t.Errorf("default order after a miss of StrategyHalf: %v", got)
	}
}

// TestSmoothFirstDecode: on a hard frame whose halved binarization holds no
// finder pattern (4-pixel modules, blur, noise), the default order tries
// StrategyResampleMean3's first stages second, which read it; the same
// strategies given explicitly keep their order (StrategyHalfInverted,
// which runs whenever it is given, StrategyPure and StrategyHybrid first).
func TestSmoothFirstDecode(t *testing.T) {
	text := base45Text(3, 467)
	img := frame(t, text, qrimage.Hard(3))
	r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
	if err != nil || r.Text != text {
		t.Fatalf("default order: %v", err)
	}
	if r.Strategy != camera.StrategyResampleMean3 || r.Tried != 2 {
		t.Fatalf("default order: read by %v after %d strategies, want resample-mean3 second", r.Strategy, r.Tried)
	}
	given := append([]camera.Strategy(nil), camera.DefaultStrategies...)
	r, err = camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1, Strategies: given})
	if err != nil || r.Text != text {
		t.Fatalf("given order: %v", err)
	}
	if r.Strategy != camera.StrategyResampleMean3 || r.Tried != 5 {
		t.Fatalf("given order: read by %v after %d strategies, want resample-mean3 fifth", r.Strategy, r.Tried)
	}
}
