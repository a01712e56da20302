package credential_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// testNIR returns body + its key.
func testNIR(t testing.TB, body string) credential.NIR {
	t.Helper()
	k, err := credential.ComputeKey(body)
	if err != nil {
		t.Fatal(err)
	}
	return credential.NIR(body + string(rune('0'+k/10)) + string(rune('0'+k%10)))
}

func testFamily(t testing.TB, n int) credential.Family {
	t.Helper()
	org := credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}
	od := credential.Beneficiary{
		NIR: testNIR(t, "2780575123456"), NomFamille: "DUPONT-MARCHAND", NomUsage: "LEROY",
		Prenoms: "Marie-Hélène", DateNaissance: credential.Date{Year: 1978, Month: 5, Day: 14},
		RangNaissance: 1, Qualite: credential.QualiteAssure, Organisme: org,
		DateMiseAJour: credential.Date{Year: 2026, Month: 9, Day: 1},
	}
	od.INS = &credential.INS{Matricule: od.NIR, OID: credential.OIDInsNIR, NomsNaissance: "DUPONT-MARCHAND",
		PrenomsActe: "Marie Hélène Odile", Sexe: credential.SexFemale, DateNaissance: od.DateNaissance, LieuNaissance: "75115"}
	f := credential.Family{Beneficiaires: []credential.Beneficiary{od},
		EtatCivil: &credential.EtatCivil{NomNaissance: "DUPONT-MARCHAND", Prenoms: "Marie Hélène Odile",
			DateNaissance: od.DateNaissance, PaysNaissance: "99100", CommuneNaissance: "75115", TypeDocument: "CNI"}}
	kids := []struct {
		body, prenoms string
		d             credential.Date
		q             credential.Qualite
	}{
		{"1790692012345", "Jean-Christophe", credential.Date{Year: 1979, Month: 6, Day: 3}, credential.QualiteConjoint},
		{"1100575234567", "Léo", credential.Date{Year: 2010, Month: 5, Day: 20}, credential.QualiteEnfant},
		{"2130592345678", "Zoé-Anaïs", credential.Date{Year: 2013, Month: 5, Day: 2}, credential.QualiteEnfant},
		{"115022A040123", "Paul", credential.Date{Year: 2015, Month: 2, Day: 11}, credential.QualiteEnfant},
		{"2180392456789", "Inès", credential.Date{Year: 2018, Month: 3, Day: 30}, credential.QualiteEnfant},
	}
	for i := 0; i < n-1; i++ {
		k := kids[i%len(kids)]
		b := credential.Beneficiary{NIR: testNIR(t, k.body), NomFamille: "LEROY", Prenoms: k.prenoms,
			DateNaissance: k.d, RangNaissance: 1, Qualite: k.q, Organisme: org, DateMiseAJour: od.DateMiseAJour}
		f.Beneficiaires = append(f.Beneficiaires, b)
	}
	return f
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
	w.held, err = credential.Issue(w.issuer, credential.Claims{Issuer: "CNAM", CredentialID: w.cid,
		IssuedAt: w.now.Add(-24 * time.Hour), ValidUntil: w.now.Add(365 * 24 * time.Hour),
		DevicePublicKey: &w.device.PublicKey, Family: testFamily(t, n)}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w.trustRaw, err = credential.SignTrustList(w.root, credential.TrustList{Seq: 1, IssuedAt: w.now.Add(-time.Hour),
		NextUpdate: w.now.Add(24 * time.Hour), Keys: []credential.TrustedKey{{Kid: w.issuer.Kid, Issuer: "CNAM",
			Key: &w.issuer.Key.PublicKey, NotBefore: w.now.Add(-1000 * time.Hour), NotAfter: w.now.Add(1000 * time.Hour)}}})
	if err != nil {
		t.Fatal(err)
	}
	w.revRaw, err = credential.SignRevocationList(w.root, credential.RevocationList{Seq: 1, IssuedAt: w.now.Add(-time.Hour),
		NextUpdate: w.now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *testWorld) verifier(t testing.TB) *credential.Verifier {
	t.Helper()
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: &w.root.Key.PublicKey, Now: func() time.Time { return w.now }})
	if err := v.SetTrustList(w.trustRaw); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(w.revRaw); err != nil {
		t.Fatal(err)
	}
	return v
}
