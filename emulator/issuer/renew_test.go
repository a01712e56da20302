package issuer_test

import (
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
)

// TestRenew: an expired credential is renewed for the same phone, valid 90
// days from the renewal; the old one is revoked (one active credential per
// person), and a lost answer can be fetched again.
func TestRenew(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "isere-solo")
	got, dev := activate(t, iss, nir)
	fc.Advance(91 * 24 * time.Hour)
	if _, err := verifier(t, iss, fc).VerifyQR(present(t, got.Held, dev, fc, 1)); !errors.Is(err, credential.ErrExpired) {
		t.Fatalf("day 91, before renewal: %v, want credential-expired", err)
	}
	ren, err := iss.Renew(got.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	if ren.CredentialID == got.CredentialID || !ren.ValidatedAt.Equal(fc.Now().Truncate(time.Second)) {
		t.Fatalf("renewed = %x at %v", ren.CredentialID, ren.ValidatedAt)
	}
	p, err := verifier(t, iss, fc).VerifyQR(present(t, ren.Held, dev, fc, 2))
	if err != nil {
		t.Fatalf("day 91, renewed: %v", err)
	}
	if want := fc.Now().Add(90 * 24 * time.Hour).Truncate(time.Second); !p.ValidUntil.Equal(want) || p.CredentialID != ren.CredentialID {
		t.Fatalf("renewed credential valid until %v (want %v), id %x", p.ValidUntil, want, p.CredentialID)
	}
	if st, _ := iss.CredentialStatus(got.CredentialID); !st.Revoked || st.Reason != issuer.ReasonRenewed {
		t.Fatalf("old credential = %+v", st)
	}
	again, err := iss.Reissued(got.CredentialID)
	if err != nil || again.CredentialID != ren.CredentialID {
		t.Fatalf("Reissued after a lost renewal answer = %v, %v", again, err)
	}

	for _, tt := range []struct {
		name string
		id   [8]byte
		prep func()
		want error
	}{
		{"unknown", [8]byte{1}, func() {}, issuer.ErrUnknownCredential},
		{"replaced", got.CredentialID, func() {}, credential.ErrRevoked},
		{"blocked", ren.CredentialID, func() {
			if err := iss.Block(nir); err != nil {
				t.Fatal(err)
			}
		}, issuer.ErrBlocked},
	} {
		tt.prep()
		if _, err := iss.Renew(tt.id); !errors.Is(err, tt.want) {
			t.Errorf("%s: Renew = %v, want %v", tt.name, err, tt.want)
		}
	}
}
