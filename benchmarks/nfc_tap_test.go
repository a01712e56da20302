//go:build cgo || windows

package benchmarks_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/apdu/apdutest"
)

// BenchmarkNFCPCSCTap is BenchmarkNFCPCSC's comparison for whole taps as a
// desk makes them (slot "bench"): the phone seen on the reader, connection,
// session, disconnection; one of each per iteration, in both orders in turn
// (see orders), then the floor:
//
//   - sdk: pcsc.Context.WaitForPhone (the phone is there: it returns at
//     once), pcsc.Context.Connect (which takes over the PC/SC context of the
//     last tap, and the reader's state WaitForPhone saw), nfc.Read,
//     Card.Close;
//   - bare: ebfe/scard straight, on a context kept for the whole run:
//     SCardGetStatusChange on the reader (is a card there?), SCardConnect,
//     SCardBeginTransaction, the APDUs of a recorded session through
//     scard.Card.Transmit (each answer checked byte for byte; the phone
//     draws the same reproducible randomness), SCardEndTransaction,
//     SCardDisconnect: the least any reader built on ebfe/scard does for a
//     tap.
//
// x-bare is the ratio of the per-iteration medians, x-bare-nocrypto the
// same with the reader's public-key floor (BenchmarkCrypto/nfc-reader,
// timed in the same iterations) taken out of the SDK's time. It skips
// without the harness, unless APCV_REQUIRE_PCSC=1.
func BenchmarkNFCPCSCTap(b *testing.B) {
	reader, w, phoneRand, readerRand, pc := pcscBench(b)
	sc, err := scard.EstablishContext()
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Release()
	ctx := context.Background()
	v := w.Verifier(nil)

	readers := []string{reader}
	sdk := func(keep bool) *apdutest.Record {
		if _, err := pc.WaitForPhone(ctx, readers); err != nil {
			b.Fatal(err)
		}
		k, err := pc.Connect(ctx, reader)
		if err != nil {
			b.Fatal(err)
		}
		phoneRand.Reset()
		readerRand.Reset()
		var rec *apdutest.Record
		if keep {
			rec = record(b, ctx, k, v, nfcOptions(readerRand))
		} else {
			sinkPresentation = session(b, ctx, k, v, nfcOptions(readerRand)).Presentation
		}
		if err := k.Close(); err != nil {
			b.Fatal(err)
		}
		return rec
	}
	rec := sdk(true)
	bare := func() {
		rs := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
		if err := sc.GetStatusChange(rs, 0); err != nil || rs[0].EventState&scard.StatePresent == 0 {
			b.Fatalf("no card on %q: %v", reader, err)
		}
		card, err := sc.Connect(reader, scard.ShareShared, scard.ProtocolAny)
		if err != nil {
			b.Fatal(err)
		}
		if err := card.BeginTransaction(); err != nil {
			b.Fatal(err)
		}
		phoneRand.Reset()
		for i, e := range rec.Exchanges {
			resp, err := card.Transmit(e.Command)
			if err != nil {
				b.Fatal(err)
			}
			if !bytes.Equal(resp, e.Response) {
				b.Fatalf("APDU %d: the phone's answer differs from the recorded session", i)
			}
			sinkBytes = resp
		}
		if err := card.EndTransaction(scard.LeaveCard); err != nil {
			b.Fatal(err)
		}
		if err := card.Disconnect(scard.LeaveCard); err != nil {
			b.Fatal(err)
		}
	}
	f := newFloor(b, w)
	for _, c := range []struct {
		name string
		run  func()
	}{{"sdk", func() { sdk(false) }}, {"bare", bare}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(exchangedBytes(rec))
			b.ReportAllocs()
			for b.Loop() {
				c.run()
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		b.SetBytes(2 * exchangedBytes(rec))
		mSDK, mBare, mFloor := interleaved(b, f, func() { sdk(false) }, bare)
		b.ReportMetric(float64(mSDK)/float64(mBare), "x-bare")
		b.ReportMetric(float64(mSDK-mFloor)/float64(mBare), "x-bare-nocrypto")
		b.ReportMetric(float64(mSDK)/1e3, "sdk-µs-median")
		b.ReportMetric(float64(mBare)/1e3, "bare-µs-median")
		b.ReportMetric(float64(mFloor)/1e3, "crypto-µs-median")
	})
}
