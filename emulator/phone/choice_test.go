package phone_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// The issue's bound: every beneficiary of every shipped profile (cases
// included) has a code
// of at most 600 characters, at the largest counter and with the
// reference issuer's 8-byte kids.
func TestChosenQRSizeEveryProfile(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ik := credential.IssuerKey{Kid: []byte("kid8byte"), Key: key}
	for _, name := range append(phone.Profiles(), phone.CaseProfiles()...) {
		prof := loadProfile(t, name, nil)
		h, err := credential.Issue(ik, credential.Claims{Issuer: "CNAM", IssuedAt: t0, ValidUntil: t0.AddDate(0, 3, 0),
			DevicePublicKey: &key.PublicKey, Family: prof.Family}, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range prof.Family.Beneficiaires {
			text, err := h.PresentQRFor(key, t0, math.MaxUint32, i, nil)
			if err != nil {
				t.Fatalf("%s, beneficiary %d: %v", name, i, err)
			}
			if len(text) > 600 {
				t.Errorf("%s, beneficiary %d: %d characters, want ≤ 600", name, i, len(text))
			}
		}
	}
}

// The app shows the whole family's code or one beneficiary's; both verify,
// and share one refresh counter.
func TestPresentQRAs(t *testing.T) {
	e := newEnv(t, "famille-6-drome", issuer.Options{}, nil)
	e.active(t)
	v := newVerifier(t, e)
	n := len(e.prof.Family.Beneficiaires)
	for i := range n {
		text, err := e.ph.PresentQRAs(phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: i})
		if err != nil {
			t.Fatalf("beneficiary %d: %v", i, err)
		}
		p, err := v.VerifyQR(text)
		if err != nil {
			t.Fatalf("beneficiary %d: %v", i, err)
		}
		if !p.Chosen || p.Family.Beneficiaires[p.Selected].NIR != e.prof.Family.Beneficiaires[i].NIR || p.Counter != uint32(i+1) {
			t.Errorf("beneficiary %d: chosen %v, selected %d, counter %d", i, p.Chosen, p.Selected, p.Counter)
		}
	}
	whole := func(k phone.QRKind) {
		t.Helper()
		text, err := e.ph.PresentQRAs(phone.QRChoice{Kind: k})
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		p, err := v.VerifyQR(text)
		if err != nil || p.Chosen || len(p.Family.Beneficiaires) != n {
			t.Fatalf("%s: %v, %+v", k, err, p)
		}
	}
	whole(phone.QRFamily)
	// Online, the app's default is the short code: 48 characters, the
	// credential's id, tagged with the credential's short QR key, a new
	// time each draw.
	held, _, err := e.ph.Wallet()
	if err != nil {
		t.Fatal(err)
	}
	cid, _ := e.ph.CredentialID()
	var last credential.ShortQR
	for i, k := range []phone.QRKind{phone.QRAuto, phone.QRShort, phone.QRShort} {
		text, err := e.ph.PresentQRAs(phone.QRChoice{Kind: k})
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		q, err := credential.ParseShortQR(text)
		if err != nil || len(text) != credential.ShortQRLen || q.CID != cid {
			t.Fatalf("%s: %d characters, %v", k, len(text), err)
		}
		if err := q.VerifyTag(held.ShortQRKey); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if i > 0 && !q.Time.After(last.Time) {
			t.Fatalf("short code %d at %v, the previous at %v: want later", i, q.Time, last.Time)
		}
		last = q
	}
	e.ph.SetOnline(false) // offline, the app's default is the whole family
	whole(phone.QRAuto)
	e.ph.SetOnline(true)
	before := e.ph.QRCounter()
	for _, tc := range []struct {
		name string
		c    phone.QRChoice
		want error
	}{
		{"beneficiary past the family", phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: n}, credential.ErrInvalidField},
		{"negative beneficiary", phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: -1}, credential.ErrInvalidField},
		{"unknown kind", phone.QRChoice{Kind: 99}, credential.ErrInvalidField},
	} {
		if _, err := e.ph.PresentQRAs(tc.c); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if got := e.ph.QRCounter(); got != before {
		t.Errorf("refused codes moved the counter from %d to %d", before, got)
	}
	e.ph.Lock()
	if _, err := e.ph.PresentQRAs(phone.QRChoice{Kind: phone.QRBeneficiary}); !errors.Is(err, phone.ErrLocked) {
		t.Errorf("locked: %v", err)
	}
}

// A family too large for one code, offline: the app's default asks for the
// choice.
func TestQRAutoTooLarge(t *testing.T) {
	e := newEnv(t, "famille-6-drome", issuer.Options{}, func(p *phone.Profile) {
		for len(p.Family.Beneficiaires) < credential.MaxBeneficiaires {
			p.Family.Beneficiaires = append(p.Family.Beneficiaires, p.Family.Beneficiaires[1:6]...)
		}
		p.Family.Beneficiaires = p.Family.Beneficiaires[:credential.MaxBeneficiaires]
	})
	e.active(t)
	e.ph.SetOnline(false)
	if _, err := e.ph.PresentQRAs(phone.QRChoice{Kind: phone.QRAuto}); !errors.Is(err, phone.ErrChooseBeneficiary) {
		t.Fatalf("auto, %d beneficiaries: %v", credential.MaxBeneficiaires, err)
	}
	text, err := e.ph.PresentQRAs(phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: credential.MaxBeneficiaires - 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newVerifier(t, e).VerifyQR(text); err != nil {
		t.Fatal(err)
	}
}

// A phone state saved before the choice existed (its held credential has
// no chosen-beneficiary credentials) still opens and shows the whole
// family; the choice fails with a typed error until the app is opened
// online, which renews the credential.
func TestOpenStateWithoutChosen(t *testing.T) {
	s := newSaved(t)
	prof := loadProfile(t, "famille-6-drome", nil)
	e := s.env(t, prof)
	e.active(t)
	path := filepath.Join(s.dir, "phones", phone.StateFile(prof.Name))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	held := st["held"].(map[string]any)
	if _, ok := held["Chosen"]; !ok {
		t.Fatalf("the saved held credential has no Chosen: %v", keys(held))
	}
	delete(held, "Chosen")
	if data, err = json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	e = s.env(t, prof) // restart on the old state
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, e)
	text, err := e.ph.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyQR(text); err != nil {
		t.Fatalf("whole family from the old state: %v", err)
	}
	if _, err := e.ph.PresentQRAs(phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: 2}); !errors.Is(err, credential.ErrNoChosenCredential) {
		t.Fatalf("choice from the old state: %v", err)
	}
	if err := e.ph.Open(); err != nil { // online: renewed
		t.Fatal(err)
	}
	if text, err = e.ph.PresentQRAs(phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: 2}); err != nil {
		t.Fatalf("choice after opening online: %v", err)
	}
	if _, err := newVerifier(t, e).VerifyQR(text); err != nil {
		t.Fatal(err)
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
