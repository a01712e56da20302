package apdu

import (
	"context"
	"testing"
)

var (
	sinkBytes []byte
	sinkCmd   Command
	sinkResp  Response
)

func BenchmarkCommandAppend(b *testing.B) {
	for _, bc := range []struct {
		name string
		cmd  Command
	}{
		{"case4S-16", Command{INS: 0xA4, P1: 4, Data: seq(16), Ne: 256}},
		{"case4E-1024", Command{INS: 0x2A, Data: seq(1024), Ne: 65536}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, bc.cmd.EncodedLen())
			b.SetBytes(int64(bc.cmd.EncodedLen()))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				sinkBytes, err = bc.cmd.Append(buf[:0])
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseCommand(b *testing.B) {
	for _, bc := range []struct {
		name string
		cmd  Command
	}{
		{"case4S-16", Command{INS: 0xA4, P1: 4, Data: seq(16), Ne: 256}},
		{"case4E-1024", Command{INS: 0x2A, Data: seq(1024), Ne: 65536}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			raw, err := bc.cmd.Bytes()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if sinkCmd, err = ParseCommand(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExchangeGetResponse measures one Exchange whose answer comes in
// five parts: the first reply and 4 GET RESPONSE rounds of 256 bytes.
func BenchmarkExchangeGetResponse(b *testing.B) {
	const rounds = 4
	replies := make([][]byte, rounds+1)
	for i := range replies {
		sw := []byte{0x61, 0x00}
		if i == rounds {
			sw = []byte{0x90, 0x00}
		}
		replies[i] = append(seq(256), sw...)
	}
	i := 0
	tr := TransportFunc(func(ctx context.Context, apdu []byte) ([]byte, error) {
		r := replies[i]
		i = (i + 1) % len(replies)
		return r, nil
	})
	cmd := Command{INS: 0xB0, Ne: 256}
	ctx := context.Background()
	b.SetBytes(256 * (rounds + 1))
	b.ReportAllocs()
	for b.Loop() {
		resp, err := Exchange(ctx, tr, cmd, ExchangeOptions{})
		if err != nil || resp.SW != SWSuccess || len(resp.Data) != 256*(rounds+1) {
			b.Fatalf("Exchange = %d bytes %04X, %v", len(resp.Data), resp.SW, err)
		}
		sinkResp = resp
	}
}
