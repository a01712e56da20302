//go:build cgo || windows

package pcsc_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// TestConnectReusesContext: a Card closed cleanly gives its PC/SC context
// to the next Connect of the same Context (no new SCardEstablishContext per
// tap); a Card cut short does not (TestHungPhone checks that side).
func TestConnectReusesContext(t *testing.T) {
	_, reader := phone(t, "pcsc", vpcd.Options{})
	c := newContext(t)
	ctx := context.Background()
	k1, err := c.Connect(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	wantSW(t, mustTransmit(t, k1, pcsctest.SelectCommand()), 0x9000)
	if c.HasSpare() {
		t.Fatal("a context is kept while its Card is open")
	}
	if err := k1.Close(); err != nil {
		t.Fatal(err)
	}
	if !c.HasSpare() {
		t.Fatal("the context of a Card closed cleanly was not kept")
	}
	k2, err := c.Connect(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	defer k2.Close()
	if !pcsc.SameContext(k1, k2) {
		t.Error("the second Connect made a new context")
	}
	if c.HasSpare() {
		t.Error("the kept context is still kept after the Connect that took it")
	}
	if len(k2.ATR()) == 0 {
		t.Error("no ATR")
	}
	wantSW(t, mustTransmit(t, k2, pcsctest.SelectCommand()), 0x9000)
}

// TestTransmitReceiveBuffer: the answers through Card.Transmit are those of
// ebfe/scard's own Transmit, byte for byte, up to a 60 000-byte answer,
// each a copy the next call does not overwrite; and an APDU no longer
// allocates a maximum-size buffer where the platform allows it.
func TestTransmitReceiveBuffer(t *testing.T) {
	_, reader := phone(t, "pcsc", vpcd.Options{})
	cmds := [][]byte{pcsctest.SelectCommand(), pcsctest.Command(pcsctest.InsEcho, 0, 0, []byte{1, 2, 3}),
		pcsctest.BigCommand(4000, false), pcsctest.BigCommand(60000, false), pcsctest.Command(pcsctest.InsEcho, 0, 0, nil)}

	// ebfe/scard straight.
	sc, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	card, err := sc.Connect(reader, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for _, cmd := range cmds {
		rsp, err := card.Transmit(cmd)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, rsp)
	}
	card.Disconnect(scard.LeaveCard)
	sc.Release()

	c := newContext(t)
	ctx := context.Background()
	k, err := c.Connect(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	var got [][]byte
	for _, cmd := range cmds {
		got = append(got, mustTransmit(t, k, cmd))
	}
	for i := range cmds {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("APDU %d: %d bytes %X…, ebfe/scard %d bytes %X…", i, len(got[i]), got[i][:min(8, len(got[i]))], len(want[i]), want[i][:min(8, len(want[i]))])
		}
	}
	if len(got[3]) != 60002 {
		t.Errorf("big answer of %d bytes", len(got[3]))
	}

	echo := pcsctest.Command(pcsctest.InsEcho, 0, 0, bytes.Repeat([]byte{7}, 16))
	mustTransmit(t, k, echo) // the buffer exists
	const n = 50
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		mustTransmit(t, k, echo)
	}
	runtime.ReadMemStats(&after)
	per := (after.TotalAlloc - before.TotalAlloc) / n
	t.Logf("%d bytes allocated per 18-byte answer", per)
	if pcsc.ReusesReceiveBuffer && per > 4096 {
		t.Errorf("%d bytes allocated per APDU: the receive buffer is not reused", per)
	}
}

// TestRestartKeptContext: the context kept between taps belongs to a pcscd
// that is restarted; the next Connect notices, makes a new one and works.
func TestRestartKeptContext(t *testing.T) {
	pcsctest.MayRestart(t)
	_, reader := phone(t, "pcsc", vpcd.Options{MinRedial: 20 * time.Millisecond, MaxRedial: 200 * time.Millisecond})
	c, err := pcsc.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() // fails: c's own PC/SC context died with the restart
	ctx := context.Background()
	if n, err := session(ctx, c, reader); err != nil {
		t.Fatalf("before the restart: %d APDUs, %v", n, err)
	}
	if !c.HasSpare() {
		t.Fatal("no context kept")
	}
	pcsctest.RestartPCSCD(t)
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	if n, err := session(ctx, c, reader); err != nil {
		t.Fatalf("after the restart: %d APDUs, %v", n, err)
	}
	if !c.HasSpare() {
		t.Error("the new context was not kept")
	}
}
