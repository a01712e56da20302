package reader

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/jsonw"
)

// AppendJSON appends j's JSON to dst and returns the extended slice: byte
// for byte what encoding/json's Marshal writes for j (the same field order,
// omitempty rules and string escapes, '<', '>' and '&' included), without
// its reflection. The local agent answers a read with it. The rights, when
// a caller added them (SetRights), are encoded by encoding/json.
func (j *IdentityJSON) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"mode":`...)
	dst = jsonw.AppendString(dst, j.Mode)
	dst = append(dst, `,"source":`...)
	dst = jsonw.AppendString(dst, j.Source)
	dst = append(dst, `,"groups":`...)
	if j.Groups == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, g := range j.Groups {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonw.AppendString(dst, g)
		}
		dst = append(dst, ']')
	}
	v := &j.Verification
	dst = append(dst, `,"verification":{"issuer":`...)
	dst = jsonw.AppendString(dst, v.Issuer)
	dst = append(dst, `,"issuerKid":`...)
	dst = jsonw.AppendString(dst, v.IssuerKid)
	dst = append(dst, `,"credentialId":`...)
	dst = jsonw.AppendString(dst, v.CredentialID)
	dst = append(dst, `,"issuedAt":`...)
	dst = jsonw.AppendString(dst, v.IssuedAt)
	dst = append(dst, `,"validUntil":`...)
	dst = jsonw.AppendString(dst, v.ValidUntil)
	dst = append(dst, `,"presentedAt":`...)
	dst = jsonw.AppendString(dst, v.PresentedAt)
	dst = append(dst, `,"freshnessMs":`...)
	dst = strconv.AppendInt(dst, v.FreshnessMS, 10)
	if v.Counter != 0 {
		dst = append(dst, `,"counter":`...)
		dst = strconv.AppendUint(dst, uint64(v.Counter), 10)
	}
	if v.ShortQR {
		dst = append(dst, `,"shortQR":true`...)
	}
	dst = append(dst, `},"beneficiaires":`...)
	if j.Beneficiaires == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range j.Beneficiaires {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendBeneficiaryJSON(dst, &j.Beneficiaires[i])
		}
		dst = append(dst, ']')
	}
	if ec := j.EtatCivil; ec != nil {
		dst = append(dst, `,"etatCivil":`...)
		dst = appendEtatCivilJSON(dst, ec)
	}
	if j.Selected != nil {
		dst = append(dst, `,"selected":`...)
		dst = strconv.AppendInt(dst, int64(*j.Selected), 10)
	}
	if len(j.Rights) > 0 {
		// Only when the caller waited for them: rare enough for
		// encoding/json, whose output this is by construction.
		b, err := json.Marshal(j.Rights)
		if err == nil {
			dst = append(dst, `,"rights":`...)
			dst = append(dst, b...)
		}
	}
	if e := j.RightsError; e != nil {
		dst = append(dst, `,"rightsError":{"code":`...)
		dst = jsonw.AppendString(dst, e.Code)
		dst = append(dst, `,"message_fr":`...)
		dst = jsonw.AppendString(dst, e.MessageFR)
		dst = append(dst, `,"message_en":`...)
		dst = jsonw.AppendString(dst, e.MessageEN)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendBeneficiaryJSON appends b as encoding/json writes a
// credential.BeneficiaryJSON.
func appendBeneficiaryJSON(dst []byte, b *credential.BeneficiaryJSON) []byte {
	dst = append(dst, `{"nir":`...)
	dst = jsonw.AppendString(dst, b.NIR)
	dst = appendOmitEmpty(dst, `,"nomFamille":`, b.NomFamille)
	dst = appendOmitEmpty(dst, `,"nomUsage":`, b.NomUsage)
	dst = appendOmitEmpty(dst, `,"prenoms":`, b.Prenoms)
	dst = appendOmitEmpty(dst, `,"dateNaissance":`, b.DateNaissance)
	if b.Lunaire {
		dst = append(dst, `,"lunaire":true`...)
	}
	if b.RangNaissance != 0 {
		dst = append(dst, `,"rangNaissance":`...)
		dst = strconv.AppendInt(dst, int64(b.RangNaissance), 10)
	}
	dst = append(dst, `,"qualite":`...)
	dst = strconv.AppendInt(dst, int64(b.Qualite), 10)
	dst = append(dst, `,"organisme":`...)
	dst = jsonw.AppendString(dst, b.Organisme)
	dst = appendOmitEmpty(dst, `,"dateMiseAJour":`, b.DateMiseAJour)
	if ins := b.INS; ins != nil {
		dst = append(dst, `,"ins":{"matricule":`...)
		dst = jsonw.AppendString(dst, ins.Matricule)
		dst = append(dst, `,"oid":`...)
		dst = jsonw.AppendString(dst, ins.OID)
		dst = append(dst, `,"nomsNaissance":`...)
		dst = jsonw.AppendString(dst, ins.NomsNaissance)
		dst = append(dst, `,"prenomsActe":`...)
		dst = jsonw.AppendString(dst, ins.PrenomsActe)
		dst = append(dst, `,"sexe":`...)
		dst = jsonw.AppendString(dst, ins.Sexe)
		dst = append(dst, `,"dateNaissance":`...)
		dst = jsonw.AppendString(dst, ins.DateNaissance)
		dst = append(dst, `,"lieuNaissance":`...)
		dst = jsonw.AppendString(dst, ins.LieuNaissance)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendEtatCivilJSON appends ec as encoding/json writes a
// credential.EtatCivilJSON.
func appendEtatCivilJSON(dst []byte, ec *credential.EtatCivilJSON) []byte {
	dst = append(dst, `{"nomNaissance":`...)
	dst = jsonw.AppendString(dst, ec.NomNaissance)
	dst = append(dst, `,"prenoms":`...)
	dst = jsonw.AppendString(dst, ec.Prenoms)
	dst = append(dst, `,"dateNaissance":`...)
	dst = jsonw.AppendString(dst, ec.DateNaissance)
	dst = append(dst, `,"paysNaissance":`...)
	dst = jsonw.AppendString(dst, ec.PaysNaissance)
	dst = appendOmitEmpty(dst, `,"communeNaissance":`, ec.CommuneNaissance)
	dst = append(dst, `,"typeDocument":`...)
	dst = jsonw.AppendString(dst, ec.TypeDocument)
	dst = appendOmitEmpty(dst, `,"sexe":`, ec.Sexe)
	dst = appendOmitEmpty(dst, `,"dateAcquisition":`, ec.DateAcquisition)
	return append(dst, '}')
}

// appendOmitEmpty appends key (`,"name":`) and s, unless s is empty.
func appendOmitEmpty(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	return jsonw.AppendString(append(dst, key...), s)
}

// AppendJSON appends the JSON of id.JSON(masked) to dst — byte for byte
// what encoding/json's Marshal writes for it — straight from the verified
// identity: no IdentityJSON, no reflection, the dates written without
// fmt. The local agent answers a read with it (a read that waits for the
// rights uses IdentityJSON.SetRights and its AppendJSON).
func (id *Identity) AppendJSON(dst []byte, masked bool) []byte {
	dst = append(dst, `{"mode":`...)
	dst = jsonw.AppendString(dst, id.Mode.String())
	dst = append(dst, `,"source":`...)
	dst = jsonw.AppendString(dst, id.Source)
	dst = append(dst, `,"groups":`...)
	if len(id.Groups) == 0 { // JSON appends to a nil slice
		dst = append(dst, "null"...)
	} else {
		for i, g := range id.Groups {
			dst = append(dst, "[,"[min(i, 1)])
			dst = jsonw.AppendString(dst, g.String())
		}
		dst = append(dst, ']')
	}
	v := &id.Verification
	dst = append(dst, `,"verification":{"issuer":`...)
	dst = jsonw.AppendString(dst, v.Issuer)
	dst = append(dst, `,"issuerKid":`...)
	dst = jsonw.AppendString(dst, v.IssuerKid)
	dst = append(dst, `,"credentialId":`...)
	dst = jsonw.AppendString(dst, v.CredentialID)
	dst = append(dst, `,"issuedAt":`...)
	dst = appendTime(dst, v.IssuedAt)
	dst = append(dst, `,"validUntil":`...)
	dst = appendTime(dst, v.ValidUntil)
	dst = append(dst, `,"presentedAt":`...)
	dst = appendTime(dst, v.PresentedAt)
	dst = append(dst, `,"freshnessMs":`...)
	dst = strconv.AppendInt(dst, v.Freshness.Milliseconds(), 10)
	if v.Counter != 0 {
		dst = append(dst, `,"counter":`...)
		dst = strconv.AppendUint(dst, uint64(v.Counter), 10)
	}
	if v.ShortQR {
		dst = append(dst, `,"shortQR":true`...)
	}
	dst = append(dst, `},`...)
	dst = credential.AppendFamilyJSON(dst, credential.Family{Beneficiaires: id.Beneficiaires, EtatCivil: id.EtatCivil}, masked)
	if id.Selected >= 0 {
		dst = append(dst, `,"selected":`...)
		dst = strconv.AppendInt(dst, int64(id.Selected), 10)
	}
	return append(dst, '}')
}

// appendTime appends t as the JSON string of t.Format(time.RFC3339),
// which holds nothing to escape (digits, '-', ':', '+', 'T', 'Z').
func appendTime(dst []byte, t time.Time) []byte {
	return append(t.AppendFormat(append(dst, '"'), time.RFC3339), '"')
}
