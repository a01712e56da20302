package credential

import (
	"fmt"
	"strconv"
	"strings"
)

// FamilyJSON is the JSON form of the data model, the one public schema in
// which apcvkit writes what a verified identity carries (`apcv read --json`,
// reader.IdentityJSON, and the local agent for billing software) and in
// which the emulator's phone profiles (emulator/profiles) are written:
//
//	{
//	  "beneficiaires": [
//	    {"nir": "278057512345675", "nomFamille": "DUPONT-MARCHAND", "nomUsage": "LEROY",
//	     "prenoms": "Marie-Hélène", "dateNaissance": "1978-05-14", "rangNaissance": 1,
//	     "qualite": 0, "organisme": "012619850", "dateMiseAJour": "2026-09-01",
//	     "ins": {"matricule": "278057512345675", "oid": "1.2.250.1.213.1.4.8",
//	             "nomsNaissance": "DUPONT-MARCHAND", "prenomsActe": "Marie Hélène Odile",
//	             "sexe": "F", "dateNaissance": "1978-05-14", "lieuNaissance": "75115"}}
//	  ],
//	  "etatCivil": {"nomNaissance": "DUPONT-MARCHAND", "prenoms": "Marie Hélène Odile",
//	                "dateNaissance": "1978-05-14", "paysNaissance": "99100",
//	                "communeNaissance": "75115", "typeDocument": "CNI"}
//	}
//
// The field names are stable. Dates are "YYYY-MM-DD" with 00 for an unknown
// month or day: a lunar birth date reads "1978-00-00" and its beneficiary
// has "lunaire": true. A qualité is its code (Qualite: 0 assuré, 2
// conjoint, 6 enfant…), an organisme its nine digits (régime, caisse,
// centre), an INS sex "M" or "F". Optional parts are left out when empty:
// nomUsage, lunaire, dateMiseAJour, ins, etatCivil, communeNaissance, and
// the état civil's sexe ("M" or "F") and dateAcquisition (the date the app
// read the identity document, at activation), which credentials of
// version 1 do not carry.
//
// The ouvrant droit of a QR code made for another beneficiary (a
// chosen-beneficiary credential, docs/PROTOCOL.md §5.4) is reduced to
// what billing needs of him: only nir, qualite and organisme are written.
//
// The masked form (JSONOf with masked true) is for logs and screens:
// NIRs and INS matricules as NIR.Masked ("2 78 05 ** *** *** 75"), names
// reduced to their initial ("D*****"), birth dates to the year
// ("1978-**-**"). A masked form does not decode.
type FamilyJSON struct {
	Beneficiaires []BeneficiaryJSON `json:"beneficiaires"`
	EtatCivil     *EtatCivilJSON    `json:"etatCivil,omitempty"`
}

// BeneficiaryJSON is the JSON form of a Beneficiary (see FamilyJSON).
type BeneficiaryJSON struct {
	NIR           string   `json:"nir"`
	NomFamille    string   `json:"nomFamille,omitempty"` // left out only for a reduced ouvrant droit (below)
	NomUsage      string   `json:"nomUsage,omitempty"`
	Prenoms       string   `json:"prenoms,omitempty"`
	DateNaissance string   `json:"dateNaissance,omitempty"`
	Lunaire       bool     `json:"lunaire,omitempty"` // written, not read: the date says it
	RangNaissance int      `json:"rangNaissance,omitempty"`
	Qualite       int      `json:"qualite"`
	Organisme     string   `json:"organisme"`
	DateMiseAJour string   `json:"dateMiseAJour,omitempty"`
	INS           *INSJSON `json:"ins,omitempty"`
}

// INSJSON is the JSON form of an INS (see FamilyJSON).
type INSJSON struct {
	Matricule     string `json:"matricule"`
	OID           string `json:"oid"`
	NomsNaissance string `json:"nomsNaissance"`
	PrenomsActe   string `json:"prenomsActe"`
	Sexe          string `json:"sexe"`
	DateNaissance string `json:"dateNaissance"`
	LieuNaissance string `json:"lieuNaissance"`
}

// EtatCivilJSON is the JSON form of an EtatCivil (see FamilyJSON).
type EtatCivilJSON struct {
	NomNaissance     string `json:"nomNaissance"`
	Prenoms          string `json:"prenoms"`
	DateNaissance    string `json:"dateNaissance"`
	PaysNaissance    string `json:"paysNaissance"`
	CommuneNaissance string `json:"communeNaissance,omitempty"`
	TypeDocument     string `json:"typeDocument"`
	Sexe             string `json:"sexe,omitempty"`            // "M" or "F"; left out when unknown
	DateAcquisition  string `json:"dateAcquisition,omitempty"` // left out when unknown
}

// JSONOf returns the JSON form of f; masked hides the personal data (see
// FamilyJSON).
func JSONOf(f Family, masked bool) FamilyJSON {
	m := mask(masked)
	var j FamilyJSON
	for _, b := range f.Beneficiaires {
		jb := BeneficiaryJSON{NIR: m.nir(b.NIR), NomFamille: m.name(b.NomFamille), NomUsage: m.name(b.NomUsage),
			Prenoms: m.name(b.Prenoms), DateNaissance: m.date(b.DateNaissance), Lunaire: b.DateNaissance.Lunar() && !b.DateNaissance.IsZero(),
			RangNaissance: b.RangNaissance, Qualite: int(b.Qualite), Organisme: strings.ReplaceAll(b.Organisme.String(), " ", ""),
			DateMiseAJour: dateJSON(b.DateMiseAJour)}
		if b.INS != nil {
			jb.INS = &INSJSON{Matricule: m.nir(b.INS.Matricule), OID: b.INS.OID, NomsNaissance: m.name(b.INS.NomsNaissance),
				PrenomsActe: m.name(b.INS.PrenomsActe), Sexe: b.INS.Sexe.String(), DateNaissance: m.date(b.INS.DateNaissance),
				LieuNaissance: b.INS.LieuNaissance}
		}
		j.Beneficiaires = append(j.Beneficiaires, jb)
	}
	if ec := f.EtatCivil; ec != nil {
		j.EtatCivil = &EtatCivilJSON{NomNaissance: m.name(ec.NomNaissance), Prenoms: m.name(ec.Prenoms), DateNaissance: m.date(ec.DateNaissance),
			PaysNaissance: ec.PaysNaissance, CommuneNaissance: ec.CommuneNaissance, TypeDocument: ec.TypeDocument,
			DateAcquisition: dateJSON(ec.DateAcquisition)}
		if ec.Sexe != 0 {
			j.EtatCivil.Sexe = ec.Sexe.String()
		}
	}
	return j
}

// MaskName reduces a name to its initial followed by up to five '*'
// ("DUPONT-MARCHAND" → "D*****"), as the masked JSON form and the apcv
// command show names; "" stays "".
func MaskName(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return string(r[0]) + strings.Repeat("*", min(len(r)-1, 5))
}

type mask bool

func (m mask) nir(n NIR) string {
	if m {
		return n.Masked()
	}
	return string(n)
}

func (m mask) name(s string) string {
	if m {
		return MaskName(s)
	}
	return s
}

func (m mask) date(d Date) string {
	if bool(m) && !d.IsZero() {
		return fmt.Sprintf("%04d-**-**", d.Year)
	}
	return dateJSON(d)
}

func dateJSON(d Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Family decodes the JSON form into the model. It checks the form of each
// field (dates, qualité code, organisme, sex), naming the field in a
// *FieldError ("beneficiaires[1].dateNaissance"); whether the family is
// consistent (NIR keys, birth dates against NIRs…) is Family.Validate's
// job. Spaces in a NIR, an INS matricule or an organisme are ignored, as
// people write them "2 78 05 75 123 456 75" and "01 261 9850".
func (j *FamilyJSON) Family() (Family, error) {
	var f Family
	for i, jb := range j.Beneficiaires {
		b, err := jb.beneficiary()
		if err != nil {
			return Family{}, prefixField(fmt.Sprintf("beneficiaires[%d]", i), err)
		}
		f.Beneficiaires = append(f.Beneficiaires, b)
	}
	if e := j.EtatCivil; e != nil {
		d, err := parseDateJSON("dateNaissance", e.DateNaissance)
		if err != nil {
			return Family{}, prefixField("etatCivil", err)
		}
		f.EtatCivil = &EtatCivil{NomNaissance: e.NomNaissance, Prenoms: e.Prenoms, DateNaissance: d,
			PaysNaissance: e.PaysNaissance, CommuneNaissance: e.CommuneNaissance, TypeDocument: e.TypeDocument}
		switch e.Sexe {
		case "":
		case "M":
			f.EtatCivil.Sexe = SexMale
		case "F":
			f.EtatCivil.Sexe = SexFemale
		default:
			return Family{}, fieldErr("etatCivil.sexe", "%q: want M or F", e.Sexe)
		}
		if e.DateAcquisition != "" {
			if f.EtatCivil.DateAcquisition, err = parseDateJSON("dateAcquisition", e.DateAcquisition); err != nil {
				return Family{}, prefixField("etatCivil", err)
			}
		}
	}
	return f, nil
}

func (jb *BeneficiaryJSON) beneficiary() (Beneficiary, error) {
	b := Beneficiary{NIR: nirJSON(jb.NIR), NomFamille: jb.NomFamille, NomUsage: jb.NomUsage, Prenoms: jb.Prenoms,
		RangNaissance: jb.RangNaissance, Qualite: Qualite(jb.Qualite)}
	var err error
	if b.DateNaissance, err = parseDateJSON("dateNaissance", jb.DateNaissance); err != nil {
		return b, err
	}
	if jb.DateMiseAJour != "" {
		if b.DateMiseAJour, err = parseDateJSON("dateMiseAJour", jb.DateMiseAJour); err != nil {
			return b, err
		}
	}
	if jb.Qualite < 0 || jb.Qualite > 255 || !b.Qualite.Valid() {
		return b, fieldErr("qualite", "%d: not a qualité code", jb.Qualite)
	}
	if b.Organisme, err = parseOrganisme(jb.Organisme); err != nil {
		return b, err
	}
	if ji := jb.INS; ji != nil {
		ins := &INS{Matricule: nirJSON(ji.Matricule), OID: ji.OID, NomsNaissance: ji.NomsNaissance,
			PrenomsActe: ji.PrenomsActe, LieuNaissance: ji.LieuNaissance}
		switch ji.Sexe {
		case "M":
			ins.Sexe = SexMale
		case "F":
			ins.Sexe = SexFemale
		default:
			return b, fieldErr("ins.sexe", "%q: want M or F", ji.Sexe)
		}
		if ins.DateNaissance, err = parseDateJSON("ins.dateNaissance", ji.DateNaissance); err != nil {
			return b, err
		}
		b.INS = ins
	}
	return b, nil
}

func nirJSON(s string) NIR { return NIR(strings.ToUpper(strings.ReplaceAll(s, " ", ""))) }

// parseDateJSON parses "YYYY-MM-DD"; month and day may be 00 (a lunar date).
func parseDateJSON(field, s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !isDigits(s[:4], 4) || !isDigits(s[5:7], 2) || !isDigits(s[8:], 2) {
		return Date{}, fieldErr(field, "%q: want YYYY-MM-DD", s)
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:])
	if y < 1850 || y > 2200 || m > 12 || d > 31 {
		return Date{}, fieldErr(field, "%q out of range", s)
	}
	return Date{Year: y, Month: m, Day: d}, nil
}

func parseOrganisme(s string) (Organisme, error) {
	digits := strings.ReplaceAll(s, " ", "")
	if !isDigits(digits, 9) {
		return Organisme{}, fieldErr("organisme", "%q: want nine digits, régime caisse centre, such as 012619850", s)
	}
	return Organisme{Regime: digits[:2], Caisse: digits[2:5], Centre: digits[5:]}, nil
}
