package credential

import (
	"strconv"
	"strings"

	"github.com/apcvkit/apcvkit/internal/jsonw"
)

// AppendFamilyJSON appends the members of f's JSON form, as encoding/json
// writes JSONOf(f, masked): `"beneficiaires":[…]` and, with an état civil,
// `,"etatCivil":{…}` — the enclosing object's braces are the caller's
// (reader.Identity.AppendJSON embeds them in the identity's). It builds no
// FamilyJSON and uses no reflection.
func AppendFamilyJSON(dst []byte, f Family, masked bool) []byte {
	m := mask(masked)
	dst = append(dst, `"beneficiaires":`...)
	if len(f.Beneficiaires) == 0 { // JSONOf appends to a nil slice
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range f.Beneficiaires {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = m.appendBeneficiary(dst, &f.Beneficiaires[i])
		}
		dst = append(dst, ']')
	}
	if ec := f.EtatCivil; ec != nil {
		dst = append(dst, `,"etatCivil":{"nomNaissance":`...)
		dst = jsonw.AppendString(dst, m.name(ec.NomNaissance))
		dst = append(dst, `,"prenoms":`...)
		dst = jsonw.AppendString(dst, m.name(ec.Prenoms))
		dst = append(dst, `,"dateNaissance":`...)
		dst = m.appendDateOrEmpty(dst, ec.DateNaissance)
		dst = append(dst, `,"paysNaissance":`...)
		dst = jsonw.AppendString(dst, ec.PaysNaissance)
		dst = appendOmitEmpty(dst, `,"communeNaissance":`, ec.CommuneNaissance)
		dst = append(dst, `,"typeDocument":`...)
		dst = jsonw.AppendString(dst, ec.TypeDocument)
		if ec.Sexe != 0 {
			dst = appendOmitEmpty(dst, `,"sexe":`, ec.Sexe.String())
		}
		if !ec.DateAcquisition.IsZero() {
			dst = append(dst, `,"dateAcquisition":`...)
			dst = mask(false).appendDate(dst, ec.DateAcquisition)
		}
		dst = append(dst, '}')
	}
	return dst
}

// appendBeneficiary appends b's object, as JSONOf's BeneficiaryJSON.
func (m mask) appendBeneficiary(dst []byte, b *Beneficiary) []byte {
	dst = append(dst, `{"nir":`...)
	dst = jsonw.AppendString(dst, m.nir(b.NIR))
	dst = appendOmitEmpty(dst, `,"nomFamille":`, m.name(b.NomFamille))
	dst = appendOmitEmpty(dst, `,"nomUsage":`, m.name(b.NomUsage))
	dst = appendOmitEmpty(dst, `,"prenoms":`, m.name(b.Prenoms))
	if !b.DateNaissance.IsZero() {
		dst = append(dst, `,"dateNaissance":`...)
		dst = m.appendDate(dst, b.DateNaissance)
		if b.DateNaissance.Lunar() {
			dst = append(dst, `,"lunaire":true`...)
		}
	}
	if b.RangNaissance != 0 {
		dst = append(dst, `,"rangNaissance":`...)
		dst = strconv.AppendInt(dst, int64(b.RangNaissance), 10)
	}
	dst = append(dst, `,"qualite":`...)
	dst = strconv.AppendInt(dst, int64(b.Qualite), 10)
	dst = append(dst, `,"organisme":`...)
	dst = appendOrganisme(dst, b.Organisme)
	if !b.DateMiseAJour.IsZero() {
		dst = append(dst, `,"dateMiseAJour":`...)
		dst = mask(false).appendDate(dst, b.DateMiseAJour)
	}
	if ins := b.INS; ins != nil {
		dst = append(dst, `,"ins":{"matricule":`...)
		dst = jsonw.AppendString(dst, m.nir(ins.Matricule))
		dst = append(dst, `,"oid":`...)
		dst = jsonw.AppendString(dst, ins.OID)
		dst = append(dst, `,"nomsNaissance":`...)
		dst = jsonw.AppendString(dst, m.name(ins.NomsNaissance))
		dst = append(dst, `,"prenomsActe":`...)
		dst = jsonw.AppendString(dst, m.name(ins.PrenomsActe))
		dst = append(dst, `,"sexe":`...)
		dst = jsonw.AppendString(dst, ins.Sexe.String())
		dst = append(dst, `,"dateNaissance":`...)
		dst = m.appendDateOrEmpty(dst, ins.DateNaissance)
		dst = append(dst, `,"lieuNaissance":`...)
		dst = jsonw.AppendString(dst, ins.LieuNaissance)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendDate appends d, not zero, as the JSON string m.date(d) returns:
// "YYYY-MM-DD", or "YYYY-**-**" masked (fmt's %04d and %02d).
func (m mask) appendDate(dst []byte, d Date) []byte {
	dst = jsonw.AppendPadded(append(dst, '"'), int64(d.Year), 4)
	if m {
		return append(dst, `-**-**"`...)
	}
	dst = jsonw.AppendPadded(append(dst, '-'), int64(d.Month), 2)
	dst = jsonw.AppendPadded(append(dst, '-'), int64(d.Day), 2)
	return append(dst, '"')
}

// appendDateOrEmpty is appendDate, or "" for the zero Date.
func (m mask) appendDateOrEmpty(dst []byte, d Date) []byte {
	if d.IsZero() {
		return append(dst, `""`...)
	}
	return m.appendDate(dst, d)
}

// appendOrganisme appends o as the JSON string of JSONOf's organisme: its
// three parts with their spaces left out.
func appendOrganisme(dst []byte, o Organisme) []byte {
	if !strings.Contains(o.Regime, " ") && !strings.Contains(o.Caisse, " ") && !strings.Contains(o.Centre, " ") {
		var buf [32]byte
		s := append(append(append(buf[:0], o.Regime...), o.Caisse...), o.Centre...)
		return jsonw.AppendString(dst, string(s)) // escaped whole, as the one string it is
	}
	return jsonw.AppendString(dst, strings.ReplaceAll(o.String(), " ", ""))
}

// appendOmitEmpty appends key (`,"name":`) and s, unless s is empty.
func appendOmitEmpty(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	return jsonw.AppendString(append(dst, key...), s)
}
