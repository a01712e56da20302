package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testfamily"
	"github.com/apcvkit/apcvkit/reader"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestIdentityJSONGolden")

// TestIdentityJSONGolden pins the bytes of `apcv read --json`, masked and
// with --show-pii: the identity JSON is a public schema scripts parse.
func TestIdentityJSONGolden(t *testing.T) {
	f := testfamily.Family(6, testfamily.Options{Lunar: true, INS: true})
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	id := &reader.Identity{Mode: credential.ModeQR, Source: "serial:/dev/ttyACM0", Beneficiaires: f.Beneficiaires, Selected: -1,
		EtatCivil: f.EtatCivil, Groups: []credential.Group{credential.GroupAMO, credential.GroupINS, credential.GroupEtatCivil},
		Verification: reader.Verification{Issuer: "CNAM", IssuerKid: "636e616d2d31", CredentialID: "a102030405060708",
			IssuedAt: at.Add(-24 * time.Hour), ValidUntil: at.Add(365 * 24 * time.Hour), PresentedAt: at.Add(-1500 * time.Millisecond),
			Freshness: 1500 * time.Millisecond, Counter: 7, VerifiedAt: at}}
	for _, tt := range []struct {
		file    string
		showPII bool
	}{{"identity-masked.json", false}, {"identity-pii.json", true}} {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writeJSON(&buf, id, tt.showPII); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("writeJSON differs from %s:\n%s", path, buf.Bytes())
			}
		})
	}
}

// TestPrintEtatCivil: the text form shows the état civil's sex and
// acquisition date when the credential carries them (version 2), and
// nothing more for one of version 1.
func TestPrintEtatCivil(t *testing.T) {
	f := testfamily.Family(1, testfamily.Options{})
	id := &reader.Identity{Mode: credential.ModeNFC, Beneficiaires: f.Beneficiaires, EtatCivil: f.EtatCivil, Selected: -1,
		Groups: []credential.Group{credential.GroupAMO, credential.GroupEtatCivil}}
	var buf bytes.Buffer
	printIdentity(&buf, id, false)
	if !bytes.Contains(buf.Bytes(), []byte("(CNI) sexe F, acquis le 08/11/2023\n")) {
		t.Fatalf("version 2:\n%s", buf.Bytes())
	}
	ec := *f.EtatCivil
	ec.Sexe, ec.DateAcquisition = 0, credential.Date{}
	id.EtatCivil = &ec
	buf.Reset()
	printIdentity(&buf, id, false)
	if !bytes.Contains(buf.Bytes(), []byte("(CNI)\n")) {
		t.Fatalf("version 1:\n%s", buf.Bytes())
	}
}
