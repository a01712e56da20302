package camera_test

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// hardFrames are the peer harness's hard class in miniature: 20 frames of
// qrimage.Hard(1..20), each of a 467-character text (the length of a
// one-beneficiary credential's QR text, version 13), built once.
var hardFrames struct {
	once  sync.Once
	imgs  []*image.Gray
	texts []string
}

func hardCorpus(tb testing.TB) ([]*image.Gray, []string) {
	tb.Helper()
	hardFrames.once.Do(func() {
		for seed := uint64(1); seed <= 20; seed++ {
			text := base45Text(seed, 467)
			img, err := qrimage.Frame(text, qrimage.Hard(seed))
			if err != nil {
				panic(err)
			}
			hardFrames.imgs = append(hardFrames.imgs, img)
			hardFrames.texts = append(hardFrames.texts, text)
		}
	})
	return hardFrames.imgs, hardFrames.texts
}

// BenchmarkDecodeHard decodes the 20 hard frames in turn (one op = the 20
// frames, those none of our strategies reads included): where P2 hard's
// time goes, for -cpuprofile.
func BenchmarkDecodeHard(b *testing.B) {
	imgs, texts := hardCorpus(b)
	opts := camera.DecodeOptions{Budget: -1}
	b.ReportAllocs()
	for b.Loop() {
		for i, img := range imgs {
			r, err := camera.DecodeWith(context.Background(), camera.FromImage(img), opts)
			if err == nil && r.Text != texts[i] {
				b.Fatalf("frame %d: wrong text", i+1)
			}
		}
	}
}

// TestHardReport logs, with APCV_HARD_REPORT=1, which strategy reads each
// hard frame, after how many, at what CPU cost.
func TestHardReport(t *testing.T) {
	if os.Getenv("APCV_HARD_REPORT") == "" {
		t.Skip("APCV_HARD_REPORT not set")
	}
	imgs, texts := hardCorpus(t)
	read := 0
	var total time.Duration
	for i, img := range imgs {
		// The least CPU time of 3 decodes: the machine may be loaded.
		var r camera.Result
		var err error
		spent := time.Duration(math.MaxInt64)
		for range 3 {
			r, err = camera.DecodeWith(context.Background(), camera.FromImage(img), camera.DecodeOptions{Budget: -1})
			spent = min(spent, r.Spent)
		}
		total += spent
		ok := err == nil && r.Text == texts[i]
		if ok {
			read++
		}
		fmt.Printf("hard-%02d ok=%v by=%v tried=%d spent=%v\n", i+1, ok, r.Strategy, r.Tried, spent)
	}
	fmt.Printf("read %d of %d, %v of CPU per frame\n", read, len(imgs), total/time.Duration(len(imgs)))
}
