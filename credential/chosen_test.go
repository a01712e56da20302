package credential_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testfamily"
)

// MaxChosenQRText is the issue's bound on a chosen-beneficiary QR text
// (docs/PROTOCOL.md §6.2), whatever the family size.
const maxChosenQRText = 600

// Every beneficiary of a family has its chosen-beneficiary QR: it verifies,
// names the person seen, carries the ouvrant droit reduced to NIR, qualité
// and organisme (or in full when he is the one seen), nobody else, and
// stays within maxChosenQRText characters.
func TestChosenQRVerifies(t *testing.T) {
	w := newWorld(t, 6)
	fam := testFamily(t, 6)
	if len(w.held.Chosen) != 6 {
		t.Fatalf("%d chosen credentials for 6 beneficiaries", len(w.held.Chosen))
	}
	for i, want := range fam.Beneficiaires {
		text, err := w.held.PresentQRFor(w.device, w.now, uint32(i+1), i, nil)
		if err != nil {
			t.Fatalf("beneficiary %d: %v", i, err)
		}
		if len(text) > maxChosenQRText {
			t.Errorf("beneficiary %d: %d characters, want ≤ %d", i, len(text), maxChosenQRText)
		}
		p, err := w.verifier(t).VerifyQR(text)
		if err != nil {
			t.Fatalf("beneficiary %d: %v", i, err)
		}
		if !p.Chosen || p.Selected != min(i, 1) || len(p.Family.Beneficiaires) != min(i, 1)+1 {
			t.Fatalf("beneficiary %d: chosen %v selected %d of %d", i, p.Chosen, p.Selected, len(p.Family.Beneficiaires))
		}
		seen := p.Family.Beneficiaires[p.Selected]
		if seen.NIR != want.NIR || seen.NomFamille != want.NomFamille || seen.Prenoms != want.Prenoms ||
			seen.DateNaissance != want.DateNaissance || seen.Qualite != want.Qualite {
			t.Errorf("beneficiary %d: seen %+v, want %+v", i, seen, want)
		}
		od := p.Family.Beneficiaires[0]
		if od.NIR != fam.Beneficiaires[0].NIR || od.Qualite != credential.QualiteAssure || od.Organisme != fam.Beneficiaires[0].Organisme {
			t.Errorf("beneficiary %d: ouvrant droit %+v", i, od)
		}
		if i > 0 && (od.NomFamille != "" || od.Prenoms != "" || !od.DateNaissance.IsZero() || od.RangNaissance != 0) {
			t.Errorf("beneficiary %d: the ouvrant droit is not reduced: %+v", i, od)
		}
		if p.Family.Beneficiaires[0].INS != nil || p.Family.EtatCivil != nil || len(p.Groups) != 1 {
			t.Errorf("beneficiary %d: more than AMO: %v", i, p.Groups)
		}
	}
	// The whole family's code is unchanged: not chosen.
	p, err := w.verifier(t).VerifyQR(w.qr(t, 0, 100))
	if err != nil {
		t.Fatal(err)
	}
	if p.Chosen || p.Selected != 0 || len(p.Family.Beneficiaires) != 6 {
		t.Errorf("whole family: chosen %v selected %d of %d", p.Chosen, p.Selected, len(p.Family.Beneficiaires))
	}
}

// A chosen-beneficiary code shares the credential's replay record: a
// counter already seen for the whole family's code is refused.
func TestChosenQRReplay(t *testing.T) {
	w := newWorld(t, 3)
	v := w.verifier(t)
	if _, err := v.VerifyQR(w.qr(t, 0, 5)); err != nil {
		t.Fatal(err)
	}
	text, err := w.held.PresentQRFor(w.device, w.now, 5, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyQR(text); !errors.Is(err, credential.ErrReplayed) {
		t.Fatalf("same counter: %v, want replayed", err)
	}
}

func TestPresentQRForErrors(t *testing.T) {
	w := newWorld(t, 2)
	for _, tc := range []struct {
		name string
		held *credential.Held
		i    int
		want error
	}{
		{"nil held", nil, 0, credential.ErrNoChosenCredential},
		{"held before minor version 3", &credential.Held{QRCredential: w.held.QRCredential, Credential: w.held.Credential}, 0, credential.ErrNoChosenCredential},
		{"negative", w.held, -1, credential.ErrInvalidField},
		{"past the family", w.held, 2, credential.ErrInvalidField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.held.PresentQRFor(w.device, w.now, 1, tc.i, nil); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// longNamesFamily is the test family of n with long composed names: 17 to
// 29 characters, accented, usage names on the ouvrant droit and on every
// fourth ayant droit.
func longNamesFamily(n int) credential.Family {
	f := testfamily.Family(n, testfamily.Options{})
	prenoms := []string{"Marie-Hélène Éloïse Bénédicte", "Jean-Baptiste Théophile", "Léa-Maëlys Anne", "Zoé-Anaïs Bérénice"}
	for i := range f.Beneficiaires {
		b := &f.Beneficiaires[i]
		b.NomFamille = "DELACROIX-ROUSSET"
		b.Prenoms = prenoms[i%len(prenoms)]
		if i%4 == 0 {
			b.NomUsage = "GIRAUD-MONTCHAL"
		}
	}
	return f
}

// The issue's bound holds whatever the family size: a family of
// MaxBeneficiaires with long names, each beneficiary's code at the largest
// counter.
func TestChosenQRSizeLongNames(t *testing.T) {
	w := newWorld(t, 1)
	h, err := credential.Issue(w.issuer, w.claims(longNamesFamily(credential.MaxBeneficiaires)), nil)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := h.PresentQR(w.device, w.now, math.MaxUint32)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) <= credential.MaxQRText {
		t.Errorf("whole family of %d: %d characters: the test no longer shows a family that does not fit", credential.MaxBeneficiaires, len(whole))
	}
	longest := 0
	for i := range h.Chosen {
		text, err := h.PresentQRFor(w.device, w.now, math.MaxUint32, i, nil)
		if err != nil {
			t.Fatal(err)
		}
		longest = max(longest, len(text))
		if _, err := w.verifier(t).VerifyQR(text); err != nil {
			t.Fatalf("beneficiary %d: %v", i, err)
		}
	}
	if longest > maxChosenQRText {
		t.Errorf("longest chosen code %d characters, want ≤ %d", longest, maxChosenQRText)
	}
	t.Logf("family of %d, long names: whole %d characters, chosen ≤ %d", credential.MaxBeneficiaires, len(whole), longest)
}

// The documented budget (docs/PROTOCOL.md §6.2): with the reference
// issuer's 8-byte kids, a person seen whose nomFamille, nomUsage and
// prenoms take together 76 bytes of UTF-8, with an ouvrant droit of the
// same, fits at the largest counter; the bound is on the person seen, not
// on the family.
func TestChosenQRNameBudget(t *testing.T) {
	w := newWorld(t, 1)
	f := testfamily.Family(2, testfamily.Options{})
	for i := range f.Beneficiaires { // 26 + 26 + 24 = 76 bytes
		f.Beneficiaires[i].NomFamille = strings.Repeat("É", 13)
		f.Beneficiaires[i].NomUsage = strings.Repeat("É", 13)
		f.Beneficiaires[i].Prenoms = strings.Repeat("é", 12)
	}
	k := credential.IssuerKey{Kid: []byte("8-bytes!"), Key: w.issuer.Key}
	h, err := credential.Issue(k, w.claims(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		text, err := h.PresentQRFor(w.device, w.now.Add(time.Duration(i)), math.MaxUint32, i, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(text) > maxChosenQRText {
			t.Errorf("beneficiary %d with 76 bytes of names: %d characters, want ≤ %d", i, len(text), maxChosenQRText)
		}
		t.Logf("beneficiary %d, 76 bytes of names: %d characters", i, len(text))
	}
}
