package benchmarks_test

import (
	"context"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu/apdutest"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/internal/testworld"
)

// BenchmarkNFCPCSCPlaced takes BenchmarkNFCPCSC's ratio apart (P3, issue
// 17): on the same connected card, each iteration runs the first three in
// one of their six orders in turn (see orders), then the floor:
//
//   - sdk: nfc.Read, as BenchmarkNFCPCSC/sdk;
//   - bare: the recorded APDUs through Card.Transmit, as
//     BenchmarkNFCPCSC/bare;
//   - placed: the same replay with the reader's public-key floor done
//     where nfc.Read does it (its ephemeral key before KEY AGREEMENT, the
//     ECDH after it, the key decompression and both verifications after
//     the last answer);
//   - floor: the floor alone, as BenchmarkNFCPCSC/interleaved times it.
//
// x-placed is sdk over placed (what the SDK adds to the very APDUs and
// public-key work, in place), x-placement is (placed − floor) over bare
// (what doing the floor between round trips costs beyond the floor timed
// in one piece: 1 if nothing), from the per-iteration medians; cpu-µs are
// the process's CPU time per operation of each (the phone's included), a
// steadier figure than wall time on a loaded machine. It skips without
// the harness, unless APCV_REQUIRE_PCSC=1.
func BenchmarkNFCPCSCPlaced(b *testing.B) {
	cb := newCardBench(b)
	ctx, k, w, v, phoneRand, readerRand, rec := cb.ctx, cb.k, cb.w, cb.v, cb.phoneRand, cb.readerRand, cb.rec
	f := newFloor(b, w)
	runs := [4]func(){
		func() {
			phoneRand.Reset()
			readerRand.Reset()
			sinkPresentation = session(b, ctx, k, v, nfcOptions(readerRand)).Presentation
		},
		func() { phoneRand.Reset(); replay(b, ctx, k, rec, nil) },
		func() { phoneRand.Reset(); replay(b, ctx, k, rec, f) },
		func() { f.nfcReader(b) },
	}
	b.Run("interleaved", func(b *testing.B) {
		var wall [4][]time.Duration
		var cpu [4]time.Duration
		order := orders(3)
		for k := range order {
			order[k] = append(order[k], 3) // the floor last
		}
		i := 0
		for b.Loop() {
			for _, j := range order[i%len(order)] {
				c0, t0 := cpuTime(), time.Now()
				runs[j]()
				wall[j] = append(wall[j], time.Since(t0))
				cpu[j] += cpuTime() - c0
			}
			i++
		}
		var m [4]time.Duration
		for j := range m {
			m[j] = balancedMedian(wall[j], j, order) // the floor: always fourth
		}
		b.ReportMetric(float64(m[0])/float64(m[2]), "x-placed")
		b.ReportMetric(float64(m[2]-m[3])/float64(m[1]), "x-placement")
		b.ReportMetric(float64(m[0]-m[3])/float64(m[1]), "x-bare-nocrypto")
		for j, name := range []string{"sdk", "bare", "placed", "floor"} {
			b.ReportMetric(float64(m[j])/1e3, name+"-µs-median")
			b.ReportMetric(float64(cpu[j])/float64(b.N)/1e3, name+"-cpu-µs")
		}
	})
}

// BenchmarkNFCReaderReplay is the reader's own work in an NFC session
// without a phone or a transport: nfc.Read over the recorded answers of a
// session (apdutest.Playback; the reader draws the same reproducible
// randomness, so the commands match), interleaved with the reader's
// public-key floor. x-floor is the ratio of the per-iteration medians,
// what nfc.Read costs over the public-key work the protocol demands (its
// HKDF, AES-GCM, CBOR, APDUs and per-APDU deadlines: here a context
// deadline per APDU, Playback having no bound of its own).
func BenchmarkNFCReaderReplay(b *testing.B) {
	w := world(1)
	phoneRand, readerRand := newDetRand(1), newDetRand(2)
	a := applet.New(&testworld.Wallet{W: w}, applet.Options{Rand: phoneRand})
	v := w.Verifier(nil)
	ctx := context.Background()
	rec := record(b, ctx, a, v, nfcOptions(readerRand))
	f := newFloor(b, w)
	read := func() {
		readerRand.Reset()
		p := &apdutest.Playback{Exchanges: rec.Exchanges}
		sinkPresentation = session(b, ctx, p, v, nfcOptions(readerRand)).Presentation
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			read()
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		var tSDK, tFloor []time.Duration
		for b.Loop() {
			t0 := time.Now()
			read()
			t1 := time.Now()
			f.nfcReader(b)
			tSDK = append(tSDK, t1.Sub(t0))
			tFloor = append(tFloor, time.Since(t1))
		}
		mSDK, mFloor := median(tSDK), median(tFloor)
		b.ReportMetric(float64(mSDK)/float64(mFloor), "x-floor")
		b.ReportMetric(float64(mSDK)/1e3, "sdk-µs-median")
		b.ReportMetric(float64(mFloor)/1e3, "crypto-µs-median")
	})
}
