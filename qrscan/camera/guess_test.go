package camera_test

import (
	"context"
	"testing"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestHalfGuess: on the hard frames where StrategyHalf finds two finder
// patterns in the halved frame but not the third, the region it guesses
// holds the code, whose text the first fitting stages read from that
// region alone (the path that spares the frame's own smoothing and
// binarizations), and the default decode reads the same text.
func TestHalfGuess(t *testing.T) {
	imgs, texts := hardCorpus(t)
	guessed := 0
	for i, img := range imgs {
		f := camera.FromImage(img)
		r, text, ok, err := camera.HalfGuess(f)
		if !ok {
			continue
		}
		guessed++
		if 2*r.Dx()*r.Dy() > f.Width*f.Height || r.Min.X < 0 || r.Min.Y < 0 || r.Max.X > f.Width || r.Max.Y > f.Height {
			t.Errorf("hard %d: guessed region %v: outside the frame or more than half of it", i+1, r)
		}
		if err != nil || text != texts[i] {
			t.Errorf("hard %d: the guessed region %v read %q, %v; want the frame's text", i+1, r, text, err)
			continue
		}
		res, err := camera.DecodeWith(context.Background(), f, camera.DecodeOptions{Budget: -1})
		if err != nil || res.Text != texts[i] || res.Strategy != camera.StrategyResampleMean3 || res.Tried != 2 {
			t.Errorf("hard %d: decode read %q by %v after %d strategies, %v; want the text by the guess (resample-mean3, second)", i+1, res.Text, res.Strategy, res.Tried, err)
		}
	}
	// 6 of the 20 at the time of writing (4, 5, 6, 8, 10, 17).
	if guessed < 4 {
		t.Errorf("%d hard frames with a guessed region, want at least 4", guessed)
	}
}
