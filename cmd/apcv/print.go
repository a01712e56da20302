package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/reader"
)

// masker hides personal data unless the user asked to see it (--show-pii).
type masker bool

func (m masker) nir(n credential.NIR) string {
	if m {
		return n.Format()
	}
	return n.Masked()
}

func (m masker) name(s string) string {
	if m || s == "" {
		return s
	}
	r := []rune(s)
	return string(r[0]) + strings.Repeat("*", min(len(r)-1, 5))
}

func (m masker) date(d credential.Date) string {
	if m {
		return d.String()
	}
	return fmt.Sprintf("**/**/%04d", d.Year)
}

// printIdentity writes a verified identity for the person at the desk;
// personal data are masked unless showPII.
func printIdentity(w io.Writer, id *reader.Identity, showPII bool) {
	m := masker(showPII)
	v := id.Verification
	fmt.Fprintf(w, "Identité vérifiée / verified identity — mode %s, source %s\n", id.Mode, id.Source)
	fmt.Fprintf(w, "  émetteur/issuer %s (kid %s), credential %s, valid until %s\n", v.Issuer, v.IssuerKid, v.CredentialID,
		v.ValidUntil.Format("2006-01-02"))
	fmt.Fprintf(w, "  presented %s, freshness %s, groups %v\n", v.PresentedAt.Format(time.RFC3339),
		v.Freshness.Round(time.Millisecond), id.Groups)
	for i, b := range id.Beneficiaires {
		role := "ayant droit"
		if i == 0 {
			role = "ouvrant droit"
		}
		name := m.name(b.NomFamille)
		if b.NomUsage != "" {
			name += " (usage " + m.name(b.NomUsage) + ")"
		}
		lunar := ""
		if b.DateNaissance.Lunar() {
			lunar = " (lunaire)"
		}
		fmt.Fprintf(w, "  [%d] %-13s %s  %s %s  né(e) %s%s rang %d  %s  organisme %s\n", i, role, m.nir(b.NIR),
			name, m.name(b.Prenoms), m.date(b.DateNaissance), lunar, b.RangNaissance, b.Qualite, b.Organisme)
		if b.INS != nil {
			fmt.Fprintf(w, "      INS %s (%s) %s %s %s né(e) %s à %s\n", m.nir(b.INS.Matricule), b.INS.OID,
				b.INS.Sexe, m.name(b.INS.NomsNaissance), m.name(b.INS.PrenomsActe), m.date(b.INS.DateNaissance), b.INS.LieuNaissance)
		}
	}
	if ec := id.EtatCivil; ec != nil {
		fmt.Fprintf(w, "  état civil: %s %s né(e) %s, pays %s commune %s (%s)\n", m.name(ec.NomNaissance), m.name(ec.Prenoms),
			m.date(ec.DateNaissance), ec.PaysNaissance, ec.CommuneNaissance, ec.TypeDocument)
	}
	if !showPII {
		fmt.Fprintln(w, "  (personal data masked; --show-pii shows them)")
	}
}

// jsonIdentity is the --json form: stable field names for scripts.
type jsonIdentity struct {
	Mode          string            `json:"mode"`
	Source        string            `json:"source"`
	Groups        []string          `json:"groups"`
	Verification  jsonVerification  `json:"verification"`
	Beneficiaires []jsonBeneficiary `json:"beneficiaires"`
	EtatCivil     *jsonEtatCivil    `json:"etatCivil,omitempty"`
}

type jsonVerification struct {
	Issuer       string `json:"issuer"`
	IssuerKid    string `json:"issuerKid"`
	CredentialID string `json:"credentialId"`
	IssuedAt     string `json:"issuedAt"`
	ValidUntil   string `json:"validUntil"`
	PresentedAt  string `json:"presentedAt"`
	FreshnessMS  int64  `json:"freshnessMs"`
	Counter      uint32 `json:"counter,omitempty"`
}

type jsonBeneficiary struct {
	NIR           string   `json:"nir"`
	NomFamille    string   `json:"nomFamille"`
	NomUsage      string   `json:"nomUsage,omitempty"`
	Prenoms       string   `json:"prenoms"`
	DateNaissance string   `json:"dateNaissance"`
	Lunaire       bool     `json:"lunaire,omitempty"`
	RangNaissance int      `json:"rangNaissance"`
	Qualite       int      `json:"qualite"`
	Organisme     string   `json:"organisme"`
	DateMiseAJour string   `json:"dateMiseAJour,omitempty"`
	INS           *jsonINS `json:"ins,omitempty"`
}

type jsonINS struct {
	Matricule     string `json:"matricule"`
	OID           string `json:"oid"`
	NomsNaissance string `json:"nomsNaissance"`
	PrenomsActe   string `json:"prenomsActe"`
	Sexe          string `json:"sexe"`
	DateNaissance string `json:"dateNaissance"`
	LieuNaissance string `json:"lieuNaissance"`
}

type jsonEtatCivil struct {
	NomNaissance     string `json:"nomNaissance"`
	Prenoms          string `json:"prenoms"`
	DateNaissance    string `json:"dateNaissance"`
	PaysNaissance    string `json:"paysNaissance"`
	CommuneNaissance string `json:"communeNaissance,omitempty"`
	TypeDocument     string `json:"typeDocument"`
}

func (m masker) nirJSON(n credential.NIR) string {
	if m {
		return string(n)
	}
	return n.Masked()
}

func (m masker) dateJSON(d credential.Date) string {
	if !bool(m) && !d.IsZero() {
		return fmt.Sprintf("%04d-**-**", d.Year)
	}
	return dateJSON(d)
}

func dateJSON(d credential.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// writeJSON writes the identity as JSON; personal data are masked unless
// showPII (NIR masked, names reduced to an initial, birth dates to the year).
func writeJSON(w io.Writer, id *reader.Identity, showPII bool) error {
	m := masker(showPII)
	v := id.Verification
	j := jsonIdentity{Mode: id.Mode.String(), Source: id.Source, Verification: jsonVerification{
		Issuer: v.Issuer, IssuerKid: v.IssuerKid, CredentialID: v.CredentialID,
		IssuedAt: v.IssuedAt.Format(time.RFC3339), ValidUntil: v.ValidUntil.Format(time.RFC3339),
		PresentedAt: v.PresentedAt.Format(time.RFC3339), FreshnessMS: v.Freshness.Milliseconds(), Counter: v.Counter}}
	for _, g := range id.Groups {
		j.Groups = append(j.Groups, g.String())
	}
	for _, b := range id.Beneficiaires {
		jb := jsonBeneficiary{NIR: m.nirJSON(b.NIR), NomFamille: m.name(b.NomFamille), NomUsage: m.name(b.NomUsage),
			Prenoms: m.name(b.Prenoms), DateNaissance: m.dateJSON(b.DateNaissance), Lunaire: b.DateNaissance.Lunar(), RangNaissance: b.RangNaissance,
			Qualite: int(b.Qualite), Organisme: strings.ReplaceAll(b.Organisme.String(), " ", ""),
			DateMiseAJour: dateJSON(b.DateMiseAJour)}
		if b.INS != nil {
			jb.INS = &jsonINS{Matricule: m.nirJSON(b.INS.Matricule), OID: b.INS.OID, NomsNaissance: m.name(b.INS.NomsNaissance),
				PrenomsActe: m.name(b.INS.PrenomsActe), Sexe: b.INS.Sexe.String(), DateNaissance: m.dateJSON(b.INS.DateNaissance),
				LieuNaissance: b.INS.LieuNaissance}
		}
		j.Beneficiaires = append(j.Beneficiaires, jb)
	}
	if ec := id.EtatCivil; ec != nil {
		j.EtatCivil = &jsonEtatCivil{NomNaissance: m.name(ec.NomNaissance), Prenoms: m.name(ec.Prenoms), DateNaissance: m.dateJSON(ec.DateNaissance),
			PaysNaissance: ec.PaysNaissance, CommuneNaissance: ec.CommuneNaissance, TypeDocument: ec.TypeDocument}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
