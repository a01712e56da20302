package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/emulator/psauth"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/online"
)

// TestReadShortQR: apcv read --service … --rights reads a short QR code
// (here from an image file) through the issuer's online service on
// loopback, with the PEM files apcv ps-cert writes, and prints the identity
// with its AMO rights; the same code again is refused (exit 3), and without
// --service the desk is told to ask for the offline QR code.
func TestReadShortQR(t *testing.T) {
	w, err := emulator.New(emulator.Options{Profile: "famille-6-drome"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lists := filepath.Join(dir, "lists")
	if err := w.WriteLists(context.Background(), lists); err != nil {
		t.Fatal(err)
	}
	auth, err := psauth.New(psauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	audit, err := portal.OpenAuditLog(filepath.Join(dir, portal.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	h, err := backoffice.New(backoffice.Config{Backend: w.Issuer, Authority: auth, Audit: audit})
	if err != nil {
		t.Fatal(err)
	}
	srv := backoffice.NewServer(h, backoffice.ServerConfig{})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	certPEM, keyPEM, err := auth.IssuePS(psauth.PS{RPPS: "10101234567", Name: "Dr Test", Profession: "Médecin"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"ps.pem": certPEM, "ps-key.pem": keyPEM, "ps-ca.pem": auth.CAPEM()}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	held, _, err := w.Phone.Wallet()
	if err != nil {
		t.Fatal(err)
	}
	text, err := held.PresentShortQR(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "short.png")
	writePNG(t, png, text)
	service := []string{"--service", srv.URL, "--ps-cert", filepath.Join(dir, "ps.pem"), "--ps-key", filepath.Join(dir, "ps-key.pem"),
		"--service-ca", filepath.Join(dir, "ps-ca.pem")}
	read := func(extra ...string) (int, string, string) {
		return runCLI(t, append(append([]string{"read", "--lists", lists, "--image", png, "--timeout", "20s"}, service...), extra...)...)
	}

	code, out, errOut := read("--rights", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var id reader.IdentityJSON
	if err := json.Unmarshal([]byte(out), &id); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !id.Verification.ShortQR || len(id.Beneficiaires) != 6 || len(id.Rights) != 6 || id.RightsError != nil {
		t.Fatalf("identity: shortQR %v, %d beneficiaries, %d rights, rights error %v", id.Verification.ShortQR,
			len(id.Beneficiaires), len(id.Rights), id.RightsError)
	}
	if id.Rights[0].NIR != id.Beneficiaires[0].NIR || !strings.Contains(id.Rights[0].NIR, "*") {
		t.Errorf("rights NIR %q: want the beneficiary's, masked (%q)", id.Rights[0].NIR, id.Beneficiaires[0].NIR)
	}

	code, out, errOut = read()
	if code != exitRefused || !strings.Contains(errOut, "already-resolved") {
		t.Errorf("the same code again: exit %d, want %d (already-resolved)\n%s%s", code, exitRefused, out, errOut)
	}

	// Text output: a code drawn a second later.
	if text, err = held.PresentShortQR(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	writePNG(t, png, text)
	code, out, errOut = read("--rights")
	if code != exitOK || !strings.Contains(out, "droits/rights [5]") || !strings.Contains(out, "régime 01") {
		t.Errorf("text output: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = runCLI(t, "read", "--lists", lists, "--image", png, "--timeout", "20s")
	if code != exitFailure || !strings.Contains(errOut, online.ErrOnlineNotConfigured.Code) || !strings.Contains(errOut, "offline QR code") {
		t.Errorf("without --service: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "read", "--lists", lists, "--image", png, "--rights"); code != exitUsage {
		t.Errorf("--rights without --service: exit %d, want %d", code, exitUsage)
	}
}

func writePNG(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := qrimage.WritePNG(f, text, qrimage.Options{}); err != nil {
		t.Fatal(err)
	}
}
