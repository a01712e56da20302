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

// printIdentity writes a verified identity for the person at the desk.
func printIdentity(w io.Writer, id *reader.Identity) {
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
		name := b.NomFamille
		if b.NomUsage != "" {
			name += " (usage " + b.NomUsage + ")"
		}
		lunar := ""
		if b.DateNaissance.Lunar() {
			lunar = " (lunaire)"
		}
		fmt.Fprintf(w, "  [%d] %-13s %s  %s %s  né(e) %s%s rang %d  %s  organisme %s\n", i, role, string(b.NIR.Format()),
			name, b.Prenoms, b.DateNaissance, lunar, b.RangNaissance, b.Qualite, b.Organisme)
		if b.INS != nil {
			fmt.Fprintf(w, "      INS %s (%s) %s %s %s né(e) %s à %s\n", b.INS.Matricule.Format(), b.INS.OID,
				b.INS.Sexe, b.INS.NomsNaissance, b.INS.PrenomsActe, b.INS.DateNaissance, b.INS.LieuNaissance)
		}
	}
	if ec := id.EtatCivil; ec != nil {
		fmt.Fprintf(w, "  état civil: %s %s né(e) %s, pays %s commune %s (%s)\n", ec.NomNaissance, ec.Prenoms,
			ec.DateNaissance, ec.PaysNaissance, ec.CommuneNaissance, ec.TypeDocument)
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

func dateJSON(d credential.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

func writeJSON(w io.Writer, id *reader.Identity) error {
	v := id.Verification
	j := jsonIdentity{Mode: id.Mode.String(), Source: id.Source, Verification: jsonVerification{
		Issuer: v.Issuer, IssuerKid: v.IssuerKid, CredentialID: v.CredentialID,
		IssuedAt: v.IssuedAt.Format(time.RFC3339), ValidUntil: v.ValidUntil.Format(time.RFC3339),
		PresentedAt: v.PresentedAt.Format(time.RFC3339), FreshnessMS: v.Freshness.Milliseconds(), Counter: v.Counter}}
	for _, g := range id.Groups {
		j.Groups = append(j.Groups, g.String())
	}
	for _, b := range id.Beneficiaires {
		jb := jsonBeneficiary{NIR: string(b.NIR), NomFamille: b.NomFamille, NomUsage: b.NomUsage, Prenoms: b.Prenoms,
			DateNaissance: dateJSON(b.DateNaissance), Lunaire: b.DateNaissance.Lunar(), RangNaissance: b.RangNaissance,
			Qualite: int(b.Qualite), Organisme: strings.ReplaceAll(b.Organisme.String(), " ", ""),
			DateMiseAJour: dateJSON(b.DateMiseAJour)}
		if b.INS != nil {
			jb.INS = &jsonINS{Matricule: string(b.INS.Matricule), OID: b.INS.OID, NomsNaissance: b.INS.NomsNaissance,
				PrenomsActe: b.INS.PrenomsActe, Sexe: b.INS.Sexe.String(), DateNaissance: dateJSON(b.INS.DateNaissance),
				LieuNaissance: b.INS.LieuNaissance}
		}
		j.Beneficiaires = append(j.Beneficiaires, jb)
	}
	if ec := id.EtatCivil; ec != nil {
		j.EtatCivil = &jsonEtatCivil{NomNaissance: ec.NomNaissance, Prenoms: ec.Prenoms, DateNaissance: dateJSON(ec.DateNaissance),
			PaysNaissance: ec.PaysNaissance, CommuneNaissance: ec.CommuneNaissance, TypeDocument: ec.TypeDocument}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
