package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
)

// pcscPhone serves w's phone on the harness's "cmd" reader for the test's
// duration and returns the reader's name and a lists directory for w.
func pcscPhone(t *testing.T, w *emulator.World) (readerName, dir string) {
	t.Helper()
	addr, name := pcsctest.Require(t, "cmd")
	a, err := w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := w.WriteLists(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	// The previous test's phone must be gone first; cleanups run last
	// first, so this one's removal is waited for after Serve stops.
	pcsctest.WaitCard(t, name, false, 20*time.Second)
	t.Cleanup(func() { pcsctest.WaitCard(t, name, false, 20*time.Second) })
	pcsctest.Serve(t, addr, a, vpcd.Options{})
	return name, dir
}

func runRead(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var o, e bytes.Buffer
	code = run(ctx, append([]string{"read"}, args...), &o, &e)
	return code, o.String(), e.String()
}

// TestReadPCSC reads the emulated phone through the real pcscd with
// apcv read --pcsc: exit 0, the verified identity, personal data masked.
func TestReadPCSC(t *testing.T) {
	w, err := emulator.New(emulator.Options{Profile: "famille-6-drome"})
	if err != nil {
		t.Fatal(err)
	}
	name, dir := pcscPhone(t, w)
	code, out, errOut := runRead(t, "--pcsc", name, "--lists", dir, "--groups", "AMO,INS")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	prof := w.Phone.Profile()
	od := prof.OuvrantDroit()
	for _, want := range []string{"mode NFC", "source nfc:pcsc:" + name, od.NIR.Masked(), "(personal data masked"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, b := range prof.Family.Beneficiaires {
		if strings.Contains(out, b.NIR.Format()) || strings.Contains(out, b.NomFamille) {
			t.Errorf("output shows personal data without --show-pii:\n%s", out)
		}
	}
}

// TestReadPCSCLocked: a locked app is not a verification refusal (isRefusal
// lists verification errors only): exit 1 with the desk message asking for
// the secret code.
func TestReadPCSCLocked(t *testing.T) {
	if isRefusal(nfc.ErrAppLocked) {
		t.Fatal("isRefusal(nfc.ErrAppLocked): the documented exit code changed")
	}
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	w.Phone.Lock()
	name, dir := pcscPhone(t, w)
	code, out, errOut := runRead(t, "--pcsc", name, "--lists", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailure, out, errOut)
	}
	if !strings.Contains(errOut, "FR: "+nfc.ErrAppLocked.FR) || !strings.Contains(errOut, "code secret") {
		t.Errorf("stderr lacks the French desk message about the secret code:\n%s", errOut)
	}
	if !strings.Contains(errOut, "EN: "+nfc.ErrAppLocked.EN) {
		t.Errorf("stderr lacks the English desk message:\n%s", errOut)
	}
	if out != "" {
		t.Errorf("stdout not empty on failure:\n%s", out)
	}
}

// TestReadPCSCUnknownReader: a reader that does not exist fails at once,
// exit 1: the facade drops the source and has none left (reader.ErrNoSource).
func TestReadPCSCUnknownReader(t *testing.T) {
	pcsctest.Require(t, "cmd")
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := w.WriteLists(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, _, errOut := runRead(t, "--pcsc", "APCV No Such Reader 00 00", "--lists", dir, "--timeout", "30s")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, errOut)
	}
	// The facade drops the missing reader; with no source left the read
	// ends (reader.ErrNoSource) rather than waiting for the timeout, and the
	// desk reads why: the reader named does not exist. (A 30 s timeout
	// and 10 s allowed: the command's own work takes seconds on a loaded
	// machine, which a 5 s timeout and 4 s allowed left little room for.)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v, want well under the 30 s timeout", took)
	}
	if !strings.Contains(errOut, "FR: "+nfc.ErrUnknownReader.FR) || !strings.Contains(errOut, "no-device") {
		t.Errorf("stderr lacks the desk message of nfc.ErrUnknownReader, or the ErrNoSource code:\n%s", errOut)
	}
}
