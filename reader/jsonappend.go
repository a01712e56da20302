package reader

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/apcvkit/apcvkit/credential"
)

// AppendJSON appends j's JSON to dst and returns the extended slice: byte
// for byte what encoding/json's Marshal writes for j (the same field order,
// omitempty rules and string escapes, '<', '>' and '&' included), without
// its reflection. The local agent answers a read with it. The rights, when
// a caller added them (SetRights), are encoded by encoding/json.
func (j *IdentityJSON) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"mode":`...)
	dst = appendJSONString(dst, j.Mode)
	dst = append(dst, `,"source":`...)
	dst = appendJSONString(dst, j.Source)
	dst = append(dst, `,"groups":`...)
	if j.Groups == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, g := range j.Groups {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, g)
		}
		dst = append(dst, ']')
	}
	v := &j.Verification
	dst = append(dst, `,"verification":{"issuer":`...)
	dst = appendJSONString(dst, v.Issuer)
	dst = append(dst, `,"issuerKid":`...)
	dst = appendJSONString(dst, v.IssuerKid)
	dst = append(dst, `,"credentialId":`...)
	dst = appendJSONString(dst, v.CredentialID)
	dst = append(dst, `,"issuedAt":`...)
	dst = appendJSONString(dst, v.IssuedAt)
	dst = append(dst, `,"validUntil":`...)
	dst = appendJSONString(dst, v.ValidUntil)
	dst = append(dst, `,"presentedAt":`...)
	dst = appendJSONString(dst, v.PresentedAt)
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
		dst = appendJSONString(dst, e.Code)
		dst = append(dst, `,"message_fr":`...)
		dst = appendJSONString(dst, e.MessageFR)
		dst = append(dst, `,"message_en":`...)
		dst = appendJSONString(dst, e.MessageEN)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendBeneficiaryJSON appends b as encoding/json writes a
// credential.BeneficiaryJSON.
func appendBeneficiaryJSON(dst []byte, b *credential.BeneficiaryJSON) []byte {
	dst = append(dst, `{"nir":`...)
	dst = appendJSONString(dst, b.NIR)
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
	dst = appendJSONString(dst, b.Organisme)
	dst = appendOmitEmpty(dst, `,"dateMiseAJour":`, b.DateMiseAJour)
	if ins := b.INS; ins != nil {
		dst = append(dst, `,"ins":{"matricule":`...)
		dst = appendJSONString(dst, ins.Matricule)
		dst = append(dst, `,"oid":`...)
		dst = appendJSONString(dst, ins.OID)
		dst = append(dst, `,"nomsNaissance":`...)
		dst = appendJSONString(dst, ins.NomsNaissance)
		dst = append(dst, `,"prenomsActe":`...)
		dst = appendJSONString(dst, ins.PrenomsActe)
		dst = append(dst, `,"sexe":`...)
		dst = appendJSONString(dst, ins.Sexe)
		dst = append(dst, `,"dateNaissance":`...)
		dst = appendJSONString(dst, ins.DateNaissance)
		dst = append(dst, `,"lieuNaissance":`...)
		dst = appendJSONString(dst, ins.LieuNaissance)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendEtatCivilJSON appends ec as encoding/json writes a
// credential.EtatCivilJSON.
func appendEtatCivilJSON(dst []byte, ec *credential.EtatCivilJSON) []byte {
	dst = append(dst, `{"nomNaissance":`...)
	dst = appendJSONString(dst, ec.NomNaissance)
	dst = append(dst, `,"prenoms":`...)
	dst = appendJSONString(dst, ec.Prenoms)
	dst = append(dst, `,"dateNaissance":`...)
	dst = appendJSONString(dst, ec.DateNaissance)
	dst = append(dst, `,"paysNaissance":`...)
	dst = appendJSONString(dst, ec.PaysNaissance)
	dst = appendOmitEmpty(dst, `,"communeNaissance":`, ec.CommuneNaissance)
	dst = append(dst, `,"typeDocument":`...)
	dst = appendJSONString(dst, ec.TypeDocument)
	dst = appendOmitEmpty(dst, `,"sexe":`, ec.Sexe)
	dst = appendOmitEmpty(dst, `,"dateAcquisition":`, ec.DateAcquisition)
	return append(dst, '}')
}

// appendOmitEmpty appends key (`,"name":`) and s, unless s is empty.
func appendOmitEmpty(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	return appendJSONString(append(dst, key...), s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string with encoding/json's escapes:
// '"' and '\\' backslashed; \b, \f, \n, \r, \t short; other control bytes,
// '<', '>' and '&' as \u00XX; an invalid UTF-8 byte as \ufffd; U+2028 and
// U+2029 as \u2028 and \u2029.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
