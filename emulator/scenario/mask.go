package scenario

import (
	"regexp"
	"slices"
	"strings"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// The transcript shows the person's desk messages, which name them (an
// explained identity refusal quotes both first names): unless
// Options.ShowPII, every name, first name, birth date, NIR and birth place
// of the scenario's profiles is replaced by "[…]" in them.

// masker holds the personal strings of the profiles created so far.
type masker struct {
	words []string
	re    *regexp.Regexp
}

const masked = "[…]"

// add records the personal strings of a profile.
func (m *masker) add(p *phone.Profile) {
	f := p.Family
	m.addFamily(&f)
}

// addFamily records the personal strings of a family (one état civil: a
// document shown).
func (m *masker) addFamily(f *credential.Family) {
	var w []string
	name := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		w = append(w, s)
		for _, t := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" -,'’.", r) }) {
			if len([]rune(t)) >= 3 {
				w = append(w, t)
			}
		}
	}
	date := func(d credential.Date) {
		if !d.IsZero() {
			w = append(w, d.String())
		}
	}
	place := func(code string) {
		if code == "" || strings.HasPrefix(code, "99") {
			return
		}
		w = append(w, code)
		if c, ok := idmatch.LookupCode(code); ok {
			name(c.CurrentName)
		}
	}
	for _, b := range f.Beneficiaires {
		w = append(w, string(b.NIR), b.NIR.Format())
		name(b.NomFamille)
		name(b.NomUsage)
		name(b.Prenoms)
		date(b.DateNaissance)
		if b.INS != nil {
			name(b.INS.NomsNaissance)
			name(b.INS.PrenomsActe)
			date(b.INS.DateNaissance)
			place(b.INS.LieuNaissance)
		}
	}
	if ec := f.EtatCivil; ec != nil {
		name(ec.NomNaissance)
		name(ec.Prenoms)
		date(ec.DateNaissance)
		place(ec.CommuneNaissance)
	}
	m.words = append(m.words, w...)
	// Longest first (a name inside a longer one is masked as part of it),
	// then in order, so that Compact drops every duplicate, not only
	// adjacent ones.
	slices.SortFunc(m.words, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	m.words = slices.Compact(m.words)
	quoted := make([]string, len(m.words))
	for i, s := range m.words {
		quoted[i] = regexp.QuoteMeta(s)
	}
	m.re = regexp.MustCompile(`(?i)` + strings.Join(quoted, "|"))
}

// mask replaces the personal strings in s.
func (m *masker) mask(s string) string {
	if m.re == nil {
		return s
	}
	return m.re.ReplaceAllString(s, masked)
}
