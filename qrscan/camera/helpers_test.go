package camera_test

import (
	"context"
	"image"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// base45Text returns "APCV1:" followed by random Base45 characters, n
// characters in all, deterministic by seed.
func base45Text(seed uint64, n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	r := rand.New(rand.NewPCG(seed, 45))
	b := []byte("APCV1:")
	for len(b) < n {
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	return string(b)
}

func cleanImage(t testing.TB, text string, px int) *image.Gray {
	t.Helper()
	img, _, err := qrimage.Encode(text, qrimage.Options{ModulePx: px})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func frame(t testing.TB, text string, o qrimage.FrameOptions) *image.Gray {
	t.Helper()
	img, err := qrimage.Frame(text, o)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// peer returns the path of an independent decoder, skipping the test when
// it is missing unless APCV_REQUIRE_PEERS is set.
func peer(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("APCV_REQUIRE_PEERS") != "" {
			t.Fatalf("%s required (APCV_REQUIRE_PEERS is set): %v", name, err)
		}
		t.Skipf("%s not installed (apt-get install zbar-tools zxing-cpp-tools qrencode)", name)
	}
	return p
}

// mustRead renders text as a frame with o and requires every default
// strategy, unbounded, to read it; it logs which one did and at what cost.
func mustRead(t *testing.T, text string, o qrimage.FrameOptions) {
	t.Helper()
	img := frame(t, text, o)
	r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
	if err != nil || r.Text != text {
		t.Fatalf("not read: %v", err)
	}
	t.Logf("read by %v after %d strategies, %v CPU", r.Strategy, r.Tried, r.Spent)
}

// readRows runs one subtest per row: of means the row's name, text and
// frame options; the subtest renders the text so and requires it read
// (mustRead). Rendering is slow under the race detector: there only the
// first row of each kind (the first word of its name) runs.
func readRows[R any](t *testing.T, rows []R, of func(R) (name, text string, o qrimage.FrameOptions)) {
	t.Helper()
	seen := map[string]bool{}
	for _, row := range rows {
		name, text, o := of(row)
		kind, _, _ := strings.Cut(name, " ")
		if raceEnabled && seen[kind] {
			continue
		}
		seen[kind] = true
		t.Run(name, func(t *testing.T) { mustRead(t, text, o) })
	}
}

// readByAt renders each frame of options opts with a test text of chars
// characters (seeded by the frame's own seed) and fails t unless the
// default order reads it by want, after exactly tried strategies.
func readByAt(t *testing.T, opts []qrimage.FrameOptions, chars int, want camera.Strategy, tried int) {
	t.Helper()
	for i, o := range opts {
		text := base45Text(o.Seed, chars)
		img := frame(t, text, o)
		r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
		if err != nil || r.Text != text {
			t.Errorf("frame %d: not read: %v", i, err)
			continue
		}
		t.Logf("frame %d: read by %v after %d strategies, %v CPU", i, r.Strategy, r.Tried, r.Spent)
		if r.Strategy != want || r.Tried != tried {
			t.Errorf("frame %d: read by %v after %d strategies, want %v after %d", i, r.Strategy, r.Tried, want, tried)
		}
	}
}
