// Package testfamily is the one fictitious family the tests are made of: the
// frozen credential test vectors (credential/internal/vectors) and the test
// world of the SDK's tests and benchmarks (internal/testworld) both build it
// here. Every field is synthetic; NIR keys are computed.
//
//	f := testfamily.Family(4, testfamily.Options{Lunar: true})
//
// The vectors in credential/testdata/vectors are frozen: a change to what
// Family returns for their options changes their bytes, which
// TestVectorsReproduce (credential) reports.
package testfamily

import (
	"fmt"

	"github.com/apcvkit/apcvkit/credential"
)

// Options choose between the variants the two users need.
type Options struct {
	// Lunar gives the fifth ayant droit the lunar birth date 00/00/2018
	// (the vectors cover lunar dates) instead of 30/03/2018.
	Lunar bool
	// INS gives every ayant droit an INS too (the ouvrant droit always has
	// one): matricule = NIR, birth place 92050.
	INS bool
}

// NIR returns body followed by its key. It panics on a bad body.
func NIR(body string) credential.NIR {
	k, err := credential.ComputeKey(body)
	if err != nil {
		panic(err)
	}
	return credential.NIR(fmt.Sprintf("%s%02d", body, k))
}

// ayants are the ayants droit, in order: a conjoint and children, one born
// in Corse-du-Sud (2A).
var ayants = [...]struct {
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

// Family returns the test family of n beneficiaries (1 ≤ n): the ouvrant
// droit with INS and état civil, then the five ayants droit, repeated in
// the same order past the sixth beneficiary.
func Family(n int, opts Options) credential.Family {
	org := credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}
	maj := credential.Date{Year: 2026, Month: 9, Day: 1}
	od := credential.Beneficiary{
		NIR: NIR("2780575123456"), NomFamille: "DUPONT-MARCHAND", NomUsage: "LEROY",
		Prenoms: "Marie-Hélène", DateNaissance: credential.Date{Year: 1978, Month: 5, Day: 14},
		RangNaissance: 1, Qualite: credential.QualiteAssure, Organisme: org, DateMiseAJour: maj,
	}
	od.INS = &credential.INS{Matricule: od.NIR, OID: credential.OIDInsNIR, NomsNaissance: "DUPONT-MARCHAND",
		PrenomsActe: "Marie Hélène Odile", Sexe: credential.SexFemale, DateNaissance: od.DateNaissance, LieuNaissance: "75115"}
	f := credential.Family{Beneficiaires: []credential.Beneficiary{od},
		EtatCivil: &credential.EtatCivil{NomNaissance: "DUPONT-MARCHAND", Prenoms: "Marie Hélène Odile",
			DateNaissance: od.DateNaissance, PaysNaissance: "99100", CommuneNaissance: "75115", TypeDocument: "CNI",
			Sexe: credential.SexFemale, DateAcquisition: credential.Date{Year: 2023, Month: 11, Day: 8}}}
	for i := range max(n-1, 0) {
		a := ayants[i%len(ayants)]
		if opts.Lunar && i%len(ayants) == len(ayants)-1 {
			a.d.Month, a.d.Day = 0, 0
		}
		b := credential.Beneficiary{NIR: NIR(a.body), NomFamille: "LEROY", Prenoms: a.prenoms, DateNaissance: a.d,
			RangNaissance: 1, Qualite: a.q, Organisme: org, DateMiseAJour: maj}
		if opts.INS {
			b.INS = &credential.INS{Matricule: b.NIR, OID: credential.OIDInsNIR, NomsNaissance: "LEROY",
				PrenomsActe: a.prenoms, Sexe: b.NIR.Sex(), DateNaissance: a.d, LieuNaissance: "92050"}
		}
		f.Beneficiaires = append(f.Beneficiaires, b)
	}
	return f
}
