package rights

import (
	"fmt"
	"strings"

	"github.com/apcvkit/apcvkit/credential"
)

// Natures of a Periode.
const (
	NatureAMO = "AMO" // assurance maladie obligatoire
	NatureC2S = "C2S" // complémentaire santé solidaire
)

// Limits of the wire form.
const (
	// MaxWho bounds the beneficiaries of one rights request (the largest
	// family an app holds, credential.MaxBeneficiaires).
	MaxWho = credential.MaxBeneficiaires
	// MaxPeriodes bounds the periods of one beneficiary's rights.
	MaxPeriodes = 16
	// MaxText bounds a libellé or an AMC's name, in bytes.
	MaxText = 120
)

// Who designates a beneficiary as the service knows them: the NIR, the
// birth date (lunar dates as they are) and the birth rank (1..9, twins
// share NIR prefix and birth date, not rank).
type Who struct {
	NIR           credential.NIR
	DateNaissance credential.Date
	Rang          int
}

// WhoOf designates beneficiary b.
func WhoOf(b credential.Beneficiary) Who {
	return Who{NIR: b.NIR, DateNaissance: b.DateNaissance, Rang: b.RangNaissance}
}

// Validate checks the fields' form (a valid NIR, a date, a rank 1..9).
func (w Who) Validate() error {
	if err := w.NIR.Validate(); err != nil {
		return err
	}
	if w.DateNaissance.IsZero() {
		return fieldErr("dateNaissance", "missing")
	}
	if w.Rang < 1 || w.Rang > 9 {
		return fieldErr("rang", "%d not in 1..9", w.Rang)
	}
	return nil
}

// String is masked: a Who printed by mistake does not leak.
func (w Who) String() string { return fmt.Sprintf("%s rang %d", w.NIR.Masked(), w.Rang) }

// Periode is a period of rights, Debut to Fin inclusive; a zero Fin is open
// (rights open until further notice).
type Periode struct {
	Debut, Fin credential.Date
	Nature     string // NatureAMO or NatureC2S
}

// Covers reports whether d is within the period.
func (p Periode) Covers(d credential.Date) bool {
	return !before(d, p.Debut) && (p.Fin.IsZero() || !before(p.Fin, d))
}

// Exoneration is an exonération of the ticket modérateur.
type Exoneration struct {
	Code    string // the code of the exonération as billing programs know it ("4": ALD on the list)
	ALD     bool   // for an affection de longue durée
	Libelle string // what the desk reads
}

// AMC is the beneficiary's attachment to a complémentaire (a mutuelle, an
// insurer or a provident institution) that billing may call in tiers payant.
type AMC struct {
	Numero     string // the complémentaire's number (8 digits)
	Nom        string
	Debut, Fin credential.Date // Fin zero: open
}

// Rights is one beneficiary's AMO rights.
type Rights struct {
	NIR  credential.NIR // which beneficiary (as asked)
	Rang int

	Regime      string // 2 digits, e.g. "01" (régime général)
	Caisse      string // 3 digits, e.g. "261"
	Centre      string // 4 digits, e.g. "9850"
	CodeGestion string // 2 characters, e.g. "10"

	Periodes        []Periode    // AMO periods, oldest first
	Exoneration     *Exoneration // nil: none
	C2S             *Periode     // complémentaire santé solidaire, nil: none
	MedecinTraitant bool         // a médecin traitant is declared
	AMC             *AMC         // nil: none (or C2S)
}

// OpenOn reports whether the AMO rights cover day d.
func (r Rights) OpenOn(d credential.Date) bool {
	for _, p := range r.Periodes {
		if p.Nature == NatureAMO && p.Covers(d) {
			return true
		}
	}
	return false
}

// Validate checks the form of every field.
func (r Rights) Validate() error {
	if err := r.NIR.Validate(); err != nil {
		return err
	}
	switch {
	case r.Rang < 1 || r.Rang > 9:
		return fieldErr("rang", "%d not in 1..9", r.Rang)
	case !digits(r.Regime, 2):
		return fieldErr("regime", "want 2 digits")
	case !digits(r.Caisse, 3):
		return fieldErr("caisse", "want 3 digits")
	case !digits(r.Centre, 4):
		return fieldErr("centre", "want 4 digits")
	case len(r.CodeGestion) != 2 || !alnum(r.CodeGestion):
		return fieldErr("codeGestion", "want 2 letters or digits")
	case len(r.Periodes) == 0:
		return fieldErr("periodes", "at least one AMO period")
	case len(r.Periodes) > MaxPeriodes:
		return fieldErr("periodes", "more than %d", MaxPeriodes)
	}
	for i, p := range r.Periodes {
		if err := p.validate(NatureAMO); err != nil {
			return prefix(fmt.Sprintf("periodes[%d]", i), err)
		}
	}
	if e := r.Exoneration; e != nil {
		switch {
		case e.Code == "" || len(e.Code) > 4 || !alnum(e.Code):
			return fieldErr("exoneration.code", "want 1..4 letters or digits")
		case len(e.Libelle) > MaxText:
			return fieldErr("exoneration.libelle", "longer than %d bytes", MaxText)
		}
	}
	if c := r.C2S; c != nil {
		if err := c.validate(NatureC2S); err != nil {
			return prefix("c2s", err)
		}
	}
	if a := r.AMC; a != nil {
		switch {
		case !digits(a.Numero, 8):
			return fieldErr("amc.numero", "want 8 digits")
		case strings.TrimSpace(a.Nom) == "" || len(a.Nom) > MaxText:
			return fieldErr("amc.nom", "want 1..%d bytes", MaxText)
		case a.Debut.IsZero() || a.Debut.Lunar():
			return fieldErr("amc.debut", "want a calendar date")
		case !a.Fin.IsZero() && (a.Fin.Lunar() || before(a.Fin, a.Debut)):
			return fieldErr("amc.fin", "want a calendar date from debut on")
		}
	}
	return nil
}

func (p Periode) validate(nature string) error {
	switch {
	case p.Nature != nature:
		return fieldErr("nature", "%q: want %s", p.Nature, nature)
	case p.Debut.IsZero() || p.Debut.Lunar():
		return fieldErr("debut", "want a calendar date")
	case !p.Fin.IsZero() && (p.Fin.Lunar() || before(p.Fin, p.Debut)):
		return fieldErr("fin", "want a calendar date from debut on")
	}
	return nil
}

func before(a, b credential.Date) bool {
	if a.Year != b.Year {
		return a.Year < b.Year
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	return a.Day < b.Day
}

func fieldErr(field, format string, args ...any) error {
	return &credential.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func prefix(p string, err error) error {
	if fe, ok := err.(*credential.FieldError); ok {
		return &credential.FieldError{Field: p + "." + fe.Field, Reason: fe.Reason}
	}
	return err
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
