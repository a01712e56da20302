package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestDemo(t *testing.T) {
	code, out, errOut := runCLI(t, "demo", "--profile", "isere-solo")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"mode NFC", "mode QR", "Receipt written over NFC", "2 88 02 ** *** *** 36", "(personal data masked"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DURAND") || strings.Contains(out, "Camille") {
		t.Errorf("demo shows personal data without --show-pii:\n%s", out)
	}
	code, out, _ = runCLI(t, "demo", "--profile", "isere-solo", "--show-pii", "--json")
	if code != exitOK || !strings.Contains(out, `"nomFamille": "DURAND"`) {
		t.Fatalf("exit %d, --show-pii --json:\n%s", code, out)
	}
	// An iPhone has no NFC: the demo says so and reads the QR only.
	code, out, _ = runCLI(t, "demo", "--profile", "ne-75-vit-92")
	if code != exitOK || !strings.Contains(out, "QR code") || strings.Contains(out, "mode NFC") {
		t.Fatalf("exit %d, iPhone demo:\n%s", code, out)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"verify"}, {"read"}, {"demo", "--bogus"}, {"emulate", "extra"}} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("apcv %v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, out, _ := runCLI(t, "--help"); code != exitOK || !strings.Contains(out, "demo") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
}

func TestVerifyExitCodes(t *testing.T) {
	_, dir, text := listsAndQR(t)
	file := filepath.Join(dir, "scan.txt")
	os.WriteFile(file, []byte(text+"\r\n"), 0o600)
	tampered := text[:len(text)-4] + "AAAA"
	if tampered == text {
		tampered = text[:len(text)-4] + "BBBB"
	}
	for _, tc := range []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"valid, from file", []string{"verify", "--lists", dir, "--text", file}, exitOK, "2 88 02 ** *** *** 36"},
		{"valid, argument, pii", []string{"verify", "--lists", dir, "--show-pii", text}, exitOK, "DURAND"},
		{"tampered", []string{"verify", "--lists", dir, tampered}, exitRefused, ""},
		{"not apcv", []string{"verify", "--lists", dir, "HELLO"}, exitRefused, ""},
		{"no lists", []string{"verify", "--lists", filepath.Join(dir, "missing"), text}, exitFailure, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != tc.want || !strings.Contains(out, tc.out) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errOut)
			}
			if code == exitRefused && (!strings.Contains(errOut, "FR: ") || !strings.Contains(errOut, "EN: ")) {
				t.Fatalf("refusal without desk messages:\n%s", errOut)
			}
		})
	}
}

// listsAndQR makes an emulated phone (isere-solo), writes its lists to a
// temporary directory and returns the world, that directory and one QR
// presentation.
func listsAndQR(t *testing.T) (w *emulator.World, dir, text string) {
	t.Helper()
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := w.WriteLists(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	text, err = w.Phone.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	return w, dir, text
}
