package credential

import (
	"fmt"
	"log/slog"
	"time"
)

// Group names a data group: the unit of disclosure. The reader asks for
// groups; the phone releases only those.
type Group uint8

// Data groups (docs/PROTOCOL.md §3).
const (
	GroupAMO       Group = 1 // AMO identity of every beneficiary (what billing needs)
	GroupINS       Group = 2 // INS of every beneficiary
	GroupEtatCivil Group = 3 // état civil of the ouvrant droit, from the identity document
)

// AllGroups lists the groups in wire order.
var AllGroups = []Group{GroupAMO, GroupINS, GroupEtatCivil}

// String returns the group's protocol name.
func (g Group) String() string {
	switch g {
	case GroupAMO:
		return "AMO"
	case GroupINS:
		return "INS"
	case GroupEtatCivil:
		return "ETAT_CIVIL"
	}
	return fmt.Sprintf("Group(%d)", uint8(g))
}

// ParseGroup returns the group with the protocol name s ("AMO", "INS", "ETAT_CIVIL").
func ParseGroup(s string) (Group, error) {
	for _, g := range AllGroups {
		if g.String() == s {
			return g, nil
		}
	}
	return 0, fmt.Errorf("credential: unknown data group %q: %w", s, ErrInvalidField)
}

// Qualite is the beneficiary's relation to the ouvrant droit, coded as on the
// carte Vitale.
type Qualite uint8

// Qualité codes.
const (
	QualiteAssure         Qualite = 0 // assuré (ouvrant droit)
	QualiteAscendant      Qualite = 1 // ascendant, descendant, collatéral
	QualiteConjoint       Qualite = 2 // conjoint
	QualiteConjointDiv    Qualite = 3 // conjoint divorcé
	QualiteConcubin       Qualite = 4 // concubin, partenaire de PACS
	QualiteConjointSepare Qualite = 5 // conjoint séparé
	QualiteEnfant         Qualite = 6 // enfant
	QualiteBeneficiaire   Qualite = 8 // bénéficiaire hors article 313
	QualiteConjointVeuf   Qualite = 9 // conjoint veuf
)

var qualiteNames = map[Qualite]string{
	QualiteAssure: "assuré", QualiteAscendant: "ascendant", QualiteConjoint: "conjoint",
	QualiteConjointDiv: "conjoint divorcé", QualiteConcubin: "concubin", QualiteConjointSepare: "conjoint séparé",
	QualiteEnfant: "enfant", QualiteBeneficiaire: "bénéficiaire", QualiteConjointVeuf: "conjoint veuf",
}

// String returns the qualité's French name.
func (q Qualite) String() string {
	if s, ok := qualiteNames[q]; ok {
		return s
	}
	return fmt.Sprintf("qualité(%d)", uint8(q))
}

// Valid reports whether q is a known code.
func (q Qualite) Valid() bool { _, ok := qualiteNames[q]; return ok }

// Date is a civil date as the carte Vitale holds it. Month and Day may be 0,
// and the date need not exist in the calendar: a "lunar" birth date such as
// 00/00/1978 or 31/02/1975 is legal for a birth date.
type Date struct {
	Year  int // 1850..2200
	Month int // 0..12, 0 when unknown
	Day   int // 0..31, 0 when unknown
}

// DateOf returns the calendar date of t.
func DateOf(t time.Time) Date { y, m, d := t.Date(); return Date{y, int(m), d} }

// Lunar reports whether d is not a real calendar date (a part unknown, or a
// day the month does not have).
func (d Date) Lunar() bool {
	if d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return true
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC).Day() != d.Day
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// String returns d as DD/MM/YYYY, the way the desk reads it.
func (d Date) String() string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year) }

// Organisme is the beneficiary's insurance body: régime (2 digits), caisse (3)
// and centre (4), e.g. 01 261 9850.
type Organisme struct {
	Regime string
	Caisse string
	Centre string
}

// String returns the organisme as "RR CCC NNNN".
func (o Organisme) String() string { return o.Regime + " " + o.Caisse + " " + o.Centre }

// Beneficiary is one person on the app: the ouvrant droit or an ayant droit,
// with the identification data of the carte Vitale (group AMO).
type Beneficiary struct {
	NIR           NIR       // 13 characters + 2-digit key
	NomFamille    string    // family (birth) name
	NomUsage      string    // usage name, "" if none
	Prenoms       string    // first name(s), as on the card
	DateNaissance Date      // may be lunar
	RangNaissance int       // birth rank among same-day births, 1..9
	Qualite       Qualite   // relation to the ouvrant droit
	Organisme     Organisme // insurance body
	DateMiseAJour Date      // when these data were last updated
	INS           *INS      // group INS, nil when not disclosed or not qualified
}

// Family is what one app holds: the ouvrant droit, first, then the ayants
// droit, and the ouvrant droit's état civil.
type Family struct {
	Beneficiaires []Beneficiary // [0] is the ouvrant droit
	EtatCivil     *EtatCivil    // group ETAT_CIVIL, nil when not disclosed
}

// OuvrantDroit returns the insured person who opens the rights.
func (f *Family) OuvrantDroit() *Beneficiary {
	if len(f.Beneficiaires) == 0 {
		return nil
	}
	return &f.Beneficiaires[0]
}

// LogValue makes log/slog print only masked, non-identifying facts.
func (b Beneficiary) LogValue() slog.Value {
	return slog.GroupValue(slog.String("nir", b.NIR.Masked()), slog.String("qualite", b.Qualite.String()))
}

// String returns a masked summary; personal data never reach a log through it.
func (b Beneficiary) String() string {
	return "beneficiary " + b.NIR.Masked() + " (" + b.Qualite.String() + ")"
}

// Sex of an INS identity.
type Sex uint8

// Sexes as coded in the INS.
const (
	SexMale   Sex = 1
	SexFemale Sex = 2
)

// String returns "M" or "F".
func (s Sex) String() string {
	switch s {
	case SexMale:
		return "M"
	case SexFemale:
		return "F"
	}
	return "?"
}

// INS is the Identité Nationale de Santé of a beneficiary (group INS).
type INS struct {
	Matricule     NIR    // the matricule INS (NIR or NIA)
	OID           string // the OID of the matricule's authority, e.g. 1.2.250.1.213.1.4.8 (NIR)
	NomsNaissance string // birth name(s)
	PrenomsActe   string // first names of the birth act
	Sexe          Sex
	DateNaissance Date
	LieuNaissance string // COG code of the birth place (5 characters; 99xxx abroad)
}

// EtatCivil is the ouvrant droit's civil status from the identity document
// shown at activation (group ETAT_CIVIL).
//
// Sexe and DateAcquisition came with minor version 2 of the credential
// (docs/PROTOCOL.md §2.4, extension keys 100 and 101): a credential of
// version 1 has neither, and they read as 0 and the zero Date.
type EtatCivil struct {
	NomNaissance     string
	Prenoms          string
	DateNaissance    Date
	PaysNaissance    string // INSEE country code, 99100 for France
	CommuneNaissance string // COG code, "" abroad
	TypeDocument     string // "CNI", "PASSEPORT", "TITRE_SEJOUR"
	// Sexe is the sex written on the document; 0 when unknown (a
	// credential of version 1).
	Sexe Sex
	// DateAcquisition is the date the app acquired this état civil from
	// the identity document, at activation: the training deck's "Date
	// d'acquisition" on the app's "Données d'état civil" screen, whose
	// data "sont celles de la pièce d'identité présentée lors de
	// l'activation" and are not updated afterwards. Zero when unknown.
	DateAcquisition Date
}
