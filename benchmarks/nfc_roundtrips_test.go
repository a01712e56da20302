//go:build cgo || windows

package benchmarks_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// timedCard passes a session's APDUs to a connected Card and notes when
// each Transmit began and returned (marks, two per APDU, in a slice kept
// from iteration to iteration: nothing allocated per APDU). It forwards
// TransmitWithin as well, so nfc.Read takes the very path it takes on the
// Card itself (the per-APDU bound of the Card's watchdog).
type timedCard struct {
	k     *pcsc.Card
	marks []time.Time
}

func (t *timedCard) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	t.marks = append(t.marks, time.Now())
	r, err := t.k.Transmit(ctx, cmd)
	t.marks = append(t.marks, time.Now())
	return r, err
}

func (t *timedCard) TransmitWithin(ctx context.Context, cmd []byte, d time.Duration) ([]byte, error) {
	t.marks = append(t.marks, time.Now())
	r, err := t.k.TransmitWithin(ctx, cmd, d)
	t.marks = append(t.marks, time.Now())
	return r, err
}

// BenchmarkNFCPCSCRoundTrips takes BenchmarkNFCPCSC's session apart in
// time (P3, issue 17, fourth pass): on the same connected card, each
// iteration runs nfc.Read and the bare replay of its recorded APDUs, both
// through timedCard (in both orders in turn, see orders), then the
// reader's public-key floor. From the marks:
//
//   - tx-µs: the time spent inside Transmit (pcscd, vpcd, the phone) per
//     session, sdk and bare;
//   - between-µs: the SDK's time outside Transmit, from Read's call to its
//     return (the reader's own work, its public-key work included);
//   - x-transmit: sdk tx over bare tx (1 if the SDK's round trips cost what
//     the replay's do);
//   - x-tx-NN: the same for the APDU of instruction NN (the round trips of
//     a session, in order);
//   - between-over-floor-µs: the median over iterations of between minus
//     the floor timed in the same iteration: the reader's work in place
//     beyond the public-key floor.
//
// Medians over iterations throughout. It skips without the harness, unless
// APCV_REQUIRE_PCSC=1.
func BenchmarkNFCPCSCRoundTrips(b *testing.B) {
	cb := newCardBench(b)
	ctx, k, w, v, phoneRand, readerRand, rec := cb.ctx, cb.k, cb.w, cb.v, cb.phoneRand, cb.readerRand, cb.rec
	n := len(rec.Exchanges)
	f := newFloor(b, w)
	sdkT, bareT := &timedCard{k: k}, &timedCard{k: k}
	b.Run("interleaved", func(b *testing.B) {
		var sdkTx, bareTx, between, overFloor []time.Duration
		perAPDU := [2][][]time.Duration{make([][]time.Duration, n), make([][]time.Duration, n)}
		var read time.Duration // nfc.Read's time, from its call to its return
		runs := [2]func(){
			func() {
				phoneRand.Reset()
				readerRand.Reset()
				t0 := time.Now()
				sinkPresentation = session(b, ctx, sdkT, v, nfcOptions(readerRand)).Presentation
				read = time.Since(t0)
			},
			func() {
				phoneRand.Reset()
				replay(b, ctx, bareT, rec, nil)
			},
		}
		order := orders(2)
		it := 0
		for b.Loop() {
			sdkT.marks, bareT.marks = sdkT.marks[:0], bareT.marks[:0]
			for _, j := range order[it%len(order)] {
				runs[j]()
			}
			it++
			t2 := time.Now()
			f.nfcReader(b)
			floor := time.Since(t2)
			if len(sdkT.marks) != 2*n || len(bareT.marks) != 2*n {
				b.Fatalf("%d and %d marks for a session of %d APDUs", len(sdkT.marks), len(bareT.marks), n)
			}
			var tx [2]time.Duration
			for j, m := range [2][]time.Time{sdkT.marks, bareT.marks} {
				for i := range n {
					d := m[2*i+1].Sub(m[2*i])
					tx[j] += d
					perAPDU[j][i] = append(perAPDU[j][i], d)
				}
			}
			sdkTx, bareTx = append(sdkTx, tx[0]), append(bareTx, tx[1])
			between = append(between, read-tx[0])
			overFloor = append(overFloor, read-tx[0]-floor)
		}
		mSDK, mBare := balancedMedian(sdkTx, 0, order), balancedMedian(bareTx, 1, order)
		b.ReportMetric(float64(mSDK)/1e3, "sdk-tx-µs")
		b.ReportMetric(float64(mBare)/1e3, "bare-tx-µs")
		b.ReportMetric(float64(mSDK)/float64(mBare), "x-transmit")
		b.ReportMetric(float64(balancedMedian(between, 0, order))/1e3, "between-µs")
		b.ReportMetric(float64(balancedMedian(overFloor, 0, order))/1e3, "between-over-floor-µs")
		for i, e := range rec.Exchanges {
			b.ReportMetric(float64(balancedMedian(perAPDU[0][i], 0, order))/float64(balancedMedian(perAPDU[1][i], 1, order)),
				fmt.Sprintf("x-tx-%d-%02X", i, e.Command[1]))
		}
	})
}
