package link

import (
	"context"
	"testing"
	"time"
)

var sinkResp []byte

// BenchmarkExchange2K sends a short command whose response is 2 KB (2048
// bytes and SW), in real-time mode (reporting wall time over airtime, the
// design target being ≤ 1.1 at 424 kbit/s) and in accounting-only mode.
func BenchmarkExchange2K(b *testing.B) {
	cmd := []byte{0x00, 0xB0, 0x00, 0x00, 0x00, 0x08, 0x00}
	for _, rt := range []bool{true, false} {
		mode := "virtual"
		if rt {
			mode = "realtime"
		}
		for _, rate := range []BitRate{Rate106, Rate424, Rate848} {
			b.Run(mode+"/"+rate.String()[:3], func(b *testing.B) {
				ctx := context.Background()
				l := New(apduEcho(2048), Config{BitRate: rate, Realtime: rt})
				if err := l.Activate(ctx); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.SetBytes(2048 + 2 + int64(len(cmd)))
				air0, proc0 := l.Airtime(), l.Stats().Processing
				start := time.Now()
				for b.Loop() {
					resp, err := l.Transmit(ctx, cmd)
					if err != nil {
						b.Fatal(err)
					}
					sinkResp = resp
				}
				wall := time.Since(start)
				s := l.Stats()
				air := s.Airtime - air0
				b.ReportMetric(float64(air)/float64(b.N)/1e6, "airtime-ms/op")
				if rt {
					b.ReportMetric(float64(wall)/float64(air), "wall/airtime")
					b.ReportMetric(float64(s.Processing-proc0)/float64(air), "phone/airtime")
				}
			})
		}
	}
}

var sinkBlock Block

func BenchmarkParseBlock(b *testing.B) {
	blk := Block{Kind: KindI, Chain: true, INF: make([]byte, 253)}
	frame, err := blk.Append(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		sinkBlock, err = ParseBlock(frame)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendBlock(b *testing.B) {
	blk := Block{Kind: KindI, Chain: true, INF: make([]byte, 253)}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(256)
	for b.Loop() {
		var err error
		if buf, err = blk.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
