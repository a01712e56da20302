package credential_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/internal/vectors"
)

// testFamily returns the synthetic family of n beneficiaries shared with the
// test vectors.
func testFamily(t testing.TB, n int) credential.Family {
	t.Helper()
	return vectors.Family(n)
}

type testWorld struct {
	root, issuer credential.IssuerKey
	device       *ecdsa.PrivateKey
	held         *credential.Held
	cid          [8]byte
	now          time.Time
	trustRaw     []byte
	revRaw       []byte
}

func genKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newWorld issues a credential for a family of n to a fresh device, and signs
// a trust list (Seq 1, next update in 24 h) and an empty revocation list
// (Seq 1, next update in 1 h) with a fresh list authority.
func newWorld(t testing.TB, n int) *testWorld {
	t.Helper()
	w := &testWorld{
		root:   credential.IssuerKey{Kid: []byte("root-1"), Key: genKey(t)},
		issuer: credential.IssuerKey{Kid: []byte("cnam-1"), Key: genKey(t)},
		device: genKey(t),
		cid:    [8]byte{1, 2, 3, 4, 5, 6, 7, 8},
		now:    time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC),
	}
	var err error
	w.held, err = credential.Issue(w.issuer, w.claims(testFamily(t, n)), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w.trustRaw = w.signTrust(t, 1, w.trustedKey(w.issuer, "CNAM"))
	w.revRaw = w.signRev(t, 1)
	return w
}

func (w *testWorld) claims(f credential.Family) credential.Claims {
	return credential.Claims{Issuer: "CNAM", CredentialID: w.cid,
		IssuedAt: w.now.Add(-24 * time.Hour), ValidUntil: w.now.Add(365 * 24 * time.Hour),
		DevicePublicKey: &w.device.PublicKey, Family: f}
}

func (w *testWorld) trustedKey(k credential.IssuerKey, issuer string) credential.TrustedKey {
	return credential.TrustedKey{Kid: k.Kid, Issuer: issuer, Key: &k.Key.PublicKey,
		NotBefore: w.now.Add(-1000 * time.Hour), NotAfter: w.now.Add(1000 * time.Hour)}
}

func (w *testWorld) signTrust(t testing.TB, seq uint64, keys ...credential.TrustedKey) []byte {
	t.Helper()
	raw, err := credential.SignTrustList(w.root, credential.TrustList{Seq: seq, IssuedAt: w.now.Add(-time.Hour),
		NextUpdate: w.now.Add(24 * time.Hour), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (w *testWorld) signRev(t testing.TB, seq uint64, revoked ...[8]byte) []byte {
	t.Helper()
	raw, err := credential.SignRevocationList(w.root, credential.RevocationList{Seq: seq, IssuedAt: w.now.Add(-time.Hour),
		NextUpdate: w.now.Add(time.Hour), Revoked: revoked})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (w *testWorld) config() credential.VerifierConfig {
	return credential.VerifierConfig{ListAuthority: &w.root.Key.PublicKey, Now: func() time.Time { return w.now }}
}

func (w *testWorld) verifier(t testing.TB) *credential.Verifier {
	t.Helper()
	return w.verifierWith(t, w.config())
}

func (w *testWorld) verifierWith(t testing.TB, cfg credential.VerifierConfig) *credential.Verifier {
	t.Helper()
	v := credential.NewVerifier(cfg)
	if err := v.SetTrustList(w.trustRaw); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(w.revRaw); err != nil {
		t.Fatal(err)
	}
	return v
}

// qr returns a QR text shown at w.now+d with counter ctr.
func (w *testWorld) qr(t testing.TB, d time.Duration, ctr uint32) string {
	t.Helper()
	s, err := w.held.PresentQR(w.device, w.now.Add(d), ctr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
