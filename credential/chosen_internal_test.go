package credential

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
	"time"
)

// chosenClaims returns the claims of the chosen-beneficiary credential of
// beneficiary i of a family of three, as Issue signed them.
func (w *internalWorld) chosenClaims(tb testing.TB, i int) (wireClaims, *Held) {
	tb.Helper()
	od := Beneficiary{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie", DateNaissance: Date{1978, 5, 14},
		RangNaissance: 1, Organisme: Organisme{"01", "261", "9850"}}
	child := Beneficiary{NIR: "110057523456716", NomFamille: "DUPONT", Prenoms: "Léo", DateNaissance: Date{2010, 5, 20},
		RangNaissance: 1, Qualite: QualiteEnfant, Organisme: Organisme{"01", "261", "9850"}}
	h, err := Issue(w.issuer, Claims{Issuer: "CNAM", CredentialID: [8]byte{1}, IssuedAt: w.now.Add(-time.Hour), ValidUntil: w.now.Add(time.Hour),
		DevicePublicKey: &w.device.PublicKey, Family: Family{Beneficiaires: []Beneficiary{od, child, child}}}, rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := parseSign1("x", h.Chosen[i])
	if err != nil {
		tb.Fatal(err)
	}
	var c wireClaims
	if err := unmarshal("claims", m.payload, &c); err != nil {
		tb.Fatal(err)
	}
	return c, h
}

// Claims key 10 is checked against the AMO group it indexes: hand-signed
// credentials whose selected does not name the last of one or two
// beneficiaries, of a minor version before 3, or in the digest form are
// malformed although their issuer signature is good.
func TestChosenClaimsChecked(t *testing.T) {
	w := newInternalWorld(t)
	present := func(c wireClaims) (*Presentation, error) {
		payload, err := marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		cred, err := sign1(w.issuer.Key, w.issuer.Kid, payload)
		if err != nil {
			t.Fatal(err)
		}
		s, err := (&Held{QRCredential: cred}).PresentQR(w.device, w.now, 1)
		if err != nil {
			t.Fatal(err)
		}
		return w.v().VerifyQR(s)
	}
	sel := func(v uint8) *uint8 { return &v }
	odAlone, h := w.chosenClaims(t, 0)
	withChild, _ := w.chosenClaims(t, 1)
	full := withChild.Groups.AMO[1]
	full.Qualite, full.NIR = uint8(QualiteAssure), withChild.Groups.AMO[0].NIR
	for _, tc := range []struct {
		name   string
		change func(c *wireClaims)
		base   wireClaims
		want   error
	}{
		{"ouvrant droit alone", func(*wireClaims) {}, odAlone, nil},
		{"ouvrant droit and child", func(*wireClaims) {}, withChild, nil},
		{"full ouvrant droit and child", func(c *wireClaims) { c.Groups.AMO[0] = full }, withChild, nil},
		{"selected 0 of two", func(c *wireClaims) { c.Selected = sel(0) }, withChild, ErrMalformed},
		{"selected 1 of one", func(c *wireClaims) { c.Selected = sel(1) }, odAlone, ErrMalformed},
		{"selected 2", func(c *wireClaims) { c.Selected = sel(2) }, withChild, ErrMalformed},
		{"three beneficiaries", func(c *wireClaims) {
			c.Groups.AMO = append(c.Groups.AMO, c.Groups.AMO[1])
			c.Selected = sel(2)
		}, withChild, ErrMalformed},
		{"minor version 2", func(c *wireClaims) { c.Version = CredentialVersion }, withChild, ErrMalformed},
		{"no member", func(c *wireClaims) { c.Member = nil }, withChild, ErrMalformed},
		{"member 0 with selected 1", func(c *wireClaims) { c.Member = sel(0) }, withChild, ErrMalformed},
		{"member 1 with selected 0", func(c *wireClaims) { c.Member = sel(1) }, odAlone, ErrMalformed},
		{"member 32", func(c *wireClaims) { c.Member = sel(MaxBeneficiaires) }, withChild, ErrMalformed},
		{"member 31", func(c *wireClaims) { c.Member = sel(MaxBeneficiaires - 1) }, withChild, nil},
		{"member without selected", func(c *wireClaims) { c.Selected = nil; c.Groups.AMO = c.Groups.AMO[:1] }, odAlone, ErrMalformed},
		{"reduced ouvrant droit alone", func(c *wireClaims) { c.Groups.AMO[0] = withChild.Groups.AMO[0] }, odAlone, ErrInvalidField},
		{"reduced ouvrant droit, whole family", func(c *wireClaims) { c.Selected, c.Member = nil, nil; c.Version = CredentialVersion }, withChild, ErrInvalidField},
		{"reduced child", func(c *wireClaims) {
			c.Groups.AMO[1] = toWireReducedOD(Beneficiary{NIR: "278057512345675", Organisme: Organisme{"01", "261", "9850"}})
		}, withChild, ErrInvalidField},
		{"reduced ouvrant droit with a name", func(c *wireClaims) { c.Groups.AMO[0].Prenoms = "Marie" }, withChild, ErrInvalidField},
		{"reduced ouvrant droit, bad organisme", func(c *wireClaims) { c.Groups.AMO[0].Organisme = "0126198" }, withChild, ErrInvalidField},
		{"reduced ouvrant droit, not assuré", func(c *wireClaims) { c.Groups.AMO[0].Qualite = uint8(QualiteConjoint) }, withChild, ErrInvalidField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.base
			g := *c.Groups
			g.AMO = append([]wireBeneficiary(nil), g.AMO...)
			c.Groups = &g
			tc.change(&c)
			p, err := present(c)
			if !errors.Is(err, tc.want) || tc.want == nil && (p == nil || !p.Chosen || p.Selected != int(*c.Selected) || p.Member != int(*c.Member)) {
				t.Fatalf("got %+v, %v; want %v", p, err, tc.want)
			}
		})
	}
	// Key 10 in the digest form: an NFC presentation is refused.
	m, _ := parseSign1("x", h.Credential)
	var c wireClaims
	if err := unmarshal("claims", m.payload, &c); err != nil {
		t.Fatal(err)
	}
	c.Selected = sel(0)
	payload, _ := marshal(c)
	cred, err := sign1(w.issuer.Key, w.issuer.Kid, payload)
	if err != nil {
		t.Fatal(err)
	}
	tr := []byte("transcript")
	resp, err := (&Held{Credential: cred, Groups: h.Groups}).PresentNFC(w.device, tr, []Group{GroupAMO}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.v().VerifyNFC(resp, tr, []Group{GroupAMO}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("selected in the digest form: %v, want malformed", err)
	}
}

// A chosen-beneficiary credential whose selected is changed after signing
// fails the issuer signature, even when the phone signs the changed code:
// the person seen cannot be switched.
func TestChosenSelectedTampered(t *testing.T) {
	w := newInternalWorld(t)
	_, h := w.chosenClaims(t, 1)
	m, err := parseSign1("x", h.Chosen[1])
	if err != nil {
		t.Fatal(err)
	}
	// selected and member are the last claims: 0a 01 0b 01.
	if !bytes.HasSuffix(m.payload, []byte{0x0a, 0x01, 0x0b, 0x01}) {
		t.Fatalf("layout: ...%x", m.payload[len(m.payload)-4:])
	}
	payload := bytes.Clone(m.payload)
	payload[len(payload)-3] = 0x00
	cred, err := marshal(coseSign1{Protected: m.protected, Unprotected: map[int]struct{}{}, Payload: payload, Signature: m.signature})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cred []byte
		want error
	}{
		{"control", h.Chosen[1], nil},
		{"selected 1 → 0", cred, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := (&Held{QRCredential: tc.cred}).PresentQR(w.device, w.now, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.v().VerifyQR(s); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
