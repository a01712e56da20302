package issuer_test

import (
	"crypto/ecdsa"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// verifier returns a verifier loaded with iss's current lists.
func verifier(t testing.TB, iss *issuer.Issuer, fc *clock.Fake) *credential.Verifier {
	t.Helper()
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: iss.ListAuthority(), Now: fc.Now})
	if err := v.SetTrustList(must(iss.TrustList())); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(must(iss.RevocationList(fc.Now()))); err != nil {
		t.Fatal(err)
	}
	return v
}

func present(t testing.TB, h *credential.Held, dev *ecdsa.PrivateKey, fc *clock.Fake, counter uint32) string {
	t.Helper()
	qr, err := h.PresentQR(dev, fc.Now(), counter)
	if err != nil {
		t.Fatal(err)
	}
	return qr
}

func TestUpdateFamilyReissues(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "famille-6-drome")
	first, dev := activate(t, iss, nir)
	if err := iss.AddActivity(first.CredentialID, issuer.Activity{Beneficiary: 1, PSID: "10101234567", PSName: "Dr A", AmountCents: 100}); err != nil {
		t.Fatal(err)
	}
	fc.Advance(time.Hour)

	// Unchanged data issue nothing.
	if err := iss.UpdateFamily(first.Family); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Reissued(first.CredentialID); !errors.Is(err, issuer.ErrUnknownCredential) {
		t.Fatalf("Reissued after a no-op update: %v", err)
	}

	fam := first.Family
	fam.Beneficiaires = append(fam.Beneficiaires[:len(fam.Beneficiaires):len(fam.Beneficiaires)], fam.Beneficiaires[5])
	fam.Beneficiaires[6].Prenoms = "Zoé"
	fam.Beneficiaires[6].RangNaissance = 2
	if err := iss.UpdateFamily(fam); err != nil {
		t.Fatal(err)
	}
	st, err := iss.CredentialStatus(first.CredentialID)
	if err != nil || !st.Revoked || st.Reason != issuer.ReasonReissued || st.Blocked {
		t.Fatalf("old credential status %+v, %v", st, err)
	}
	second, err := iss.Reissued(first.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	if second.CredentialID == first.CredentialID || len(second.Family.Beneficiaires) != 7 {
		t.Fatalf("re-issued %x with %d beneficiaries", second.CredentialID, len(second.Family.Beneficiaires))
	}
	if again, err := iss.Reissued(first.CredentialID); err != nil || again.CredentialID != second.CredentialID {
		t.Fatalf("Reissued is not idempotent: %v", err)
	}
	view, _ := iss.PersonView(nir)
	if view.AppState != issuer.AppActive || view.CredentialID == "" {
		t.Fatalf("view after re-issuance: %+v", view)
	}
	// The Activités follow the app; a receipt for the old credential lands on the new one.
	if err := iss.AddActivity(first.CredentialID, issuer.Activity{PSID: "10101234567", PSName: "Dr B", AmountCents: 200}); err != nil {
		t.Fatalf("receipt for the replaced credential: %v", err)
	}
	if as := iss.Activities(second.CredentialID); len(as) != 2 || as[0].AmountCents != 100 || as[1].AmountCents != 200 {
		t.Fatalf("Activités of the new credential: %+v", as)
	}

	// Readers: the new credential (same device key) verifies with the new
	// data; the old one is refused once the revocation list has it.
	fc.Advance(time.Second)
	v := verifier(t, iss, fc)
	p, err := v.VerifyQR(present(t, second.Held, dev, fc, 1))
	if err != nil || len(p.Family.Beneficiaires) != 7 || p.Family.Beneficiaires[6].Prenoms != "Zoé" {
		t.Fatalf("new credential: %v", err)
	}
	if _, err := v.VerifyQR(present(t, first.Held, dev, fc, 2)); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("old credential: %v, want ErrRevoked", err)
	}

	// Two updates before the phone fetches: it gets the latest.
	fam.Beneficiaires[0].NomUsage = "NOUVEAU"
	if err := iss.UpdateFamily(fam); err != nil {
		t.Fatal(err)
	}
	fam.Beneficiaires[0].NomUsage = "ENCORE"
	if err := iss.Register(issuer.Person{Family: fam, Departement: "26"}); err != nil { // Register updates too
		t.Fatal(err)
	}
	third, err := iss.Reissued(first.CredentialID)
	if err != nil || third.Family.Beneficiaires[0].NomUsage != "ENCORE" {
		t.Fatalf("chain of re-issuances: %+v, %v", third, err)
	}
	// A revoked app is not re-issued, and Reissued says so.
	if err := iss.RevokeDevice(nir); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Reissued(first.CredentialID); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("Reissued of a revoked app: %v", err)
	}
	fam.Beneficiaires[0].NomUsage = "APRES"
	if err := iss.UpdateFamily(fam); err != nil {
		t.Fatal(err)
	}
	if st, _ := iss.CredentialStatus(third.CredentialID); st.Reason != issuer.ReasonAgent {
		t.Fatalf("revoked credential re-issued: %+v", st)
	}
}

func TestUpdateFamilyRefusals(t *testing.T) {
	iss, _ := newIssuer(t, issuer.Options{})
	register(t, iss, "isere-solo")
	p, _ := phone.BuiltinProfile("corse-2a")
	if err := iss.UpdateFamily(p.Family); !errors.Is(err, issuer.ErrUnknownNIR) {
		t.Fatalf("unknown person: %v", err)
	}
	if err := iss.UpdateFamily(credential.Family{}); !errors.Is(err, credential.ErrInvalidField) {
		t.Fatalf("empty family: %v", err)
	}
}

// A change before the phone picked its credential up: it collects the new one.
func TestUpdateFamilyBeforePickup(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "lunaire-1978")
	first, dev := activate(t, iss, nir)
	_ = first
	// A second activation, validated but not collected yet.
	addr := "x@example.test"
	iss.CheckEligibility(nir)
	iss.SendEmailCode(nir, addr)
	code, _, _ := iss.Mailbox(addr)
	if err := iss.VerifyEmailCode(nir, addr, code); err != nil {
		t.Fatal(err)
	}
	ticket, err := iss.Submit(issuer.Request{NIR: nir, Email: addr, DeviceKey: &dev.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.Validate(nir); err != nil {
		t.Fatal(err)
	}
	fam := first.Family
	fam.Beneficiaires[0].NomUsage = "MARIEE"
	if err := iss.UpdateFamily(fam); err != nil {
		t.Fatal(err)
	}
	got, err := iss.Collect(ticket)
	if err != nil {
		t.Fatal(err)
	}
	p, err := verifier(t, iss, fc).VerifyQR(present(t, got.Held, dev, fc, 1))
	if err != nil || p.Family.Beneficiaires[0].NomUsage != "MARIEE" || p.CredentialID != got.CredentialID {
		t.Fatalf("collected after a change: %+v, %v", p, err)
	}
}

// Rotation: the old keys stay in the trust list while what they signed is
// valid, the newest signs, and every credential verifies with its own key.
func TestKeyRotationOverlap(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{CredentialValidity: 30 * 24 * time.Hour})
	var nirs []credential.NIR
	for _, n := range []string{"isere-solo", "corse-2a", "lunaire-1978"} {
		nirs = append(nirs, register(t, iss, n))
	}
	type cred struct {
		got *issuer.Issued
		dev *ecdsa.PrivateKey
	}
	var creds []cred
	for i, nir := range nirs {
		if i > 0 {
			fc.Advance(24 * time.Hour)
			if err := iss.RotateKey(); err != nil {
				t.Fatal(err)
			}
		}
		got, dev := activate(t, iss, nir)
		creds = append(creds, cred{got, dev})
	}
	tl, err := credential.ParseTrustList(must(iss.TrustList()), iss.ListAuthority())
	if err != nil || len(tl.Keys) != 3 {
		t.Fatalf("trust list: %d keys, %v", len(tl.Keys), err)
	}
	v := verifier(t, iss, fc)
	for i, c := range creds {
		p, err := v.VerifyQR(present(t, c.got.Held, c.dev, fc, 1))
		if err != nil {
			t.Fatalf("credential %d: %v", i, err)
		}
		if string(p.Kid) != string(tl.Keys[i].Kid) {
			t.Fatalf("credential %d verified by kid %x, want %x", i, p.Kid, tl.Keys[i].Kid)
		}
	}
	// The first key stopped signing at the first rotation (t0+24h): it stays
	// until the last credential it could have signed expires, not a second more.
	fc.Set(t0.Add(24*time.Hour + 30*24*time.Hour))
	tl, _ = credential.ParseTrustList(must(iss.TrustList()), iss.ListAuthority())
	if len(tl.Keys) != 3 {
		t.Fatalf("at the expiry of the first key's last credential: %d keys, want 3", len(tl.Keys))
	}
	fc.Advance(time.Second)
	tl, _ = credential.ParseTrustList(must(iss.TrustList()), iss.ListAuthority())
	if len(tl.Keys) != 2 {
		t.Fatalf("after the first key's credentials expired: %d keys, want 2", len(tl.Keys))
	}
}

// Kids may collide: with every key under one kid, the verifier tries each
// key of the kid, and both the old and the new credentials verify; the
// state keeps both keys apart across a restart.
func TestKidCollision(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	fc := clock.NewFake(t0)
	sameKid := func(*ecdsa.PublicKey) []byte { return []byte("cnam-2025") }
	iss, err := issuer.Open(dir, issuer.Options{Clock: fc, KeyID: sameKid})
	if err != nil {
		t.Fatal(err)
	}
	a := register(t, iss, "isere-solo")
	b := register(t, iss, "corse-2b")
	old, devOld := activate(t, iss, a)
	fc.Advance(time.Hour)
	if err := iss.RotateKey(); err != nil {
		t.Fatal(err)
	}
	cur, devCur := activate(t, iss, b)

	for _, restart := range []bool{false, true} {
		if restart {
			if iss, err = issuer.Open(dir, issuer.Options{Clock: fc}); err != nil { // KeyID only names new keys
				t.Fatal(err)
			}
		}
		tl, err := credential.ParseTrustList(must(iss.TrustList()), iss.ListAuthority())
		if err != nil || len(tl.Keys) != 2 || string(tl.Keys[0].Kid) != "cnam-2025" || string(tl.Keys[1].Kid) != "cnam-2025" {
			t.Fatalf("restart %v: trust list %+v, %v", restart, tl, err)
		}
		if tl.Keys[0].Key.Equal(tl.Keys[1].Key) {
			t.Fatal("both trusted keys are the same key")
		}
		v := verifier(t, iss, fc)
		for i, c := range []struct {
			got *issuer.Issued
			dev *ecdsa.PrivateKey
		}{{old, devOld}, {cur, devCur}} {
			p, err := v.VerifyQR(present(t, c.got.Held, c.dev, fc, 1))
			if err != nil {
				t.Fatalf("restart %v: credential %d under a colliding kid: %v", restart, i, err)
			}
			if p.CredentialID != c.got.CredentialID {
				t.Fatalf("credential id %x", p.CredentialID)
			}
		}
		// A signature by neither key is still refused.
		forged := *old.Held
		forged.QRCredential = append([]byte(nil), old.Held.QRCredential...)
		forged.QRCredential[len(forged.QRCredential)-1] ^= 1
		if _, err := v.VerifyQR(present(t, &forged, devOld, fc, 2)); !errors.Is(err, credential.ErrBadSignature) {
			t.Fatalf("altered signature under a colliding kid: %v", err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "issuer-key-*.pem"))
	if len(files) != 2 {
		t.Fatalf("key files %v: colliding kids overwrote a key", files)
	}
}

// An issuer opened from a directory saves every change itself.
func TestOpenSavesEveryChange(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	fc := clock.NewFake(t0)
	iss, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	nir := register(t, iss, "famille-6-drome")
	got, _ := activate(t, iss, nir)
	if err := iss.AddActivity(got.CredentialID, issuer.Activity{PSID: "1", PSName: "Dr", AmountCents: 42}); err != nil {
		t.Fatal(err)
	}
	if err := iss.RotateKey(); err != nil {
		t.Fatal(err)
	}
	tl1, _ := credential.ParseTrustList(must(iss.TrustList()), iss.ListAuthority())
	rl1 := parseRL(t, iss, must(iss.RevocationList(fc.Now())))
	// No Save: reopen what is on disk.
	re, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := re.PersonView(nir); err != nil || v.AppState != issuer.AppActive {
		t.Fatalf("person after reopen: %+v, %v", v, err)
	}
	if as := re.Activities(got.CredentialID); len(as) != 1 || as[0].AmountCents != 42 {
		t.Fatalf("Activités after reopen: %+v", as)
	}
	tl2, _ := credential.ParseTrustList(must(re.TrustList()), re.ListAuthority())
	rl2 := parseRL(t, re, must(re.RevocationList(fc.Now())))
	if len(tl2.Keys) != 2 || tl2.Seq <= tl1.Seq || rl2.Seq <= rl1.Seq {
		t.Fatalf("lists after reopen: %d keys, trust seq %d→%d, revocation seq %d→%d", len(tl2.Keys), tl1.Seq, tl2.Seq, rl1.Seq, rl2.Seq)
	}
	// A state file that cannot be replaced (here a directory took its
	// place; works as root too): the change is reported failed, not lost
	// silently.
	if err := os.Remove(filepath.Join(dir, "state.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "state.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := re.RevokeDevice(nir); err == nil {
		t.Fatal("a change that could not be saved reported success")
	}
}
