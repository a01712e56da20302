package main

import (
	"encoding/json"
	"fmt"
	"io"
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
	if m {
		return s
	}
	return credential.MaskName(s)
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
	if id.Selected >= 0 {
		fmt.Fprintf(w, "  patient choisi / chosen beneficiary: [%d]\n", id.Selected)
	}
	for i, b := range id.Beneficiaires {
		role := "ayant droit"
		if i == 0 {
			role = "ouvrant droit"
		}
		if i == 0 && id.Selected > 0 { // reduced to what billing needs of him
			fmt.Fprintf(w, "  [%d] %-13s %s  %s  organisme %s\n", i, role, m.nir(b.NIR), b.Qualite, b.Organisme)
			continue
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
		fmt.Fprintf(w, "  état civil: %s %s né(e) %s, pays %s commune %s (%s)", m.name(ec.NomNaissance), m.name(ec.Prenoms),
			m.date(ec.DateNaissance), ec.PaysNaissance, ec.CommuneNaissance, ec.TypeDocument)
		if ec.Sexe != 0 { // credential version 2
			fmt.Fprintf(w, " sexe %s", ec.Sexe)
		}
		if !ec.DateAcquisition.IsZero() {
			fmt.Fprintf(w, ", acquis le %s", ec.DateAcquisition)
		}
		fmt.Fprintln(w)
	}
	if !showPII {
		fmt.Fprintln(w, "  (personal data masked; --show-pii shows them)")
	}
}

// writeJSON writes the identity as JSON (reader.IdentityJSON); personal
// data are masked unless showPII (NIR masked, names reduced to an initial,
// birth dates to the year).
func writeJSON(w io.Writer, id *reader.Identity, showPII bool) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(id.JSON(!showPII))
}
