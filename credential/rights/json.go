package rights

import (
	"fmt"
	"strings"

	"github.com/apcvkit/apcvkit/credential"
)

// RightsJSON is the JSON form of Rights, on the wire of POST /v2/rights and
// for billing software (the local agent):
//
//	{"nir": "281042636204703", "rang": 1,
//	 "regime": "01", "caisse": "261", "centre": "9850", "codeGestion": "10",
//	 "periodes": [{"debut": "2016-01-01", "nature": "AMO"}],
//	 "exoneration": {"code": "4", "ald": true, "libelle": "Affection de longue durée (liste ALD 30)"},
//	 "c2s": {"debut": "2026-03-01", "fin": "2027-02-28", "nature": "C2S"},
//	 "medecinTraitant": true,
//	 "amc": {"numero": "75003120", "nom": "MUTUELLE DES VALLÉES (fictive)", "debut": "2026-01-01", "fin": "2026-12-31"}}
//
// Dates are "YYYY-MM-DD" (credential.FamilyJSON's form); a period's or an
// AMC's "fin" is left out when open; "exoneration", "c2s" and "amc" are
// left out when there is none. The field names are stable.
type RightsJSON struct {
	NIR             string           `json:"nir"`
	Rang            int              `json:"rang"`
	Regime          string           `json:"regime"`
	Caisse          string           `json:"caisse"`
	Centre          string           `json:"centre"`
	CodeGestion     string           `json:"codeGestion"`
	Periodes        []PeriodeJSON    `json:"periodes"`
	Exoneration     *ExonerationJSON `json:"exoneration,omitempty"`
	C2S             *PeriodeJSON     `json:"c2s,omitempty"`
	MedecinTraitant bool             `json:"medecinTraitant"`
	AMC             *AMCJSON         `json:"amc,omitempty"`
}

// PeriodeJSON is the JSON form of a Periode.
type PeriodeJSON struct {
	Debut  string `json:"debut"`
	Fin    string `json:"fin,omitempty"`
	Nature string `json:"nature"`
}

// ExonerationJSON is the JSON form of an Exoneration.
type ExonerationJSON struct {
	Code    string `json:"code"`
	ALD     bool   `json:"ald"`
	Libelle string `json:"libelle,omitempty"`
}

// AMCJSON is the JSON form of an AMC.
type AMCJSON struct {
	Numero string `json:"numero"`
	Nom    string `json:"nom"`
	Debut  string `json:"debut"`
	Fin    string `json:"fin,omitempty"`
}

// WhoJSON is the JSON form of a Who: {"nir": "…", "dateNaissance": "YYYY-MM-DD", "rang": 1}.
type WhoJSON struct {
	NIR           string `json:"nir"`
	DateNaissance string `json:"dateNaissance"`
	Rang          int    `json:"rang"`
}

// Request is the body of POST /v2/rights.
type Request struct {
	Beneficiaires []WhoJSON `json:"beneficiaires"`
}

// Answer is the body of a successful POST /v2/rights: the rights of each
// beneficiary asked, in the order asked.
type Answer struct {
	Rights []RightsJSON `json:"rights"`
}

// WhoJSONOf returns the JSON form of w.
func WhoJSONOf(w Who) WhoJSON {
	return WhoJSON{NIR: string(w.NIR), DateNaissance: w.DateNaissance.JSON(), Rang: w.Rang}
}

// Who decodes and validates the JSON form (spaces in the NIR are ignored).
func (j WhoJSON) Who() (Who, error) {
	n, err := credential.ParseNIR(j.NIR)
	if err != nil {
		return Who{}, err
	}
	d, err := credential.ParseDateJSON("dateNaissance", j.DateNaissance)
	if err != nil {
		return Who{}, err
	}
	w := Who{NIR: n, DateNaissance: d, Rang: j.Rang}
	return w, w.Validate()
}

// JSONOf returns the JSON form of r.
func JSONOf(r Rights) RightsJSON {
	j := RightsJSON{NIR: string(r.NIR), Rang: r.Rang, Regime: r.Regime, Caisse: r.Caisse, Centre: r.Centre,
		CodeGestion: r.CodeGestion, MedecinTraitant: r.MedecinTraitant, Periodes: []PeriodeJSON{}}
	for _, p := range r.Periodes {
		j.Periodes = append(j.Periodes, periodeJSON(p))
	}
	if e := r.Exoneration; e != nil {
		j.Exoneration = &ExonerationJSON{Code: e.Code, ALD: e.ALD, Libelle: e.Libelle}
	}
	if c := r.C2S; c != nil {
		p := periodeJSON(*c)
		j.C2S = &p
	}
	if a := r.AMC; a != nil {
		j.AMC = &AMCJSON{Numero: a.Numero, Nom: a.Nom, Debut: a.Debut.JSON(), Fin: a.Fin.JSON()}
	}
	return j
}

func periodeJSON(p Periode) PeriodeJSON {
	return PeriodeJSON{Debut: p.Debut.JSON(), Fin: p.Fin.JSON(), Nature: p.Nature}
}

// Rights decodes the JSON form and validates it (Rights.Validate); errors
// are *credential.FieldError naming the field, wrapping
// credential.ErrInvalidField.
func (j RightsJSON) Rights() (Rights, error) {
	n := credential.NIR(strings.ToUpper(strings.ReplaceAll(j.NIR, " ", "")))
	r := Rights{NIR: n, Rang: j.Rang, Regime: j.Regime, Caisse: j.Caisse, Centre: j.Centre,
		CodeGestion: j.CodeGestion, MedecinTraitant: j.MedecinTraitant}
	if len(j.Periodes) > MaxPeriodes {
		return Rights{}, fieldErr("periodes", "more than %d", MaxPeriodes)
	}
	for i, pj := range j.Periodes {
		p, err := pj.periode()
		if err != nil {
			return Rights{}, prefix(fmt.Sprintf("periodes[%d]", i), err)
		}
		r.Periodes = append(r.Periodes, p)
	}
	if e := j.Exoneration; e != nil {
		r.Exoneration = &Exoneration{Code: e.Code, ALD: e.ALD, Libelle: e.Libelle}
	}
	if c := j.C2S; c != nil {
		p, err := c.periode()
		if err != nil {
			return Rights{}, prefix("c2s", err)
		}
		r.C2S = &p
	}
	if a := j.AMC; a != nil {
		amc := &AMC{Numero: a.Numero, Nom: a.Nom}
		var err error
		if amc.Debut, err = credential.ParseDateJSON("amc.debut", a.Debut); err != nil {
			return Rights{}, err
		}
		if a.Fin != "" {
			if amc.Fin, err = credential.ParseDateJSON("amc.fin", a.Fin); err != nil {
				return Rights{}, err
			}
		}
		r.AMC = amc
	}
	if err := r.Validate(); err != nil {
		return Rights{}, err
	}
	return r, nil
}

func (j PeriodeJSON) periode() (Periode, error) {
	p := Periode{Nature: j.Nature}
	var err error
	if p.Debut, err = credential.ParseDateJSON("debut", j.Debut); err != nil {
		return Periode{}, err
	}
	if j.Fin != "" {
		if p.Fin, err = credential.ParseDateJSON("fin", j.Fin); err != nil {
			return Periode{}, err
		}
	}
	return p, nil
}
