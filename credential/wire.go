package credential

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Wire forms of the data groups (docs/PROTOCOL.md §3). Integer keys keep the
// QR text short; every field is validated after decoding.

// wireBeneficiary is one entry of the AMO group. Keys 2, 4, 5 and 6 are
// never empty in a full entry (Validate), so omitempty leaves its bytes as
// they were; it lets the reduced ouvrant droit of a chosen-beneficiary
// credential (§5.4) carry NIR, qualité and organisme only.
type wireBeneficiary struct {
	NIR           string `cbor:"1,keyasint"`
	NomFamille    string `cbor:"2,keyasint,omitempty"`
	NomUsage      string `cbor:"3,keyasint,omitempty"`
	Prenoms       string `cbor:"4,keyasint,omitempty"`
	DateNaissance uint32 `cbor:"5,keyasint,omitempty"`
	Rang          uint8  `cbor:"6,keyasint,omitempty"`
	Qualite       uint8  `cbor:"7,keyasint"`
	Organisme     string `cbor:"8,keyasint"`
	DateMiseAJour uint32 `cbor:"9,keyasint"`
}

type wireINS struct {
	Matricule     string `cbor:"1,keyasint"`
	OID           string `cbor:"2,keyasint"`
	NomsNaissance string `cbor:"3,keyasint"`
	PrenomsActe   string `cbor:"4,keyasint"`
	Sexe          uint8  `cbor:"5,keyasint"`
	DateNaissance uint32 `cbor:"6,keyasint"`
	LieuNaissance string `cbor:"7,keyasint"`
}

type wireEtatCivil struct {
	NomNaissance     string `cbor:"1,keyasint"`
	Prenoms          string `cbor:"2,keyasint"`
	DateNaissance    uint32 `cbor:"3,keyasint"`
	PaysNaissance    string `cbor:"4,keyasint"`
	CommuneNaissance string `cbor:"5,keyasint,omitempty"`
	TypeDocument     string `cbor:"6,keyasint"`
	// Minor version 2: extension keys (docs/PROTOCOL.md §2.4), which a
	// reader of version 1 ignores.
	Sexe            uint8  `cbor:"100,keyasint,omitempty"`
	DateAcquisition uint32 `cbor:"101,keyasint,omitempty"`
}

// etatCivilExtensions are the extension keys of the ETAT_CIVIL group this
// package knows (wireEtatCivil): they are decoded, not stripped.
var etatCivilExtensions = []uint64{100, 101}

// wireGroups is the embedded-data form (compact QR credential) and the
// decoded form of disclosed groups.
type wireGroups struct {
	AMO       []wireBeneficiary  `cbor:"1,keyasint,omitempty"`
	INS       map[uint8]*wireINS `cbor:"2,keyasint,omitempty"` // by beneficiary index
	EtatCivil *wireEtatCivil     `cbor:"3,keyasint,omitempty"`
}

// MaxBeneficiaires bounds a family: the ouvrant droit and the ayants droit.
const MaxBeneficiaires = 32

// INS OIDs (Référentiel INS): the authority that assigned the matricule.
const (
	OIDInsNIR     = "1.2.250.1.213.1.4.8"  // NIR
	OIDInsNIA     = "1.2.250.1.213.1.4.9"  // NIA
	OIDInsTestNIR = "1.2.250.1.213.1.4.10" // test NIR
	OIDInsTestNIA = "1.2.250.1.213.1.4.11" // test NIA
)

// ValidINSOID reports whether oid is one of the INS authority OIDs.
func ValidINSOID(oid string) bool {
	switch oid {
	case OIDInsNIR, OIDInsNIA, OIDInsTestNIR, OIDInsTestNIA:
		return true
	}
	return false
}

func encodeDate(d Date) uint32 { return uint32(d.Year*10000 + d.Month*100 + d.Day) }

func decodeDate(field string, v uint32) (Date, error) {
	d := Date{Year: int(v / 10000), Month: int(v / 100 % 100), Day: int(v % 100)}
	if err := d.validate(field); err != nil {
		return Date{}, err
	}
	return d, nil
}

func (d Date) validate(field string) error {
	if d.Year < 1850 || d.Year > 2200 || d.Month < 0 || d.Month > 12 || d.Day < 0 || d.Day > 31 {
		return fieldErr(field, "date out of range (year 1850..2200, month 0..12, day 0..31)")
	}
	return nil
}

func checkText(field, s string, required bool, max int) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return fieldErr(field, "is empty")
	case !utf8.ValidString(s):
		return fieldErr(field, "is not UTF-8")
	case utf8.RuneCountInString(s) > max:
		return fieldErr(field, "longer than %d characters", max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fieldErr(field, "holds a control character")
		}
	}
	return nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Validate checks every field of o.
func (o Organisme) Validate() error {
	if !isDigits(o.Regime, 2) || !isDigits(o.Caisse, 3) || !isDigits(o.Centre, 4) {
		return fieldErr("organisme", "want 2+3+4 digits (e.g. 01 261 9850)")
	}
	return nil
}

// Validate checks every AMO field of b (and its INS when present). Errors are
// *FieldError values naming the field.
func (b *Beneficiary) Validate() error {
	if err := b.NIR.Validate(); err != nil {
		return err
	}
	for _, c := range []struct {
		f, v string
		req  bool
	}{{"nomFamille", b.NomFamille, true}, {"nomUsage", b.NomUsage, false}, {"prenoms", b.Prenoms, true}} {
		if err := checkText(c.f, c.v, c.req, 80); err != nil {
			return err
		}
	}
	if err := b.DateNaissance.validate("dateNaissance"); err != nil {
		return err
	}
	if b.RangNaissance < 1 || b.RangNaissance > 9 {
		return fieldErr("rangNaissance", "%d is not in 1..9", b.RangNaissance)
	}
	if !b.Qualite.Valid() {
		return fieldErr("qualite", "unknown code %d", uint8(b.Qualite))
	}
	if err := b.Organisme.Validate(); err != nil {
		return err
	}
	if !b.DateMiseAJour.IsZero() {
		if err := b.DateMiseAJour.validate("dateMiseAJour"); err != nil {
			return err
		}
		if b.DateMiseAJour.Lunar() {
			return fieldErr("dateMiseAJour", "is not a calendar date")
		}
	}
	if b.INS != nil {
		if err := b.INS.Validate(); err != nil {
			return prefixField("ins", err)
		}
	}
	return nil
}

// Validate checks every field of the INS: the matricule's key, the OID, the
// sex, the dates and the COG code.
func (i *INS) Validate() error {
	if err := i.Matricule.Validate(); err != nil {
		return prefixField("matricule", err)
	}
	if !ValidINSOID(i.OID) {
		return fieldErr("oid", "%q is not an INS authority OID", i.OID)
	}
	if err := checkText("nomsNaissance", i.NomsNaissance, true, 100); err != nil {
		return err
	}
	if err := checkText("prenomsActe", i.PrenomsActe, true, 100); err != nil {
		return err
	}
	if i.Sexe != SexMale && i.Sexe != SexFemale {
		return fieldErr("sexe", "unknown code %d", uint8(i.Sexe))
	}
	if err := i.DateNaissance.validate("dateNaissance"); err != nil {
		return err
	}
	if !isCOG(i.LieuNaissance) {
		return fieldErr("lieuNaissance", "is not a COG code (5 digits, or 2A/2B and 3 digits)")
	}
	return nil
}

// isCOG reports whether s is a 5-character COG code: 5 digits, or 2A/2B + 3 digits.
func isCOG(s string) bool {
	if len(s) != 5 {
		return false
	}
	if s[:2] == "2A" || s[:2] == "2B" {
		return isDigits(s[2:], 3)
	}
	return isDigits(s, 5)
}

// Validate checks every field of the état civil.
func (e *EtatCivil) Validate() error {
	if err := checkText("nomNaissance", e.NomNaissance, true, 100); err != nil {
		return err
	}
	if err := checkText("prenoms", e.Prenoms, true, 100); err != nil {
		return err
	}
	if err := e.DateNaissance.validate("dateNaissance"); err != nil {
		return err
	}
	if !isDigits(e.PaysNaissance, 5) {
		return fieldErr("paysNaissance", "is not an INSEE country code (5 digits)")
	}
	if e.CommuneNaissance != "" && !isCOG(e.CommuneNaissance) {
		return fieldErr("communeNaissance", "is not a COG code (5 digits, or 2A/2B and 3 digits)")
	}
	switch e.TypeDocument {
	case "CNI", "PASSEPORT", "TITRE_SEJOUR":
	default:
		return fieldErr("typeDocument", "%q is not CNI, PASSEPORT or TITRE_SEJOUR", e.TypeDocument)
	}
	if e.Sexe != 0 && e.Sexe != SexMale && e.Sexe != SexFemale {
		return fieldErr("sexe", "unknown code %d (want 1 male, 2 female)", uint8(e.Sexe))
	}
	if !e.DateAcquisition.IsZero() {
		if err := e.DateAcquisition.validate("dateAcquisition"); err != nil {
			return err
		}
		if e.DateAcquisition.Lunar() {
			return fieldErr("dateAcquisition", "is not a calendar date")
		}
	}
	return nil
}

// Validate checks the whole family: at least one beneficiary, the first one
// the ouvrant droit (qualité assuré), every field of every beneficiary.
func (f *Family) Validate() error {
	if len(f.Beneficiaires) == 0 {
		return fieldErr("beneficiaires", "is empty")
	}
	if len(f.Beneficiaires) > MaxBeneficiaires {
		return fieldErr("beneficiaires", "has %d entries, at most %d", len(f.Beneficiaires), MaxBeneficiaires)
	}
	for i := range f.Beneficiaires {
		if err := f.Beneficiaires[i].Validate(); err != nil {
			return prefixField(fmt.Sprintf("beneficiaires[%d]", i), err)
		}
	}
	if f.Beneficiaires[0].Qualite != QualiteAssure {
		return fieldErr("beneficiaires[0].qualite", "the first beneficiary must be the ouvrant droit (assuré)")
	}
	if f.EtatCivil != nil {
		if err := f.EtatCivil.Validate(); err != nil {
			return prefixField("etatCivil", err)
		}
	}
	return nil
}

func toWireAMO(bs []Beneficiary) []wireBeneficiary {
	w := make([]wireBeneficiary, len(bs))
	for i, b := range bs {
		w[i] = wireBeneficiary{
			NIR: string(b.NIR), NomFamille: b.NomFamille, NomUsage: b.NomUsage, Prenoms: b.Prenoms,
			DateNaissance: encodeDate(b.DateNaissance), Rang: uint8(b.RangNaissance), Qualite: uint8(b.Qualite),
			Organisme:     b.Organisme.Regime + b.Organisme.Caisse + b.Organisme.Centre,
			DateMiseAJour: encodeDate(b.DateMiseAJour),
		}
	}
	return w
}

// toWireINS returns the INS group: a map from beneficiary index to INS, for
// the beneficiaries that have one (no CBOR null anywhere on the wire).
func toWireINS(bs []Beneficiary) map[uint8]*wireINS {
	w := make(map[uint8]*wireINS, len(bs))
	for i, b := range bs {
		if b.INS == nil {
			continue
		}
		w[uint8(i)] = &wireINS{
			Matricule: string(b.INS.Matricule), OID: b.INS.OID, NomsNaissance: b.INS.NomsNaissance,
			PrenomsActe: b.INS.PrenomsActe, Sexe: uint8(b.INS.Sexe), DateNaissance: encodeDate(b.INS.DateNaissance),
			LieuNaissance: b.INS.LieuNaissance,
		}
	}
	if len(w) == 0 {
		return nil
	}
	return w
}

func toWireEtatCivil(e *EtatCivil) *wireEtatCivil {
	if e == nil {
		return nil
	}
	w := &wireEtatCivil{NomNaissance: e.NomNaissance, Prenoms: e.Prenoms, DateNaissance: encodeDate(e.DateNaissance),
		PaysNaissance: e.PaysNaissance, CommuneNaissance: e.CommuneNaissance, TypeDocument: e.TypeDocument, Sexe: uint8(e.Sexe)}
	if !e.DateAcquisition.IsZero() {
		w.DateAcquisition = encodeDate(e.DateAcquisition)
	}
	return w
}

// reduced reports an entry with no names, dates or rank: the ouvrant droit
// of a chosen-beneficiary credential reduced to what billing needs of him
// (§5.4).
func (wb *wireBeneficiary) reduced() bool {
	return wb.NomFamille == "" && wb.NomUsage == "" && wb.Prenoms == "" && wb.DateNaissance == 0 && wb.Rang == 0 && wb.DateMiseAJour == 0
}

// toWireReducedOD returns the ouvrant droit b reduced to NIR, qualité and
// organisme, as a chosen-beneficiary credential carries him when another
// beneficiary is the one being seen (§5.4).
func toWireReducedOD(b Beneficiary) wireBeneficiary {
	return wireBeneficiary{NIR: string(b.NIR), Qualite: uint8(b.Qualite),
		Organisme: b.Organisme.Regime + b.Organisme.Caisse + b.Organisme.Centre}
}

// fromWireAMO decodes and validates the AMO group into f.
func (f *Family) fromWireAMO(w []wireBeneficiary) error { return f.fromWireAMOWith(w, false) }

// fromWireAMOWith is fromWireAMO; reducedOD accepts an ouvrant droit
// reduced to NIR, qualité and organisme at index 0 (a chosen-beneficiary
// credential whose person seen is another beneficiary, §5.4).
func (f *Family) fromWireAMOWith(w []wireBeneficiary, reducedOD bool) error {
	if len(w) == 0 {
		return fieldErr("amo", "no beneficiary")
	}
	if len(w) > MaxBeneficiaires {
		return fieldErr("amo", "%d beneficiaries, at most %d", len(w), MaxBeneficiaires)
	}
	f.Beneficiaires = make([]Beneficiary, len(w))
	for i, wb := range w {
		b := &f.Beneficiaires[i]
		p := func() string { return fmt.Sprintf("beneficiaires[%d]", i) } // on failure only: no allocation otherwise
		if i == 0 && reducedOD && wb.reduced() {
			if len(wb.Organisme) != 9 {
				return fieldErr(p()+".organisme", "want 9 digits")
			}
			b.NIR, b.Qualite = NIR(wb.NIR), Qualite(wb.Qualite)
			b.Organisme = Organisme{Regime: wb.Organisme[:2], Caisse: wb.Organisme[2:5], Centre: wb.Organisme[5:]}
			if err := b.NIR.Validate(); err != nil {
				return prefixField(p(), err)
			}
			if err := b.Organisme.Validate(); err != nil {
				return prefixField(p(), err)
			}
			continue
		}
		var err error
		if b.DateNaissance, err = decodeDate("dateNaissance", wb.DateNaissance); err != nil {
			return prefixField(p(), err)
		}
		if wb.DateMiseAJour != 0 {
			if b.DateMiseAJour, err = decodeDate("dateMiseAJour", wb.DateMiseAJour); err != nil {
				return prefixField(p(), err)
			}
		}
		if len(wb.Organisme) != 9 {
			return fieldErr(p()+".organisme", "want 9 digits")
		}
		b.NIR, b.NomFamille, b.NomUsage, b.Prenoms = NIR(wb.NIR), wb.NomFamille, wb.NomUsage, wb.Prenoms
		b.RangNaissance, b.Qualite = int(wb.Rang), Qualite(wb.Qualite)
		b.Organisme = Organisme{Regime: wb.Organisme[:2], Caisse: wb.Organisme[2:5], Centre: wb.Organisme[5:]}
		if err := b.Validate(); err != nil {
			return prefixField(p(), err)
		}
	}
	if f.Beneficiaires[0].Qualite != QualiteAssure {
		return fieldErr("beneficiaires[0].qualite", "the first beneficiary must be the ouvrant droit (assuré)")
	}
	return nil
}

// fromWireINS attaches the INS group to the beneficiaries decoded before.
func (f *Family) fromWireINS(w map[uint8]*wireINS) error {
	if len(w) == 0 {
		return fieldErr("ins", "is empty")
	}
	for i, wi := range w {
		if int(i) >= len(f.Beneficiaires) || wi == nil {
			return fieldErr("ins", "entry for beneficiary %d of %d", i, len(f.Beneficiaires))
		}
		ins := &INS{Matricule: NIR(wi.Matricule), OID: wi.OID, NomsNaissance: wi.NomsNaissance,
			PrenomsActe: wi.PrenomsActe, Sexe: Sex(wi.Sexe), LieuNaissance: wi.LieuNaissance}
		var err error
		if ins.DateNaissance, err = decodeDate("dateNaissance", wi.DateNaissance); err != nil {
			return prefixField(fmt.Sprintf("beneficiaires[%d].ins", i), err)
		}
		if err := ins.Validate(); err != nil {
			return prefixField(fmt.Sprintf("beneficiaires[%d].ins", i), err)
		}
		f.Beneficiaires[i].INS = ins
	}
	return nil
}

func (f *Family) fromWireEtatCivil(w *wireEtatCivil) error {
	e := &EtatCivil{NomNaissance: w.NomNaissance, Prenoms: w.Prenoms, PaysNaissance: w.PaysNaissance,
		CommuneNaissance: w.CommuneNaissance, TypeDocument: w.TypeDocument, Sexe: Sex(w.Sexe)}
	var err error
	if e.DateNaissance, err = decodeDate("dateNaissance", w.DateNaissance); err != nil {
		return prefixField("etatCivil", err)
	}
	if w.DateAcquisition != 0 {
		if e.DateAcquisition, err = decodeDate("dateAcquisition", w.DateAcquisition); err != nil {
			return prefixField("etatCivil", err)
		}
	}
	if err := e.Validate(); err != nil {
		return prefixField("etatCivil", err)
	}
	f.EtatCivil = e
	return nil
}
