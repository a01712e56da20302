//go:build cgo || windows

package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// presentTimeout bounds the wait for pcscd to see a card come or go: it
// polls vpcd every 400 ms (a generous bound: the machine is shared, and
// under load 22 pcscd once took more than 8 s). A hang guard, not a measure.
const presentTimeout = 20 * time.Second

func newContext(t testing.TB) *pcsc.Context {
	t.Helper()
	c, err := pcsc.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// phone starts the test card on slot and waits until pcscd sees it.
func phone(t testing.TB, slot string, opts vpcd.Options) (card *pcsctest.Card, reader string) {
	t.Helper()
	addr, reader := pcsctest.Require(t, slot)
	card = new(pcsctest.Card)
	// The previous test's phone must be seen gone first; and this one at the
	// end (cleanups run last first: this one after Serve's).
	pcsctest.WaitCard(t, reader, false, presentTimeout)
	t.Cleanup(func() { pcsctest.WaitCard(t, reader, false, presentTimeout) })
	pcsctest.Serve(t, addr, card, opts)
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	return card, reader
}

func mustTransmit(t testing.TB, k *pcsc.Card, cmd []byte) []byte {
	t.Helper()
	rsp, err := k.Transmit(context.Background(), cmd)
	if err != nil {
		t.Fatalf("transmit %X…: %v", cmd[:4], err)
	}
	return rsp
}

func wantSW(t testing.TB, rsp []byte, want uint16) []byte {
	t.Helper()
	if len(rsp) < 2 {
		t.Fatalf("answer %X has no status word", rsp)
	}
	if got := uint16(rsp[len(rsp)-2])<<8 | uint16(rsp[len(rsp)-1]); got != want {
		t.Fatalf("SW = %04X, want %04X", got, want)
	}
	return rsp[:len(rsp)-2]
}

func TestExchange(t *testing.T) {
	card, reader := phone(t, "pcsc", vpcd.Options{})
	c := newContext(t)
	k, err := c.Connect(context.Background(), reader)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if !pcsc.IsContactlessATR(k.ATR()) || !bytes.Equal(k.ATR(), vpcd.DefaultATR) {
		t.Errorf("ATR = %X, want %X", k.ATR(), vpcd.DefaultATR)
	}
	wantSW(t, mustTransmit(t, k, pcsctest.Command(pcsctest.InsEcho, 0, 0, []byte{1})), 0x6985) // not selected
	wantSW(t, mustTransmit(t, k, pcsctest.SelectCommand()), 0x9000)
	if got := wantSW(t, mustTransmit(t, k, pcsctest.Command(pcsctest.InsEcho, 0, 0, []byte("hello"))), 0x9000); string(got) != "hello" {
		t.Errorf("echo = %q", got)
	}
	wantSW(t, mustTransmit(t, k, pcsctest.Command(pcsctest.InsFail, 0, 0, nil)), 0x6F00)
	if card.Resets() == 0 {
		t.Errorf("the card saw no power on")
	}

	for _, tc := range []struct {
		name    string
		n       int
		chained bool
		sw      uint16
	}{
		{"empty", 0, false, 0x9000},
		{"4KB", 4096, false, 0x9000},
		{"extended 300", 300, false, 0x9000},
		{"largest frame", vpcd.MaxFrame - 2, false, 0x9000},
		{"one past the largest frame", vpcd.MaxFrame - 1, false, 0x6F00},
		{"64KB chained", 64 << 10, true, 0x9000},
		{"255 chained", 255, true, 0x9000},
		{"257 chained", 257, true, 0x9000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readBig(t, k, tc.n, tc.chained, tc.sw)
			if tc.sw == 0x9000 && !bytes.Equal(got, pcsctest.Pattern(tc.n)) {
				t.Errorf("answer of %d bytes differs from the pattern (got %d bytes)", tc.n, len(got))
			}
		})
	}
}

// readBig asks the card for n bytes and follows 61xx with GET RESPONSE.
func readBig(t testing.TB, k *pcsc.Card, n int, chained bool, sw uint16) []byte {
	t.Helper()
	rsp := mustTransmit(t, k, pcsctest.BigCommand(n, chained))
	var out []byte
	for len(rsp) >= 2 && rsp[len(rsp)-2] == 0x61 {
		out = append(out, rsp[:len(rsp)-2]...)
		rsp = mustTransmit(t, k, []byte{0x00, pcsctest.InsGetResponse, 0, 0, rsp[len(rsp)-1]})
	}
	return append(out, wantSW(t, rsp, sw)...)
}

func TestListReadersContactless(t *testing.T) {
	pcsctest.Require(t, "pcsc")
	c := newContext(t)
	readers, err := c.ListReaders()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pcsc", "pcsc2"} {
		_, name := pcsctest.Require(t, want)
		i := indexReader(readers, name)
		if i < 0 {
			t.Errorf("reader %q not listed in %v", name, readers)
			continue
		}
		if !readers[i].Contactless {
			t.Errorf("reader %q not classified contactless", name)
		}
	}
}

func indexReader(rs []pcsc.Reader, name string) int {
	for i, r := range rs {
		if r.Name == name {
			return i
		}
	}
	return -1
}

func TestConnectErrors(t *testing.T) {
	_, empty := pcsctest.Require(t, "pcsc2")
	c := newContext(t)
	for _, tc := range []struct {
		name   string
		reader string
		want   error
		code   scard.Error
	}{
		{"empty reader", empty, nfc.ErrNoPhone, scard.ErrNoSmartcard},
		{"unknown reader", "APCV No Such Reader 00 00", nfc.ErrUnknownReader, scard.ErrUnknownReader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := c.Connect(context.Background(), tc.reader)
			if err == nil {
				k.Close()
				t.Fatal("Connect succeeded")
			}
			var code scard.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &code) || code != tc.code {
				t.Errorf("err = %v, want %v and %v", err, tc.want, tc.code)
			}
		})
	}
}
