//go:build cgo || windows

package pcsc_test

import (
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

// tool returns the path of an independent PC/SC client (pcsc-tools), or
// skips the test when it is missing, unless APCV_REQUIRE_PCSC=1.
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("APCV_REQUIRE_PCSC") == "1" {
			t.Fatalf("%s needed (APCV_REQUIRE_PCSC=1): apt-get install pcsc-tools", name)
		}
		t.Skipf("%s is not installed (apt-get install pcsc-tools)", name)
	}
	return path
}

// runTool runs a client with a time limit and returns its output.
func runTool(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestPCSCScan: pcsc-tools' pcsc_scan lists our reader.
func TestPCSCScan(t *testing.T) {
	_, name := pcsctest.Require(t, "pcsc")
	out := runTool(t, "", tool(t, "pcsc_scan"), "-r")
	if !strings.Contains(out, name) {
		t.Errorf("pcsc_scan -r does not list %q:\n%s", name, out)
	}
}

// newWorld returns an emulated issuer and phone for profile.
func newWorld(t testing.TB, profile string) *emulator.World {
	t.Helper()
	w, err := emulator.New(emulator.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// phoneApplet returns the HCE applet of w's phone.
func phoneApplet(t testing.TB, w *emulator.World) apdu.Transport {
	t.Helper()
	a, err := w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestScriptorSelect: pcsc-tools' scriptor sends the SELECT of the ApCV AID
// to the emulated phone through pcscd and gets its FCI and 9000, the very
// answer the applet gives in memory.
func TestScriptorSelect(t *testing.T) {
	addr, name := pcsctest.Require(t, "pcsc")
	scriptor := tool(t, "scriptor")
	w := newWorld(t, "famille-6-drome")
	sel := []byte{0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x41, 0x50, 0x43, 0x56, 0x31, 0x00}
	want, err := phoneApplet(t, w).Transmit(context.Background(), sel)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 4 || want[0] != 0x6F || want[len(want)-2] != 0x90 || want[len(want)-1] != 0x00 {
		t.Fatalf("the applet's own SELECT answer %X is not FCI + 9000", want)
	}
	if !strings.Contains(strings.ToUpper(hex.EncodeToString(want)), strings.ToUpper(hex.EncodeToString(wire.AID))) {
		t.Fatalf("the FCI %X does not name the AID", want)
	}
	pcsctest.WaitCard(t, name, false, presentTimeout)
	t.Cleanup(func() { pcsctest.WaitCard(t, name, false, presentTimeout) })
	pcsctest.Serve(t, addr, phoneApplet(t, w), vpcd.Options{})
	pcsctest.WaitCard(t, name, true, presentTimeout)
	out := runTool(t, "00 A4 04 00 06 F0 41 50 43 56 31 00\n", scriptor, "-r", name)
	got, ok := scriptorAnswer(out)
	if !ok {
		t.Fatalf("no answer in scriptor's output:\n%s", out)
	}
	if !strings.EqualFold(got, hex.EncodeToString(want)) {
		t.Errorf("scriptor got %s, want %X\n%s", got, want, out)
	}
	if !strings.Contains(out, "Normal processing") {
		t.Errorf("scriptor does not report 90 00 as normal processing:\n%s", out)
	}
}

// scriptorAnswer returns the hex of the first answer in scriptor's output:
// from the line starting "< " through its continuation lines, up to the
// " : " that precedes the status word's meaning:
//
//	< 6F 18 84 06 F0 41 50 43 56 31 A5 0E 80 01 01 81
//	02 00 FF 82 02 01 00 83 01 01 90 00 : Normal processing.
func scriptorAnswer(out string) (string, bool) {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(out, "\n") {
		if !in {
			rest, ok := strings.CutPrefix(line, "< ")
			if !ok {
				continue
			}
			in, line = true, rest
		}
		data, _, last := strings.Cut(line, " : ")
		b.WriteString(strings.Join(strings.Fields(data), ""))
		if last {
			return b.String(), b.Len() > 0
		}
	}
	return "", false
}

func TestScriptorAnswer(t *testing.T) {
	for _, tc := range []struct {
		name, out, want string
		ok              bool
	}{
		{"one line", "> 00 A4\n< 90 00 : Normal processing.\n", "9000", true},
		{"wrapped", "Using T=1 protocol\n< 6F 18 84 \n02 00 90 00 : Normal processing.\n", "6F1884020090" + "00", true},
		{"no answer", "Using T=1 protocol\n> 00 A4\n", "", false},
		{"unterminated", "< 6F 18\n", "", false},
		{"empty", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := scriptorAnswer(tc.out)
			if got != tc.want || ok != tc.ok {
				t.Errorf("scriptorAnswer = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
