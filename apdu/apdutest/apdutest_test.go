package apdutest_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/apdutest"
)

var (
	sel      = []byte{0x00, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x01, 0x00}
	getData  = []byte{0x80, 0x20, 0x00, 0x00, 0x00}
	fci      = []byte{0x6F, 0x00, 0x90, 0x00}
	errGone  = errors.New("card gone")
	exchange = []apdutest.Exchange{{Command: sel, Response: fci}, {Command: getData, Err: errGone}}
)

// card answers SELECT with fci and fails everything else with errGone.
var card = apdu.TransportFunc(func(_ context.Context, b []byte) ([]byte, error) {
	if bytes.Equal(b, sel) {
		return fci, nil
	}
	return nil, errGone
})

func TestRecord(t *testing.T) {
	r := &apdutest.Record{Transport: card}
	ctx := context.Background()
	cmd := append([]byte(nil), sel...)
	if resp, err := r.Transmit(ctx, cmd); err != nil || !bytes.Equal(resp, fci) {
		t.Fatalf("Transmit(SELECT) = %X, %v", resp, err)
	}
	cmd[0] = 0xFF // the caller reuses its buffer: the record keeps its own copy
	if _, err := r.Transmit(ctx, getData); !errors.Is(err, errGone) {
		t.Fatalf("Transmit(GET DATA) = %v, want the transport's error", err)
	}
	if len(r.Exchanges) != 2 || !bytes.Equal(r.Exchanges[0].Command, sel) || !bytes.Equal(r.Exchanges[0].Response, fci) ||
		!bytes.Equal(r.Exchanges[1].Command, getData) || r.Exchanges[1].Response != nil || r.Exchanges[1].Err != errGone {
		t.Fatalf("recorded %+v", r.Exchanges)
	}
}

func TestPlayback(t *testing.T) {
	ctx := context.Background()
	done, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name     string
		run      func(p *apdutest.Playback) error // the first error of Transmit the test expects, if any
		transmit error
		close    error
		used     int
	}{
		{"as recorded", func(p *apdutest.Playback) error {
			if resp, err := p.Transmit(ctx, sel); err != nil || !bytes.Equal(resp, fci) {
				t.Errorf("SELECT: %X, %v", resp, err)
			}
			_, err := p.Transmit(ctx, getData)
			return err
		}, errGone, nil, 2},
		{"exchange left unused", func(p *apdutest.Playback) error {
			_, err := p.Transmit(ctx, sel)
			return err
		}, nil, apdutest.ErrMismatch, 1},
		{"nothing used", func(p *apdutest.Playback) error { return nil }, nil, apdutest.ErrMismatch, 0},
		{"unexpected command", func(p *apdutest.Playback) error {
			_, err := p.Transmit(ctx, getData)
			return err
		}, apdutest.ErrMismatch, apdutest.ErrMismatch, 0},
		{"command after the last exchange", func(p *apdutest.Playback) error {
			p.Transmit(ctx, sel)
			p.Transmit(ctx, getData)
			_, err := p.Transmit(ctx, sel)
			return err
		}, apdutest.ErrMismatch, apdutest.ErrMismatch, 2},
		{"done ctx uses no exchange", func(p *apdutest.Playback) error {
			_, err := p.Transmit(done, sel)
			return err
		}, context.Canceled, apdutest.ErrMismatch, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &apdutest.Playback{Exchanges: exchange}
			if err := tc.run(p); !errors.Is(err, tc.transmit) || (tc.transmit == nil && err != nil) {
				t.Errorf("Transmit: %v, want %v", err, tc.transmit)
			}
			if err := p.Close(); !errors.Is(err, tc.close) || (tc.close == nil && err != nil) {
				t.Errorf("Close: %v, want %v", err, tc.close)
			}
			if p.Used() != tc.used {
				t.Errorf("Used() = %d, want %d", p.Used(), tc.used)
			}
		})
	}
}

// A response handed out is a copy: the caller may modify it.
func TestPlaybackCopies(t *testing.T) {
	p := &apdutest.Playback{Exchanges: []apdutest.Exchange{{Command: sel, Response: fci}, {Command: sel, Response: fci}}}
	resp, _ := p.Transmit(context.Background(), sel)
	resp[0] = 0
	if resp, _ := p.Transmit(context.Background(), sel); !bytes.Equal(resp, []byte{0x6F, 0x00, 0x90, 0x00}) {
		t.Fatalf("second answer %X: the first caller modified the script", resp)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

// Record then Playback: what the card answered once is answered again,
// without the card.
func TestRecordPlayback(t *testing.T) {
	ctx := context.Background()
	r := &apdutest.Record{Transport: card}
	first, err := apdu.Exchange(ctx, r, apdu.Command{INS: 0xA4, P1: 0x04, Data: []byte{0xA0, 0x01}, Ne: 256}, apdu.ExchangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := &apdutest.Playback{Exchanges: r.Exchanges}
	again, err := apdu.Exchange(ctx, p, apdu.Command{INS: 0xA4, P1: 0x04, Data: []byte{0xA0, 0x01}, Ne: 256}, apdu.ExchangeOptions{})
	if err != nil || again.SW != first.SW || !bytes.Equal(again.Data, first.Data) {
		t.Fatalf("played back %X %04X, %v; recorded %X %04X", again.Data, again.SW, err, first.Data, first.SW)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
