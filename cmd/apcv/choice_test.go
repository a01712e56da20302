package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmulateBeneficiary: `apcv emulate --beneficiary N` shows that
// person's code only (PNG, text and HID stream of one presentation), and
// `apcv verify` / `apcv read` verify it end to end with the person seen
// named; --beneficiary outside the family fails.
func TestEmulateBeneficiary(t *testing.T) {
	dir := t.TempDir()
	lists := filepath.Join(dir, "lists")
	qrText := filepath.Join(dir, "qr.txt")
	hidFile := filepath.Join(dir, "scan.hid")
	code, out, errOut := runCLI(t, "emulate", "--profile", "famille-6-drome", "--beneficiary", "3", "--lists-out", lists,
		"--qr-text", qrText, "--hid-out", hidFile)
	if code != exitOK {
		t.Fatalf("emulate: %d\n%s%s", code, out, errOut)
	}
	text, err := os.ReadFile(qrText)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.TrimSpace(string(text))); n > 600 {
		t.Errorf("beneficiary 3: %d characters, want ≤ 600", n)
	}
	code, out, errOut = runCLI(t, "verify", "--lists", lists, "--text", qrText)
	if code != exitOK || !strings.Contains(out, "chosen beneficiary: [1]") || strings.Count(out, "] ") != 2 {
		t.Fatalf("verify: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "read", "--lists", lists, "--hid-replay", hidFile, "--json", "--show-pii")
	var id struct {
		Selected      *int `json:"selected"`
		Beneficiaires []struct {
			Prenoms string `json:"prenoms"`
		} `json:"beneficiaires"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &id) != nil || id.Selected == nil || *id.Selected != 1 ||
		len(id.Beneficiaires) != 2 || id.Beneficiaires[1].Prenoms == "" {
		t.Fatalf("read --hid-replay: %d\n%s%s", code, out, errOut)
	}

	if code, out, errOut = runCLI(t, "emulate", "--profile", "famille-6-drome", "--beneficiary", "6", "--qr-text", qrText); code != exitFailure ||
		!strings.Contains(errOut, "FR: ") {
		t.Errorf("beneficiary past the family: %d\n%s%s", code, out, errOut)
	}
	if code, _, _ = runCLI(t, "emulate", "--beneficiary", "-2"); code != exitUsage {
		t.Errorf("--beneficiary -2: exit %d, want usage", code)
	}
}

// TestQRBeneficiary: `apcv qr text --beneficiary N` prints the chosen
// code, shorter than the whole family's, and refuses a bad index.
func TestQRBeneficiary(t *testing.T) {
	code, whole, errOut := runCLI(t, "qr", "text", "--profile", "famille-6-drome")
	if code != exitOK {
		t.Fatalf("%d %s", code, errOut)
	}
	code, chosen, errOut := runCLI(t, "qr", "text", "--profile", "famille-6-drome", "--beneficiary", "0")
	if code != exitOK {
		t.Fatalf("%d %s", code, errOut)
	}
	if len(chosen) > 601 || len(chosen) >= len(whole) {
		t.Errorf("chosen %d characters, whole family %d", len(chosen)-1, len(whole)-1)
	}
	if code, _, _ := runCLI(t, "qr", "text", "--profile", "famille-6-drome", "--beneficiary", "-5"); code != exitUsage {
		t.Errorf("--beneficiary -5: exit %d, want usage", code)
	}
	if code, _, _ := runCLI(t, "qr", "text", "--profile", "isere-solo", "--beneficiary", "1"); code != exitFailure {
		t.Errorf("--beneficiary 1 of a family of 1: exit %d, want failure", code)
	}
}

// TestQRShort: `apcv qr text --short --state DIR` prints a 120-character
// short code of the phone kept in DIR; without --state, or with
// --beneficiary, it is a usage error.
func TestQRShort(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "qr", "text", "--profile", "famille-6-drome", "--short", "--state", dir)
	text := strings.TrimSpace(out)
	if code != exitOK || !strings.HasPrefix(text, "APCV2:") || len(text) != 48 {
		t.Fatalf("%d %q %s", code, out, errOut)
	}
	for _, args := range [][]string{
		{"qr", "text", "--profile", "famille-6-drome", "--short"},
		{"qr", "text", "--profile", "famille-6-drome", "--short", "--state", dir, "--beneficiary", "1"},
		{"emulate", "--profile", "famille-6-drome", "--short"},
		{"emulate", "--profile", "famille-6-drome", "--short", "--state", dir, "--beneficiary", "0"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("apcv %v: exit %d, want usage", args, code)
		}
	}
	qrText := filepath.Join(dir, "short.txt")
	if code, out, errOut := runCLI(t, "emulate", "--profile", "famille-6-drome", "--short", "--state", dir, "--qr-text", qrText); code != exitOK ||
		!strings.Contains(out, "(48 characters)") {
		t.Fatalf("emulate --short: %d\n%s%s", code, out, errOut)
	}
}
