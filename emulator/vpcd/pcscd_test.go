package vpcd_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// These tests run against the real pcscd and vpcd driver started by
// scripts/pcscd/with-pcscd.sh, on this package's slots "vpcd" and "vpcd2".

const presentTimeout = 20 * time.Second

// phone serves card on slot and waits until pcscd sees it; at cleanup it
// waits until pcscd sees it gone.
func phone(t *testing.T, slot string, card *pcsctest.Card, opts vpcd.Options) string {
	t.Helper()
	addr, reader := pcsctest.Require(t, slot)
	pcsctest.WaitCard(t, reader, false, presentTimeout)
	t.Cleanup(func() { pcsctest.WaitCard(t, reader, false, presentTimeout) })
	pcsctest.Serve(t, addr, card, opts)
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	return reader
}

func selectAndEcho(ctx context.Context, reader string) error {
	c, err := pcsc.NewContext()
	if err != nil {
		return err
	}
	defer c.Close()
	k, err := c.Connect(ctx, reader)
	if err != nil {
		return err
	}
	defer k.Close()
	for _, cmd := range [][]byte{pcsctest.SelectCommand(), pcsctest.Command(pcsctest.InsEcho, 0, 0, []byte("vpcd"))} {
		rsp, err := k.Transmit(ctx, cmd)
		if err != nil {
			return err
		}
		if len(rsp) < 2 || rsp[len(rsp)-2] != 0x90 {
			return fmt.Errorf("answer %X", rsp)
		}
	}
	return k.Close()
}

func TestThroughPCSCD(t *testing.T) {
	card := new(pcsctest.Card)
	reader := phone(t, "vpcd", card, vpcd.Options{})
	if err := selectAndEcho(context.Background(), reader); err != nil {
		t.Fatal(err)
	}
	if card.Resets() == 0 {
		t.Error("pcscd powered the card on, but the card saw no reset")
	}
	if card.APDUs() != 2 {
		t.Errorf("card saw %d APDUs, want 2", card.APDUs())
	}
}

// TestGarbledThroughPCSCD: a phone answering a truncated status word is
// reported as taken away (no status word), a wrong answer comes through as is.
func TestGarbledThroughPCSCD(t *testing.T) {
	card := new(pcsctest.Card)
	reader := phone(t, "vpcd2", card, vpcd.Options{Fault: func(n int, _ []byte) vpcd.Fault {
		switch n {
		case 2:
			return vpcd.Fault{Answer: []byte{0x90}}
		case 3:
			return vpcd.Fault{Answer: []byte{0x6A, 0x82}}
		}
		return vpcd.Fault{}
	}})
	c, err := pcsc.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k, err := c.Connect(context.Background(), reader)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	if _, err := k.Transmit(ctx, pcsctest.SelectCommand()); err != nil {
		t.Fatal(err)
	}
	if rsp, err := k.Transmit(ctx, pcsctest.SelectCommand()); !errors.Is(err, nfc.ErrPhoneRemoved) {
		t.Errorf("1-byte answer: %X, %v; want nfc.ErrPhoneRemoved", rsp, err)
	}
	if rsp, err := k.Transmit(ctx, pcsctest.SelectCommand()); err != nil || string(rsp) != "\x6A\x82" {
		t.Errorf("wrong answer: %X, %v; want 6A82", rsp, err)
	}
}

// TestScriptor: an independent PC/SC client (pcsc-tools' scriptor) reads the
// emulated card.
func TestScriptor(t *testing.T) {
	bin, err := exec.LookPath("scriptor")
	if err != nil {
		if os.Getenv("APCV_REQUIRE_PCSC") == "1" {
			t.Fatal("scriptor not found (apt-get install pcsc-tools)")
		}
		t.Skip("scriptor not found (apt-get install pcsc-tools)")
	}
	reader := phone(t, "vpcd", new(pcsctest.Card), vpcd.Options{})
	script := filepath.Join(t.TempDir(), "apdus")
	if err := os.WriteFile(script, []byte("00 A4 04 00 09 F0 41 50 43 56 54 45 53 54\n00 EE 00 00 02 CA FE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-r", reader, script).CombinedOutput()
	if err != nil {
		t.Fatalf("scriptor: %v\n%s", err, out)
	}
	for _, want := range []string{"< 90 00", "< CA FE 90 00"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("scriptor output lacks %q:\n%s", want, out)
		}
	}
}

// TestPCSCDRestart: pcscd stops and starts again while the emulator runs;
// the emulator dials again and the next read works. It needs the harness's
// permission to restart the machine's pcscd (--allow-restart), so it does not
// pull pcscd from under test packages running beside it.
func TestPCSCDRestart(t *testing.T) {
	pcsctest.MayRestart(t)
	card := new(pcsctest.Card)
	reader := phone(t, "vpcd", card, vpcd.Options{MinRedial: 20 * time.Millisecond, MaxRedial: 200 * time.Millisecond})
	if err := selectAndEcho(context.Background(), reader); err != nil {
		t.Fatal(err)
	}
	old, err := pcsc.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	resets := card.Resets()

	pcsctest.RestartPCSCD(t)

	// A context from before the restart is dead: pcscd forgot it.
	if _, err := old.ListReaders(); !errors.Is(err, nfc.ErrNoService) {
		t.Errorf("context from before the restart: %v, want nfc.ErrNoService", err)
	}
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	if err := selectAndEcho(context.Background(), reader); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if card.Resets() <= resets {
		t.Errorf("the card was not reset across the restart (%d → %d)", resets, card.Resets())
	}
}
