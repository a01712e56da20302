package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

func runConform(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var o, e bytes.Buffer
	code = run(ctx, append([]string{"conform"}, args...), &o, &e)
	return code, o.String(), e.String()
}

// TestConformPhonePCSC runs the conformance kit against the emulated phone
// through the real pcscd and vpcd: every rule passes, the tearing rules
// included (a PC/SC reset reaches the applet through vpcd).
func TestConformPhonePCSC(t *testing.T) {
	w, err := emulator.New(emulator.Options{Profile: "famille-6-drome"})
	if err != nil {
		t.Fatal(err)
	}
	name, dir := pcscPhone(t, w)
	code, out, errOut := runConform(t, "phone", "--pcsc", name, "--lists", dir)
	t.Log("\n" + out)
	if code != exitOK || !strings.Contains(out, " 0 failed, 0 skipped") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// deviantCard is the emulator's applet ignoring P1-P2 of KEY AGREEMENT, as
// a second implementation once did.
type deviantCard struct{ a apdu.Transport }

func (d deviantCard) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if len(cmd) > 4 && cmd[0] == wire.ClaProp && cmd[1] == wire.InsKeyAgreement {
		cmd = append([]byte{}, cmd...)
		cmd[2], cmd[3] = 0, 0
	}
	return d.a.Transmit(ctx, cmd)
}

func (d deviantCard) Reset() { d.a.(apdu.Resetter).Reset() }

// TestConformPhonePCSCDeviant: a broken phone over PC/SC fails its rule, exit 1.
func TestConformPhonePCSCDeviant(t *testing.T) {
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	addr, name := pcsctest.Require(t, "cmd")
	a, err := w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	pcsctest.WaitCard(t, name, false, 20*time.Second)
	t.Cleanup(func() { pcsctest.WaitCard(t, name, false, 20*time.Second) })
	pcsctest.Serve(t, addr, deviantCard{a}, vpcd.Options{})
	code, out, errOut := runConform(t, "phone", "--pcsc", name)
	if code != exitFailure || !strings.Contains(out, "FAIL   ka-p1p2 ") || !strings.Contains(out, "expected: SW 6A86") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// The deviation breaks two rules: P1-P2 ignored in a session and in idle.
	if strings.Count(out, "FAIL ") != 2 || !strings.Contains(out, "FAIL   ka-p1p2-before-state ") {
		t.Errorf("the deviation should fail ka-p1p2 and ka-p1p2-before-state only:\n%s", out)
	}
}

// conformReaderPCSC runs apcv conform reader on the harness's "cmd" slot,
// then reader(name, listsDir) as the reader under test, and returns the
// kit's exit code and output.
func conformReaderPCSC(t *testing.T, timeout string, underTest func(name, dir string)) (int, string) {
	addr, name := pcsctest.Require(t, "cmd")
	pcsctest.WaitCard(t, name, false, 20*time.Second)
	dir := t.TempDir()
	var wg sync.WaitGroup
	var code int
	var out, errOut string
	wg.Add(1)
	go func() {
		defer wg.Done()
		code, out, errOut = runConform(t, "reader", "--vpcd", addr, "--profile", "isere-solo", "--lists-out", dir, "--timeout", timeout)
	}()
	pcsctest.WaitCard(t, name, true, 20*time.Second)
	underTest(name, dir)
	wg.Wait()
	pcsctest.WaitCard(t, name, false, 20*time.Second)
	t.Log("\n" + out + errOut)
	return code, out
}

// TestConformReaderPCSC: the SDK's reader (apcv read, another process) against the kit's
// emulated phone through pcscd: every reader rule passes.
func TestConformReaderPCSC(t *testing.T) {
	code, out := conformReaderPCSC(t, "60s", func(name, dir string) {
		// In a process of its own, as a reader under test would be.
		if c, o := apcvProcess(t, nil, "read", "--pcsc", name, "--lists", dir, "--timeout", "30s"); c != exitOK {
			t.Errorf("apcv read: exit %d\n%s", c, o)
		}
	})
	if code != exitOK || !strings.Contains(out, "reader conformance: 9 passed, 0 failed") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// TestConformReaderPCSCScript: a misbehaving reader — a scriptor script
// (pcsc-tools) that sends KEY AGREEMENT with P1=01 and a GET RESPONSE out of
// the blue — fails the kit, exit 1.
func TestConformReaderPCSCScript(t *testing.T) {
	scriptor, err := exec.LookPath("scriptor")
	if err != nil {
		if os.Getenv("APCV_REQUIRE_PCSC") == "1" {
			t.Fatal("scriptor (pcsc-tools) needed")
		}
		t.Skip("scriptor (pcsc-tools) not installed")
	}
	code, out := conformReaderPCSC(t, "6s", func(name, _ string) {
		script := filepath.Join(t.TempDir(), "bad.apdu")
		ka := "80 10 01 00 55 86 41 04" + strings.Repeat(" 11", 64) + " 87 10" + strings.Repeat(" 22", 16) + " 00"
		if err := os.WriteFile(script, []byte("00 A4 04 00 06 F0 41 50 43 56 31 00\n"+ka+"\n00 C0 00 00 00\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if o, err := exec.Command(scriptor, "-r", name, script).CombinedOutput(); err != nil {
			t.Errorf("scriptor: %v\n%s", err, o)
		}
	})
	if code != exitFailure {
		t.Fatalf("exit %d, want %d:\n%s", code, exitFailure, out)
	}
	// The script never completes a read (reader's TestPCSCAnyReader, which
	// reads every reader, runs where no other package uses pcscd).
	rules := []string{"r-p1p2", "r-order", "r-no-refusal", "r-read-complete"}
	for _, rule := range rules {
		if !strings.Contains(out, "FAIL   "+rule+" ") {
			t.Errorf("rule %s did not fail:\n%s", rule, out)
		}
	}
}
