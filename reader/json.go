package reader

import (
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
)

// IdentityJSON is the JSON form of a verified Identity: the public schema
// that `apcv read --json` prints and the local agent serves to billing
// software. Its field names are stable; the family part (beneficiaires,
// etatCivil) is credential.FamilyJSON, whose doc gives the encodings and
// the masked form:
//
//	{
//	  "mode": "QR", "source": "serial:/dev/ttyACM0", "groups": ["AMO", "INS"],
//	  "verification": {"issuer": "CNAM", "issuerKid": "636e616d2d31",
//	    "credentialId": "a102030405060708", "issuedAt": "2026-11-22T09:30:00Z",
//	    "validUntil": "2027-11-23T09:30:00Z", "presentedAt": "2026-11-23T09:29:58Z",
//	    "freshnessMs": 1500, "counter": 7},
//	  "beneficiaires": [ … ],
//	  "selected": 1,
//	  "etatCivil": { … },
//	  "rights": [ … ]
//	}
//
// Times are RFC 3339 to the second; counter (QR only) is left out when 0.
// selected (Identity.Selected) is the index in beneficiaires of the person
// being seen, present only when the patient chose one in the app; the
// ouvrant droit is then reduced to nir, qualite and organisme unless he is
// the one seen (selected 0). shortQR is true when the identity came from a
// short QR code resolved online (protocol version 2). The AMO rights are
// not part of JSON's result: they arrive after the identity
// (Identity.Rights). A caller that waited for them adds them with
// SetRights: then "rights" holds one rights.RightsJSON per beneficiary, in
// the order of beneficiaires, or "rightsError" says why there are none
// ({"code", "message_fr", "message_en"}, as every error of the agent). Both
// are left out otherwise.
type IdentityJSON struct {
	Mode         string           `json:"mode"`
	Source       string           `json:"source"`
	Groups       []string         `json:"groups"`
	Verification VerificationJSON `json:"verification"`
	// The fields of credential.FamilyJSON.
	Beneficiaires []credential.BeneficiaryJSON `json:"beneficiaires"`
	EtatCivil     *credential.EtatCivilJSON    `json:"etatCivil,omitempty"`
	// Selected is Identity.Selected, left out for a whole family.
	Selected *int `json:"selected,omitempty"`
	// The AMO rights, when the caller waited for them (SetRights).
	Rights      []rights.RightsJSON `json:"rights,omitempty"`
	RightsError *RightsErrorJSON    `json:"rightsError,omitempty"`
}

// RightsErrorJSON says why an identity's rights are missing: the stable
// code of the error (e.g. "rights-unavailable") and its desk messages.
type RightsErrorJSON struct {
	Code      string `json:"code"`
	MessageFR string `json:"message_fr"`
	MessageEN string `json:"message_en"`
}

// SetRights puts what Identity.Rights returned into j: list (masked:
// NIRs masked, as the beneficiaries') or, when err is not nil, the error.
func (j *IdentityJSON) SetRights(list []rights.Rights, err error, masked bool) {
	j.Rights, j.RightsError = nil, nil
	if err != nil {
		j.RightsError = &RightsErrorJSON{Code: apcverr.Code(err), MessageFR: apcverr.Message(err, apcverr.FR),
			MessageEN: apcverr.Message(err, apcverr.EN)}
		return
	}
	j.Rights = make([]rights.RightsJSON, len(list))
	for i, r := range list {
		j.Rights[i] = rights.JSONOf(r)
		if masked {
			j.Rights[i].NIR = r.NIR.Masked()
		}
	}
}

// VerificationJSON is the JSON form of a Verification (see IdentityJSON).
type VerificationJSON struct {
	Issuer       string `json:"issuer"`
	IssuerKid    string `json:"issuerKid"`
	CredentialID string `json:"credentialId"`
	IssuedAt     string `json:"issuedAt"`
	ValidUntil   string `json:"validUntil"`
	PresentedAt  string `json:"presentedAt"`
	FreshnessMS  int64  `json:"freshnessMs"`
	Counter      uint32 `json:"counter,omitempty"`
	ShortQR      bool   `json:"shortQR,omitempty"`
}

// JSON returns the JSON form of id; masked hides the personal data: NIRs
// masked, names reduced to an initial, birth dates to the year (see
// credential.FamilyJSON). Encode it with encoding/json.
func (id *Identity) JSON(masked bool) IdentityJSON {
	v := id.Verification
	j := IdentityJSON{Mode: id.Mode.String(), Source: id.Source, Verification: VerificationJSON{
		Issuer: v.Issuer, IssuerKid: v.IssuerKid, CredentialID: v.CredentialID,
		IssuedAt: v.IssuedAt.Format(time.RFC3339), ValidUntil: v.ValidUntil.Format(time.RFC3339),
		PresentedAt: v.PresentedAt.Format(time.RFC3339), FreshnessMS: v.Freshness.Milliseconds(), Counter: v.Counter, ShortQR: v.ShortQR},
	}
	f := credential.JSONOf(credential.Family{Beneficiaires: id.Beneficiaires, EtatCivil: id.EtatCivil}, masked)
	j.Beneficiaires, j.EtatCivil = f.Beneficiaires, f.EtatCivil
	if id.Selected >= 0 {
		sel := id.Selected
		j.Selected = &sel
	}
	for _, g := range id.Groups {
		j.Groups = append(j.Groups, g.String())
	}
	return j
}
