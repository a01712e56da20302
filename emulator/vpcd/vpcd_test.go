package vpcd_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
)

// driver plays vpcd's side of the protocol on a loopback listener, for what
// the real driver never does on demand (unknown control codes, exact frame
// sequences). The real driver is exercised in pcscd_test.go.
type driver struct {
	t    *testing.T
	ln   net.Listener
	conn net.Conn
}

func newDriver(t *testing.T) *driver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &driver{t: t, ln: ln}
}

func (d *driver) accept() {
	d.t.Helper()
	if d.conn != nil {
		d.conn.Close()
	}
	d.ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	c, err := d.ln.Accept()
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { c.Close() })
	d.conn = c
}

func (d *driver) send(payload ...byte) {
	d.t.Helper()
	frame := binary.BigEndian.AppendUint16(nil, uint16(len(payload)))
	if _, err := d.conn.Write(append(frame, payload...)); err != nil {
		d.t.Fatal(err)
	}
}

func (d *driver) recv() ([]byte, error) {
	d.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hdr [2]byte
	if _, err := io.ReadFull(d.conn, hdr[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	_, err := io.ReadFull(d.conn, b)
	return b, err
}

func (d *driver) want(want []byte) {
	d.t.Helper()
	got, err := d.recv()
	if err != nil {
		d.t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		d.t.Fatalf("answer %X, want %X", got, want)
	}
}

func serve(t *testing.T, addr string, card apdu.Transport, opts vpcd.Options) {
	t.Helper()
	base := pcsctest.Snapshot()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- vpcd.Serve(ctx, addr, card, opts) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Serve = %v, want context.Canceled", err)
		}
		pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
	})
}

var (
	atr    = vpcd.DefaultATR
	sel    = pcsctest.SelectCommand()
	ok     = []byte{0x90, 0x00}
	sw6F00 = []byte{0x6F, 0x00}
)

func TestProtocol(t *testing.T) {
	echo := pcsctest.Command(pcsctest.InsEcho, 0, 0, []byte{1, 2, 3})
	for _, tc := range []struct {
		name   string
		opts   vpcd.Options
		run    func(d *driver)
		resets int // at least, before the connection ends
	}{
		{"get ATR", vpcd.Options{}, func(d *driver) { d.send(4); d.want(atr) }, 0},
		{"custom ATR", vpcd.Options{ATR: []byte{0x3B, 0x81, 0x80, 0x01, 0x80, 0x80}},
			func(d *driver) { d.send(4); d.want([]byte{0x3B, 0x81, 0x80, 0x01, 0x80, 0x80}) }, 0},
		{"power on, off, reset: no answer", vpcd.Options{}, func(d *driver) {
			d.send(1)
			d.send(0)
			d.send(2)
			d.send(4)
			d.want(atr)
		}, 3},
		{"unknown control code ignored", vpcd.Options{}, func(d *driver) { d.send(3); d.send(4); d.want(atr) }, 0},
		{"APDUs", vpcd.Options{}, func(d *driver) {
			d.send(echo...)
			d.want([]byte{0x69, 0x85})
			d.send(sel...)
			d.want(ok)
			d.send(echo...)
			d.want([]byte{1, 2, 3, 0x90, 0x00})
		}, 0},
		{"reset ends the session", vpcd.Options{}, func(d *driver) {
			d.send(sel...)
			d.want(ok)
			d.send(1)
			d.send(echo...)
			d.want([]byte{0x69, 0x85})
		}, 1},
		{"card error answers 6F00", vpcd.Options{}, func(d *driver) {
			d.send(pcsctest.Command(pcsctest.InsFail, 0, 0, nil)...)
			d.want(sw6F00)
		}, 0},
		{"largest answer", vpcd.Options{}, func(d *driver) {
			d.send(sel...)
			d.want(ok)
			d.send(pcsctest.BigCommand(vpcd.MaxFrame-2, false)...)
			d.want(append(pcsctest.Pattern(vpcd.MaxFrame-2), 0x90, 0x00))
		}, 0},
		{"answer too large for a frame", vpcd.Options{}, func(d *driver) {
			d.send(sel...)
			d.want(ok)
			d.send(pcsctest.BigCommand(vpcd.MaxFrame-1, false)...)
			d.want(sw6F00)
		}, 0},
		{"largest command", vpcd.Options{}, func(d *driver) {
			d.send(sel...)
			d.want(ok)
			data := pcsctest.Pattern(vpcd.MaxFrame - 9)
			d.send(pcsctest.Command(pcsctest.InsEcho, 0, 0, data)...) // 4 + 3 + data + 2
			d.want(append(data, 0x90, 0x00))
		}, 0},
		{"garbled answer", vpcd.Options{Fault: vpcd.Once(2, vpcd.Fault{Answer: []byte{0xDE, 0xAD, 0xBE}})}, func(d *driver) {
			d.send(sel...)
			d.want(ok)
			d.send(echo...)
			d.want([]byte{0xDE, 0xAD, 0xBE})
			d.send(echo...)
			d.want([]byte{1, 2, 3, 0x90, 0x00})
		}, 0},
		{"empty answer", vpcd.Options{Fault: vpcd.Once(1, vpcd.Fault{Answer: []byte{}})}, func(d *driver) {
			d.send(sel...)
			d.want(nil)
		}, 0},
		{"slow phone", vpcd.Options{Fault: vpcd.Once(1, vpcd.Fault{Delay: 150 * time.Millisecond})}, func(d *driver) {
			start := time.Now()
			d.send(sel...)
			d.want(ok)
			if took := time.Since(start); took < 150*time.Millisecond {
				d.t.Errorf("answered after %v, want ≥ 150 ms", took)
			}
		}, 0},
		{"phone removed, back later", vpcd.Options{Fault: vpcd.Once(2, vpcd.Fault{Remove: true, Away: 200 * time.Millisecond})}, func(d *driver) {
			d.send(sel...)
			d.want(ok)
			// The clock starts before the APDU that removes the phone: its
			// 200 ms away count from the removal, which comes after. (A
			// clock started once the driver saw the connection end started
			// late on a loaded machine.)
			start := time.Now()
			d.send(sel...)
			if b, err := d.recv(); err == nil {
				d.t.Fatalf("answer %X from a removed phone", b)
			}
			d.accept()
			if took := time.Since(start); took < 200*time.Millisecond {
				d.t.Errorf("back after %v, want ≥ 200 ms", took)
			}
			d.send(sel...)
			d.want(ok)
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t)
			card := new(pcsctest.Card)
			serve(t, d.ln.Addr().String(), card, tc.opts)
			d.accept()
			tc.run(d)
			if card.Resets() < tc.resets {
				t.Errorf("card reset %d times, want ≥ %d", card.Resets(), tc.resets)
			}
		})
	}
}

// TestRedial: the driver is not listening yet (pcscd starting), then the
// connection ends (pcscd stopping): Serve keeps dialing.
func TestRedial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens for now
	card := new(pcsctest.Card)
	serve(t, addr, card, vpcd.Options{MinRedial: 10 * time.Millisecond, MaxRedial: 40 * time.Millisecond})
	time.Sleep(100 * time.Millisecond) // several failed dials
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	d := &driver{t: t, ln: ln}
	t.Cleanup(func() { ln.Close() })
	for i := range 3 {
		d.accept()
		d.send(4)
		d.want(atr)
		d.conn.Close() // pcscd stopped
		if card.Resets() < i {
			t.Errorf("after %d disconnections the card was reset %d times", i, card.Resets())
		}
	}
}

func TestServeArguments(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	card := new(pcsctest.Card)
	for _, tc := range []struct {
		name   string
		addr   string
		card   apdu.Transport
		remote bool
		want   error
	}{
		{"IPv4 loopback", "127.0.0.1:35963", card, false, context.Canceled},
		{"other loopback", "127.1.2.3:35963", card, false, context.Canceled},
		{"IPv6 loopback", "[::1]:35963", card, false, context.Canceled},
		{"localhost", "localhost:35963", card, false, context.Canceled},
		{"LAN address", "192.168.1.10:35963", card, false, vpcd.ErrNotLoopback},
		{"host name", "pcsc.example:35963", card, false, vpcd.ErrNotLoopback},
		{"all interfaces", "0.0.0.0:35963", card, false, vpcd.ErrNotLoopback},
		{"remote allowed", "192.168.1.10:35963", card, true, context.Canceled},
		{"no port", "127.0.0.1", card, false, nil},
		{"nil card", "127.0.0.1:35963", nil, false, vpcd.ErrNoCard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := vpcd.Serve(cancelled, tc.addr, tc.card, vpcd.Options{AllowRemote: tc.remote})
			if tc.want == nil {
				if err == nil || errors.Is(err, context.Canceled) {
					t.Errorf("Serve = %v, want an address error", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Serve = %v, want %v", err, tc.want)
			}
		})
	}
}
