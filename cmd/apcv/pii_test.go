package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
)

// secrets returns the personal data of every built-in profile: NIRs (raw
// and grouped), names and first names.
func secrets(t *testing.T) []string {
	var out []string
	for _, name := range phone.Profiles() {
		p, err := phone.BuiltinProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range p.Family.Beneficiaires {
			out = append(out, string(b.NIR), b.NIR.Format(), b.NomFamille, b.Prenoms)
			if b.NomUsage != "" {
				out = append(out, b.NomUsage)
			}
			if b.INS != nil {
				out = append(out, b.INS.NomsNaissance, b.INS.PrenomsActe)
			}
		}
	}
	return out
}

func leaks(out string, secrets []string) []string {
	var found []string
	for _, s := range secrets {
		if len(s) >= 3 && strings.Contains(out, s) {
			found = append(found, s)
		}
	}
	return found
}

// TestNoPersonalDataInOutput runs each command with debug logs on and checks
// that no NIR or name of the profiles shows, except with --show-pii (where
// they must show: the check can fail).
func TestNoPersonalDataInOutput(t *testing.T) {
	sec := secrets(t)
	dir := t.TempDir()
	lists := filepath.Join(dir, "lists")
	png := filepath.Join(dir, "qr.png")
	hidFile := filepath.Join(dir, "scan.hid")
	qrText := filepath.Join(dir, "qr.txt")

	// One emulator process writes the lists, a PNG and a HID stream of the
	// same phone; the reads below verify them.
	code, out, errOut := runCLI(t, "--debug", "emulate", "--profile", "famille-6-drome", "--lists-out", lists,
		"--qr-png", png, "--qr-text", qrText, "--hid-out", hidFile, "--hid-layout", "fr")
	if code != exitOK {
		t.Fatalf("emulate: %d\n%s%s", code, out, errOut)
	}
	if l := leaks(out+errOut, sec); len(l) > 0 {
		t.Errorf("emulate leaks %q", l)
	}

	for _, tc := range []struct {
		name string
		args []string
		pii  bool
	}{
		{"demo", []string{"--debug", "demo", "--profile", "famille-6-drome"}, false},
		{"demo lunar json", []string{"--debug", "demo", "--profile", "lunaire-1978", "--json"}, false},
		{"demo corse", []string{"--debug", "demo", "--profile", "corse-2b"}, false},
		{"read image", []string{"--debug", "read", "--lists", lists, "--image", png}, false},
		{"read hid replay", []string{"--debug", "read", "--lists", lists, "--hid-replay", hidFile, "--json"}, false},
		{"readers", []string{"--debug", "readers"}, false},
		{"demo with --show-pii", []string{"--debug", "demo", "--profile", "famille-6-drome", "--show-pii"}, true},
		{"read image with --show-pii", []string{"--debug", "read", "--lists", lists, "--image", png, "--show-pii"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != exitOK && tc.name != "readers" {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			if !strings.Contains(errOut, "level=DEBUG") && tc.name != "readers" {
				t.Errorf("no debug log on stderr:\n%s", errOut)
			}
			l := leaks(out+errOut, sec)
			if tc.pii && len(l) == 0 {
				t.Errorf("--show-pii shows no personal data:\n%s", out)
			}
			if !tc.pii && len(l) > 0 {
				t.Errorf("leaks %q:\n%s\n%s", l, out, errOut)
			}
		})
	}

	// The serial path: the emulator acts as a 115200-baud scanner on a pty.
	t.Run("read serial", func(t *testing.T) {
		if !serialpty.Supported {
			t.Skipf("no pseudo-terminals on %s to stand for the serial scanner (serialpty.Supported is false)", runtime.GOOS)
		}
		sc, err := serialpty.Open(serialpty.Config{Baud: 115200})
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		qr, err := os.ReadFile(qrText)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		go func() { time.Sleep(300 * time.Millisecond); sc.Scan(ctx, strings.TrimSpace(string(qr))) }()
		code, out, errOut := runCLI(t, "--debug", "read", "--lists", lists, "--serial", sc.Path(), "--baud", "115200")
		if code != exitOK {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		if l := leaks(out+errOut, sec); len(l) > 0 {
			t.Errorf("leaks %q", l)
		}
	})
}
