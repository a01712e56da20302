package benchmarks_test

import (
	"context"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/benchmarks/internal/corpus"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// familySeed and familyFrames: the frames of BenchmarkFamilies.
const (
	familySeed   = 17
	familyFrames = 40
)

// BenchmarkFamilies decodes the frames of each distortion family of the
// peer harness (benchmarks/internal/corpus: the options of frames 1 to 40
// of seed 17, all showing the fixed text of testdata/frameworld.json, so
// that the frames are the same from run to run), one frame per iteration
// in turn, with camera.DecodeWith's default options: read-% is the share
// of iterations that read the frame's text, cpu-ms/frame the decoder's CPU
// time per frame (Result.Spent: the default budget's clock). Rates and
// times of the peers are the harness's (go run ./benchmarks/cmd/peers).
func BenchmarkFamilies(b *testing.B) {
	fw, _, _ := benchImages(b)
	ctx := context.Background()
	for _, f := range corpus.Families {
		var frames []camera.Frame
		b.Run("family="+f.Name, func(b *testing.B) {
			if frames == nil { // once per family, not per round of b.N
				for i := range familyFrames {
					img, err := qrimage.Frame(fw.Text, corpus.FamilyOptions(f, familySeed, i))
					if err != nil {
						b.Fatal(err)
					}
					frames = append(frames, camera.FromImage(img))
				}
			}
			var read int
			var spent time.Duration
			i := 0
			for b.Loop() {
				r, err := camera.DecodeWith(ctx, frames[i%len(frames)], camera.DecodeOptions{})
				if err == nil && r.Text == fw.Text {
					read++
				}
				spent += r.Spent
				i++
			}
			b.ReportMetric(100*float64(read)/float64(i), "read-%")
			b.ReportMetric(float64(spent)/float64(i)/1e6, "cpu-ms/frame")
		})
	}
}
