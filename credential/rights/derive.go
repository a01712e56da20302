package rights

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/apcvkit/apcvkit/credential"
)

// The emulator's fictitious rights. The names below are invented: no real
// complémentaire is named.
var (
	amcNames = []string{
		"MUTUELLE DES VALLÉES (fictive)", "PRÉVOYANCE DU RHÔNE EXEMPLE", "MUTUELLE FAMILIALE TEST",
		"ASSURANCE SANTÉ DÉMO", "MUTUELLE DES ENSEIGNANTS FICTIVE", "CAISSE COMPLÉMENTAIRE EXEMPLE",
	}
	exonerations = []Exoneration{
		{Code: "4", ALD: true, Libelle: "Affection de longue durée (liste ALD 30)"},
		{Code: "5", ALD: true, Libelle: "Affection de longue durée hors liste"},
		{Code: "3", ALD: false, Libelle: "Pension d'invalidité"},
		{Code: "9", ALD: false, Libelle: "Maternité"},
	}
)

// puma is the start of the protection universelle maladie: AMO rights are
// continuous from then on, open-ended.
var puma = credential.Date{Year: 2016, Month: 1, Day: 1}

// Derive returns fictitious but plausible rights for beneficiary i of fam
// (0 is the ouvrant droit), the same for the same data on every run: the
// choices are drawn from SHA-256 of the NIR and the rank (the family-wide
// ones — C2S, the AMC — from the ouvrant droit's), and do not depend on the
// clock. About one family in eight has the C2S (and then no AMC), three in
// four others an AMC; about one adult in six an exonération (mostly ALD);
// four in five have a médecin traitant declared. The régime, caisse and
// centre are the beneficiary's organisme; the code gestion "10". AMO rights
// open on 1 January 2016 or at birth, whichever is later, with no end.
// An index out of range returns the zero Rights.
func Derive(fam credential.Family, i int) Rights {
	if i < 0 || i >= len(fam.Beneficiaires) {
		return Rights{}
	}
	b, od := fam.Beneficiaires[i], fam.Beneficiaires[0]
	me, fm := draw(b.NIR, b.RangNaissance), draw(od.NIR, od.RangNaissance)
	r := Rights{NIR: b.NIR, Rang: b.RangNaissance, Regime: b.Organisme.Regime, Caisse: b.Organisme.Caisse,
		Centre: b.Organisme.Centre, CodeGestion: "10"}
	start := puma
	if birth := calendar(b.DateNaissance); before(start, birth) {
		start = birth
	}
	r.Periodes = []Periode{{Debut: start, Nature: NatureAMO}}
	adult := b.DateNaissance.Year <= 2008
	if adult && me.pick(1000) < 170 {
		e := exonerations[me.pick(uint32(len(exonerations)))]
		if e.Code == "9" && b.NIR.Sex() != credential.SexFemale {
			e = exonerations[0]
		}
		r.Exoneration = &e
	}
	if fm.pick(1000) < 125 {
		y := 2025 + int(fm.pick(2))
		m := 1 + int(fm.pick(12))
		r.C2S = &Periode{Debut: credential.Date{Year: y, Month: m, Day: 1}, Fin: lastDay(y+1, m-1), Nature: NatureC2S}
	} else if fm.pick(1000) < 750 {
		y := 2024 + int(fm.pick(3))
		r.AMC = &AMC{Numero: fmt.Sprintf("%08d", 75000000+fm.pick(1000000)), Nom: amcNames[fm.pick(uint32(len(amcNames)))],
			Debut: credential.Date{Year: y, Month: 1, Day: 1}}
	}
	r.MedecinTraitant = me.pick(1000) < 800
	return r
}

// DeriveAll returns Derive for every beneficiary of fam.
func DeriveAll(fam credential.Family) []Rights {
	out := make([]Rights, len(fam.Beneficiaires))
	for i := range out {
		out[i] = Derive(fam, i)
	}
	return out
}

// calendar returns d with an unknown month or day (a lunar date) as 1.
func calendar(d credential.Date) credential.Date {
	if d.Month < 1 || d.Month > 12 {
		d.Month = 1
	}
	if d.Day < 1 || d.Lunar() {
		d.Day = 1
	}
	return d
}

// lastDay returns the last day of month m of year y; month 0 is December
// of the year before.
func lastDay(y, m int) credential.Date {
	if m == 0 {
		y, m = y-1, 12
	}
	d := 31
	for (credential.Date{Year: y, Month: m, Day: d}).Lunar() {
		d--
	}
	return credential.Date{Year: y, Month: m, Day: d}
}

// stream is a deterministic source of choices: SHA-256 in counter mode.
type stream struct {
	seed [32]byte
	n    uint32
}

func draw(n credential.NIR, rang int) *stream {
	return &stream{seed: sha256.Sum256(fmt.Appendf(nil, "apcvkit rights v1|%s|%d", string(n), rang))}
}

// pick returns a number in [0, k).
func (s *stream) pick(k uint32) uint32 {
	var buf [36]byte
	copy(buf[:], s.seed[:])
	binary.BigEndian.PutUint32(buf[32:], s.n)
	s.n++
	h := sha256.Sum256(buf[:])
	return uint32(binary.BigEndian.Uint64(h[:8]) % uint64(k))
}
