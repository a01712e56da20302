package main

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
	"github.com/apcvkit/apcvkit/reader"
)

// TestEmulateQRPNGMatchesText: --qr-png and --qr-text of one emulate run
// carry the same presentation: the PNG, decoded by our camera decoder, gives
// the text file's content (each presentation has its own counter, so two
// presentations never give the same text).
func TestEmulateQRPNGMatchesText(t *testing.T) {
	dir := t.TempDir()
	pngPath := filepath.Join(dir, "qr.png")
	txtPath := filepath.Join(dir, "qr.txt")
	code, out, errOut := runCLI(t, "emulate", "--profile", "isere-solo", "--qr-png", pngPath, "--qr-text", txtPath)
	if code != exitOK {
		t.Fatalf("emulate: exit %d\n%s%s", code, out, errOut)
	}
	raw, err := os.ReadFile(txtPath)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(string(raw), "\n")
	if want == "" {
		t.Fatal("empty --qr-text file")
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	scan, err := camera.Decode(context.Background(), camera.FromImage(img))
	if err != nil {
		t.Fatalf("decode %s: %v", pngPath, err)
	}
	if scan.Text != want {
		t.Fatal("the PNG decodes to another presentation than the text file")
	}
}

// TestReadImageCauses: apcv read --image names why an image file gave no
// code (its own code and desk message), not "no QR code found" nor "no
// device".
func TestReadImageCauses(t *testing.T) {
	dir := t.TempDir()
	lists := filepath.Join(dir, "lists")
	good := filepath.Join(dir, "good.png")
	if code, out, errOut := runCLI(t, "emulate", "--profile", "isere-solo", "--lists-out", lists, "--qr-png", good); code != exitOK {
		t.Fatalf("emulate: exit %d\n%s%s", code, out, errOut)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// A PNG header claiming 100000×100000 gray pixels (IHDR and IEND
	// chunks with their CRCs), without pixel data.
	huge := []byte("\x89PNG\r\n\x1a\n" +
		"\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x00\x00\x00\x00")
	huge = binary.BigEndian.AppendUint32(huge, crc32.ChecksumIEEE(huge[12:]))
	huge = append(huge, "\x00\x00\x00\x00IEND\xae\x42\x60\x82"...)
	for _, tc := range []struct {
		name string
		data []byte
		want *apcverr.Error
	}{
		{"empty", []byte{}, camera.ErrImageUnreadable},
		{"truncated", raw[:len(raw)/3], camera.ErrImageUnreadable},
		{"text", []byte("hello\n"), camera.ErrNotAnImage},
		{"oversized", huge, camera.ErrImageTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".png")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI(t, "read", "--lists", lists, "--image", p, "--timeout", "20s")
			if code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitFailure, out, errOut)
			}
			for _, want := range []string{tc.want.Code, "FR: " + tc.want.FR + "\n", "EN: " + tc.want.EN + "\n"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if strings.Contains(errOut, qrscan.ErrNoCode.FR) || strings.Contains(errOut, reader.ErrNoSource.FR) {
				t.Errorf("the desk reads another cause:\n%s", errOut)
			}
		})
	}
	// The good file still reads.
	if code, out, errOut := runCLI(t, "read", "--lists", lists, "--image", good, "--timeout", "20s"); code != exitOK {
		t.Fatalf("good image: exit %d\n%s%s", code, out, errOut)
	}
}

// TestEmulateVirtualClock: --advance, --clock-offset and --scenario make
// phones that a desk using the real time reads as a patient's would be:
// expired after 91 days without an opening online, valid at 89 days, from
// the future with the clock ahead, revoked by an agent while offline,
// lapsed after 7 days without reopening, rejected by the back office (no
// QR to show), re-issued after a data change (read).
func TestEmulateVirtualClock(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	revoked := write("revoked.yaml", `steps:
  - new-phone: isere-solo
  - activate
  - network: offline
  - portal-revoke: device-stolen
  - advance: 1m
  - unlock
`)
	lapsed := write("lapsed.yaml", `steps:
  - new-phone: isere-solo
  - activate: {open: false}
  - advance: 7d1s
  - open:
    expect-error: profile-deleted
`)
	rejected := write("rejected.yaml", `steps:
  - new-phone: isere-solo
  - activate: {wait: 40h, reject: document-not-authentic}
    expect-error: rejected-document-not-authentic
`)
	reissued := write("reissued.yaml", `steps:
  - new-phone: isere-solo
  - activate
  - advance: 20d
  - data-change: {nom-usage: MARTIN}
  - unlock
`)
	for _, tt := range []struct {
		name       string
		args       []string
		emulateOut string // in emulate's output
		verify     int    // verify's exit code; -1: no QR (emulate fails)
		verifyMsg  string
	}{
		{"advance 91d", []string{"--profile", "isere-solo", "--advance", "91d"}, "state active (unlocked)", exitRefused, "credential-expired"},
		{"advance 89d", []string{"--profile", "isere-solo", "--advance", "89d"}, "data updated", exitOK, "verified identity"},
		{"clock 10 minutes ahead", []string{"--profile", "isere-solo", "--clock-offset", "10m"}, "offset 10m0s", exitRefused, "credential-not-yet-valid"},
		{"scenario: revoked while offline", []string{"--scenario", revoked}, "PASS revoked", exitRefused, "revoked"},
		{"scenario: revoked, then 91 days", []string{"--scenario", revoked, "--advance", "91d"}, "PASS revoked", exitRefused, "credential-expired"},
		{"scenario: lapsed", []string{"--scenario", lapsed}, "state profile deleted", -1, "profile-deleted"},
		{"scenario: rejected", []string{"--scenario", rejected}, "state not activated", -1, "not-activated"},
		{"scenario: re-issued", []string{"--scenario", reissued}, "PASS reissued", exitOK, "verified identity"},
		{"shipped scenario", []string{"--scenario", "renewal-at-opening"}, "PASS renewal-at-opening", exitOK, "verified identity"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lists, qr := filepath.Join(t.TempDir(), "lists"), filepath.Join(t.TempDir(), "qr.txt")
			code, out, errOut := runCLI(t, append([]string{"emulate", "--lists-out", lists, "--qr-text", qr}, tt.args...)...)
			if !strings.Contains(out, tt.emulateOut) {
				t.Fatalf("emulate: exit %d, output without %q\n%s%s", code, tt.emulateOut, out, errOut)
			}
			if tt.verify < 0 {
				if code != exitFailure || !strings.Contains(errOut, tt.verifyMsg) {
					t.Fatalf("emulate --qr-text: exit %d, want 1 with %s\n%s%s", code, tt.verifyMsg, out, errOut)
				}
				return
			}
			if code != exitOK {
				t.Fatalf("emulate: exit %d\n%s%s", code, out, errOut)
			}
			code, out, errOut = runCLI(t, "verify", "--lists", lists, "--text", qr)
			if code != tt.verify || !strings.Contains(out+errOut, tt.verifyMsg) {
				t.Fatalf("verify: exit %d, want %d with %q\n%s%s", code, tt.verify, tt.verifyMsg, out, errOut)
			}
		})
	}
	saved := filepath.Join(dir, "saved")
	if code, out, errOut := runCLI(t, "emulate", "--profile", "isere-solo", "--state", saved); code != exitOK {
		t.Fatalf("emulate --state: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "emulate", "--profile", "isere-solo", "--state", filepath.Join(dir, "new"), "--advance", "91d"); code != exitOK {
		t.Fatalf("emulate --advance on a new --state: exit %d\n%s%s", code, out, errOut)
	}
	for _, bad := range [][]string{
		{"--advance", "-1d"}, {"--advance", "soon"}, {"--clock-offset", "1 week"},
		{"--scenario", "no-such-story"}, {"--scenario", "renewal-at-opening", "--state", dir},
		{"--advance", "91d", "--state", saved},
	} {
		if code, out, errOut := runCLI(t, append([]string{"emulate"}, bad...)...); code != exitUsage {
			t.Errorf("emulate %v: exit %d, want 2\n%s%s", bad, code, out, errOut)
		}
	}
}
