package camera_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

func TestDiag(t *testing.T) {
	for i := 1; i <= 10; i++ {
		f, _ := os.Open(fmt.Sprintf("/tmp/qrscratch/corpus/hard-%d.png", i))
		img, _ := png.Decode(f)
		f.Close()
		for _, s := range []camera.Strategy{camera.StrategyTryHarder, camera.StrategyMean3} {
			_, err := camera.DecodeWith(context.Background(), camera.FromImage(img.(*image.Gray)), camera.DecodeOptions{Strategies: []camera.Strategy{s}})
			t.Log(i, s, err)
		}
	}
}
