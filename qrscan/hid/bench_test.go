package hid_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

var (
	sinkResults []hid.Result
	sinkScan    qrscan.Scan
)

// BenchmarkWedgeDecode measures the decoder alone on a wedge stream (two
// reports per character plus Enter), under auto-detection over both
// layouts. At 8 ms per character of typing, ns/char is the cost the
// decoder adds per character.
func BenchmarkWedgeDecode(b *testing.B) {
	for _, n := range []int{480, 960} {
		for _, l := range []*hidgen.Layout{hidgen.US, hidgen.FR} {
			text := apcvText(n, uint64(n))
			reports, err := hidgen.Wedge(text, hidgen.WedgeOptions{Layout: l})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%d", l.Name, n), func(b *testing.B) {
				d := hid.NewWedgeDecoder(hid.WedgeConfig{})
				res := make([]hid.Result, 0, 1)
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for b.Loop() {
					res = res[:0]
					for _, r := range reports {
						res = d.Feed(res, r.Data)
					}
					if len(res) != 1 || res[0].Text != text {
						b.Fatal("bad decode")
					}
				}
				sinkResults = res
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/char")
			})
		}
	}
}

// BenchmarkPOSDecode measures the POS decoder on a 960-character scan
// (18 reports).
func BenchmarkPOSDecode(b *testing.B) {
	for _, l := range []hid.POSLayout{hid.POSHoneywell, hid.POSStandard} {
		text := apcvText(960, 960)
		reports, err := hidgen.POS(text, hidgen.POSOptions{Layout: l})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(l.String(), func(b *testing.B) {
			d := hid.NewPOSDecoder(hid.POSConfig{})
			res := make([]hid.Result, 0, 1)
			b.ReportAllocs()
			b.SetBytes(960)
			for b.Loop() {
				res = res[:0]
				for _, r := range reports {
					res = d.Feed(res, r.Data)
				}
				if len(res) != 1 || res[0].Text != text {
					b.Fatal("bad decode")
				}
			}
			sinkResults = res
		})
	}
}

// BenchmarkSourceWedge960 is the whole path a device takes: untimed Replay,
// Source, decoder, for a 960-character wedge scan.
func BenchmarkSourceWedge960(b *testing.B) {
	text := apcvText(960, 960)
	reports, err := hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(960)
	for b.Loop() {
		src := hid.NewSource(hid.NewReplay(reports, false), hid.Config{})
		scan, err := src.Next(context.Background())
		if err != nil || scan.Text != text {
			b.Fatal(err)
		}
		sinkScan = scan
		src.Close()
	}
}
