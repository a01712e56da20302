package qrimage

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestFrameOptions: the camera options the benchmark families use render a
// readable frame (each alone, moderate), deterministic, and out-of-range
// values are refused.
func TestFrameOptions(t *testing.T) {
	text := base45(480)
	good := []struct {
		name string
		o    FrameOptions
	}{
		{"wide angle, tilted", FrameOptions{ModulePx: 5, Perspective: 30, Focal: 700, Rotation: 20, Seed: 1}},
		{"thin quiet zone on a dark card", FrameOptions{ModulePx: 5, QuietZone: 1.5, Seed: 2}},
		{"dark mode", FrameOptions{ModulePx: 5, Invert: true, Seed: 3}},
		{"bright surround", FrameOptions{ModulePx: 5, Surround: 0.9, Seed: 4}},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Frame(text, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Frame(text, tt.o)
			if string(a.Pix) != string(b.Pix) {
				t.Fatal("not deterministic")
			}
			r, err := camera.DecodeWith(context.Background(), camera.FromImage(a), camera.DecodeOptions{Budget: -1})
			if err != nil || r.Text != text {
				t.Fatalf("not read: %v", err)
			}
			inverted := r.Strategy == camera.StrategyInverted || r.Strategy == camera.StrategyHalfInverted
			if tt.o.Invert != inverted {
				t.Errorf("read by %v", r.Strategy)
			}
		})
	}
	for _, o := range []FrameOptions{{Focal: 50}, {Focal: math.NaN()}, {QuietZone: -1}, {QuietZone: MaxQuietZone + 1}, {Surround: 1.5}, {Surround: -0.1}} {
		if _, err := Frame(text, o); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%+v: %v, want ErrBadOptions", o, err)
		}
	}
}
