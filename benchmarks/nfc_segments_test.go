//go:build cgo || windows

package benchmarks_test

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkNFCPCSCSegments sets the SDK's session beside the placed replay
// (BenchmarkNFCPCSCPlaced's: the recorded APDUs with the reader's
// public-key floor done where nfc.Read does it) segment by segment (P3,
// issue 17, fifth pass). On the same connected card, each iteration runs
// both through timedCard, in both orders in turn (see orders), then the
// floor. A session of n APDUs has 2n+1 segments: gap 0 from the call to
// the first command, then each APDU's round trip (tx, inside Transmit) and
// the gap after it (the reader's work before the next command, or before
// returning). For each segment s<i>-<kind>-µs is the SDK's median and
// d<i>-<kind>-µs the SDK's median minus the replay's: what the SDK adds
// there beyond the APDUs and the public-key work, in place. It skips
// without the harness, unless APCV_REQUIRE_PCSC=1.
func BenchmarkNFCPCSCSegments(b *testing.B) {
	cb := newCardBench(b)
	ctx, k, w, v, phoneRand, readerRand, rec := cb.ctx, cb.k, cb.w, cb.v, cb.phoneRand, cb.readerRand, cb.rec
	n := len(rec.Exchanges)
	f := newFloor(b, w)
	timed := [2]*timedCard{{k: k}, {k: k}}
	var ends [2][2]time.Time // each run's start and end
	runs := [2]func(){
		func() {
			phoneRand.Reset()
			readerRand.Reset()
			ends[0][0] = time.Now()
			sinkPresentation = session(b, ctx, timed[0], v, nfcOptions(readerRand)).Presentation
			ends[0][1] = time.Now()
		},
		func() {
			phoneRand.Reset()
			ends[1][0] = time.Now()
			replay(b, ctx, timed[1], rec, f)
			ends[1][1] = time.Now()
		},
	}
	b.Run("interleaved", func(b *testing.B) {
		segs := [2][][]time.Duration{make([][]time.Duration, 2*n+1), make([][]time.Duration, 2*n+1)}
		order := orders(2)
		it := 0
		for b.Loop() {
			for _, t := range timed {
				t.marks = t.marks[:0]
			}
			for _, j := range order[it%len(order)] {
				runs[j]()
			}
			it++
			f.nfcReader(b)
			for j, t := range timed {
				if len(t.marks) != 2*n {
					b.Fatalf("%d marks for a session of %d APDUs", len(t.marks), n)
				}
				prev := ends[j][0]
				for i := range 2*n + 1 {
					next := ends[j][1]
					if i < 2*n {
						next = t.marks[i]
					}
					segs[j][i] = append(segs[j][i], next.Sub(prev))
					prev = next
				}
			}
		}
		for i := range segs[0] {
			kind := "gap"
			if i%2 == 1 {
				kind = fmt.Sprintf("tx%02X", rec.Exchanges[i/2].Command[1])
			}
			mSDK, mPlaced := balancedMedian(segs[0][i], 0, order), balancedMedian(segs[1][i], 1, order)
			b.ReportMetric(float64(mSDK)/1e3, fmt.Sprintf("s%d-%s-µs", i, kind))
			b.ReportMetric(float64(mSDK-mPlaced)/1e3, fmt.Sprintf("d%d-%s-µs", i, kind))
		}
	})
}
