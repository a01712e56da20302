package reader

import (
	"strconv"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/jsonw"
)

// AppendJSON appends the JSON of id.JSON(masked) to dst — byte for byte
// what encoding/json's Marshal writes for it — straight from the verified
// identity: no IdentityJSON, no reflection, the dates written without
// fmt. The local agent answers a read with it (a read that waits for the
// rights adds them with IdentityJSON.SetRights and encodes that with
// encoding/json).
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
