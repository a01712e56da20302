package main

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestQRPNGInverted: the emulator's dark-mode PNGs (`apcv qr png --invert`)
// are read every time, by the same locator as ordinary codes, at the
// second strategy (StrategyPure flips a binarization whose light pixels
// span a square), within the default CPU budget even under the race
// detector, and verify: 8 images per profile, the family of 6 included
// (issue 17: it failed every time).
func TestQRPNGInverted(t *testing.T) {
	n := 8
	if testing.Short() {
		n = 2
	}
	for _, profile := range []string{"famille-6-drome", "corse-2b", "isere-solo"} {
		t.Run(profile, func(t *testing.T) {
			state := t.TempDir()
			dir := t.TempDir()
			for i := range n {
				path := filepath.Join(dir, strconv.Itoa(i)+".png")
				args := []string{"png", "--profile", profile, "--out", path, "--state", state, "--invert"}
				if i%2 == 1 {
					args = append(args, "--module-px", strconv.Itoa(2+i%4), "--quiet-zone", strconv.Itoa(i%3))
				}
				code, out, errOut := runQR(t, args...)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				m := pngLine.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("output %q", out)
				}
				counter, _ := strconv.Atoi(m[4])
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{})
				if err != nil {
					t.Fatalf("image %d (%v): %v", i, args[7:], err)
				}
				if r.Strategy != camera.StrategyPure {
					t.Errorf("image %d read by %v after %d strategies, want %v (a code alone in its image, flipped)", i, r.Strategy, r.Tried, camera.StrategyPure)
				}
				p, err := stateVerifier(t, state).VerifyQR(r.Text)
				if err != nil || p.Counter != uint32(counter) {
					t.Fatalf("image %d: %v (counter %d)", i, err, counter)
				}
			}
		})
	}
}
