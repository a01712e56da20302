package qrimage

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testfamily"
)

// A short QR text (protocol version 2, credential.ShortQRLen characters
// whatever the family) is a QR code of version 3 at level M (29 modules):
// with our encoder, and with qrencode where it is installed. It scans back.
func TestShortQRVersion(t *testing.T) {
	dev, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	held, err := credential.Issue(credential.IssuerKey{Kid: []byte("k"), Key: iss}, credential.Claims{Issuer: "CNAM",
		CredentialID: [8]byte{0xff, 0xfe, 0xfd}, IssuedAt: now.Add(-time.Hour), ValidUntil: now.Add(time.Hour),
		DevicePublicKey: &dev.PublicKey, Family: testfamily.Family(32, testfamily.Options{})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		text, err := held.PresentShortQR(now.Add(time.Duration(i) * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewCode(text, Options{Level: LevelM})
		if err != nil {
			t.Fatal(err)
		}
		if len(text) != 48 || c.Symbol.Version != 3 || c.Symbol.Level != LevelM || c.Symbol.Modules != 29 {
			t.Fatalf("%d characters: %+v", len(text), c.Symbol)
		}
		if i == 0 {
			decode(t, text, Options{Level: LevelM})
		}
		if bin, err := exec.LookPath("qrencode"); err == nil {
			out, err := exec.Command(bin, "-l", "M", "-m", "0", "-t", "ASCII", "-o", "-", text).Output()
			if err != nil {
				t.Fatal(err)
			}
			line, _, _ := strings.Cut(string(out), "\n")
			if modules := len(line) / 2; modules != 29 {
				t.Errorf("qrencode -l M: %d modules, want 29 (version 3)", modules)
			}
		}
	}
}
