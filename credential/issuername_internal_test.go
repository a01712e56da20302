package credential

import (
	"errors"
	"testing"
	"time"
)

// TestDigestFormNeedsIssuerName: the digest form must name its issuer
// (claims key 2), equal to the trust-list entry's (docs/PROTOCOL.md §5.1).
// A digest-form credential signed by a trusted key without the name is
// refused, as is one with another name; the control with the name passes.
func TestDigestFormNeedsIssuerName(t *testing.T) {
	w := newInternalWorld(t)
	_, digest, h := w.validClaims(t)
	var c wireClaims
	if err := unmarshal("claims", digest, &c); err != nil || c.Issuer != "CNAM" {
		t.Fatalf("fixture: %v %q", err, c.Issuer)
	}
	for _, tc := range []struct {
		name, issuer string
		want         error
	}{
		{"issuer named", "CNAM", nil},
		{"no issuer name", "", ErrUnknownIssuer},
		{"another issuer", "MSA", ErrUnknownIssuer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Issuer = tc.issuer
			payload, err := marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			cred, err := sign1(w.issuer.Key, w.issuer.Kid, payload)
			if err != nil {
				t.Fatal(err)
			}
			held := &Held{Credential: cred, Groups: h.Groups}
			tr := SessionTranscript([]byte{0xF0, 1, 2, 3, 4, 5}, make([]byte, 65), make([]byte, 65), make([]byte, 16))
			resp, err := held.PresentNFC(w.device, tr, []Group{GroupAMO}, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, err := w.v().VerifyNFC(resp, tr, []Group{GroupAMO})
			if tc.want == nil {
				if err != nil || p.Issuer != "CNAM" {
					t.Fatalf("p=%v err=%v", p, err)
				}
				return
			}
			if p != nil || !errors.Is(err, tc.want) {
				t.Errorf("p=%v err=%v, want %v", p != nil, err, tc.want)
			}
		})
	}
	// The issuer does not make one.
	f := Family{Beneficiaires: []Beneficiary{{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie",
		DateNaissance: Date{1978, 0, 0}, RangNaissance: 1, Organisme: Organisme{"01", "261", "9850"}}}}
	if _, err := Issue(w.issuer, Claims{CredentialID: [8]byte{1}, IssuedAt: w.now.Add(-time.Hour), ValidUntil: w.now.Add(time.Hour),
		DevicePublicKey: &w.device.PublicKey, Family: f}, nil); !errors.Is(err, ErrInvalidField) {
		t.Errorf("Issue without an issuer name: %v", err)
	}
}
