//go:build cgo || windows

package pcsc_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
)

var sink []byte

// reportLatency adds the median and 99th percentile of per-operation times.
func reportLatency(b *testing.B, d []time.Duration, unit string) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds())/1e3, "µs-median/"+unit)
	b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds())/1e3, "µs-p99/"+unit)
}

// BenchmarkTransmit is one 16-byte echo round trip through pcscd + vpcd and
// the emulator (TCP_QUICKACK set), through pcsc.Card.
func BenchmarkTransmit(b *testing.B) {
	_, reader := phone(b, "bench", vpcd.Options{})
	c := newContext(b)
	k, err := c.Connect(context.Background(), reader)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	wantSW(b, mustTransmit(b, k, pcsctest.SelectCommand()), 0x9000)
	cmd := pcsctest.Command(pcsctest.InsEcho, 0, 0, make([]byte, 16))
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.SetBytes(int64(len(cmd) + 18))
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		rsp, err := k.Transmit(ctx, cmd)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		sink = rsp
	}
	b.StopTimer()
	reportLatency(b, times, "apdu")
}

// BenchmarkSession6 is the six APDUs of pcsctest.Session6 inside one
// transaction, "bare" straight on ebfe/scard (the baseline the SDK's
// overhead is measured against) and through pcsc.Card.
func BenchmarkSession6(b *testing.B) {
	_, reader := phone(b, "bench", vpcd.Options{})
	apdus := pcsctest.Session6()
	var size int64
	for _, a := range apdus {
		size += int64(len(a))
	}
	b.Run("bare", func(b *testing.B) {
		sc, err := scard.EstablishContext()
		if err != nil {
			b.Fatal(err)
		}
		defer sc.Release()
		card, err := sc.Connect(reader, scard.ShareShared, scard.ProtocolAny)
		if err != nil {
			b.Fatal(err)
		}
		defer card.Disconnect(scard.LeaveCard)
		if err := card.BeginTransaction(); err != nil {
			b.Fatal(err)
		}
		defer card.EndTransaction(scard.LeaveCard)
		times := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.SetBytes(size)
		b.ResetTimer()
		for range b.N {
			start := time.Now()
			for _, a := range apdus {
				rsp, err := card.Transmit(a)
				if err != nil || len(rsp) < 2 || rsp[len(rsp)-2] != 0x90 {
					b.Fatalf("%X: %X %v", a[:4], rsp, err)
				}
				sink = rsp
			}
			times = append(times, time.Since(start))
		}
		b.StopTimer()
		reportLatency(b, times, "session")
	})
	b.Run("pcsc.Card", func(b *testing.B) {
		c := newContext(b)
		k, err := c.Connect(context.Background(), reader)
		if err != nil {
			b.Fatal(err)
		}
		defer k.Close()
		ctx := context.Background()
		times := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.SetBytes(size)
		b.ResetTimer()
		for range b.N {
			start := time.Now()
			for _, a := range apdus {
				rsp, err := k.Transmit(ctx, a)
				if err != nil || len(rsp) < 2 || rsp[len(rsp)-2] != 0x90 {
					b.Fatalf("%X: %X %v", a[:4], rsp, err)
				}
				sink = rsp
			}
			times = append(times, time.Since(start))
		}
		b.StopTimer()
		reportLatency(b, times, "session")
	})
}

// BenchmarkConnect is Connect (own context, connect, begin transaction,
// status) and Close.
func BenchmarkConnect(b *testing.B) {
	_, reader := phone(b, "bench", vpcd.Options{})
	c := newContext(b)
	ctx := context.Background()
	b.ReportAllocs()
	for range b.N {
		k, err := c.Connect(ctx, reader)
		if err != nil {
			b.Fatal(err)
		}
		if err := k.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
