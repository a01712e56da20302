package benchmarks_test

import (
	"fmt"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

// BenchmarkWedge is a keyboard-wedge report stream (a USB scanner typing
// the QR text under the French AZERTY layout, layout auto-detected) to a
// verified identity: the wedge decoder fed every report, then VerifyQR.
// SetBytes is the text's length.
func BenchmarkWedge(b *testing.B) {
	for _, n := range familySizes {
		b.Run(fmt.Sprintf("beneficiaires=%d", n), func(b *testing.B) {
			f := newQRFeed(b, world(n), qrBatch, b.N)
			// One report stream per text of the batch.
			streams := make([][]hidgen.Report, len(f.texts))
			for i, text := range f.texts {
				var err error
				if streams[i], err = hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR}); err != nil {
					b.Fatal(err)
				}
			}
			d := hid.NewWedgeDecoder(hid.WedgeConfig{})
			res := make([]hid.Result, 0, 1)
			b.SetBytes(int64(len(f.texts[0])))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				v, _ := f.at(i)
				res = res[:0]
				for _, r := range streams[i%len(streams)] {
					res = d.Feed(res, r.Data)
				}
				if len(res) != 1 || res[0].Err != nil {
					b.Fatalf("wedge decode: %+v", res)
				}
				p, err := v.VerifyQR(res[0].Text)
				if err != nil {
					b.Fatal(err)
				}
				sinkPresentation = p
			}
		})
	}
}
