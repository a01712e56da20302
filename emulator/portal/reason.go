package portal

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
)

// Reason is one entry of the documented list of reasons an agent gives
// for a request (the "reason" field). The audit log keeps the code; what
// the agent types goes in the optional "note", which the portal scrubs of
// personal data before storing it (ScrubNote).
type Reason struct {
	Code      string
	FR, EN    string // the label an agent's screen shows
	NeedsNote bool   // the code alone says too little: a note is required
}

// ReasonCodes is the documented list of reasons, for every endpoint (a view
// may give none).
var ReasonCodes = []Reason{
	{Code: "user-request", FR: "Demande de l'assuré", EN: "The insured person's request"},
	{Code: "device-lost", FR: "Téléphone perdu", EN: "Phone lost"},
	{Code: "device-stolen", FR: "Téléphone volé", EN: "Phone stolen"},
	{Code: "device-replaced", FR: "Changement de téléphone", EN: "Phone replaced"},
	{Code: "fraud-suspected", FR: "Suspicion de fraude", EN: "Suspected fraud"},
	{Code: "deceased", FR: "Décès", EN: "Death of the person"},
	{Code: "rights-closed", FR: "Fin de droits", EN: "End of rights"},
	{Code: "agent-error", FR: "Correction d'une erreur d'agent", EN: "Correcting an agent's mistake"},
	{Code: "check", FR: "Contrôle", EN: "Check"},
	{Code: "other", FR: "Autre (note obligatoire)", EN: "Other (a note is required)", NeedsNote: true},
}

func lookupReason(code string) (Reason, bool) {
	for _, r := range ReasonCodes {
		if r.Code == code {
			return r, true
		}
	}
	return Reason{}, false
}

// Markers that replace what ScrubNote removes.
const (
	NIRMarker  = "[NIR]"
	NameMarker = "[nom]"
)

// nirShape matches a NIR-shaped number: 13 or 15 characters, digits but
// for a département 2A/2B (either case) in 6th-7th position, each
// optionally separated from the next by a space, a dot or a hyphen, and
// not inside a longer run of digits.
var nirShape = regexp.MustCompile(`(?i)(^|[^0-9])(\d(?:[ .\-]?\d){4}[ .\-]?(?:\d[ .\-]?\d|2[ .\-]?[ab])(?:[ .\-]?\d){6}(?:[ .\-]?\d[ .\-]?\d)?)([^0-9]|$)`)

// ScrubNote returns note with control characters dropped, every
// NIR-shaped number replaced by NIRMarker and every word of names replaced
// by NameMarker (names compared by word, ignoring case and accents).
func ScrubNote(note string, names []string) string {
	note = cleanReason(note)
	// Twice: a match consumes the character after it, which may begin the
	// next NIR ("NIR1 NIR2").
	for range 2 {
		note = nirShape.ReplaceAllString(note, "${1}"+NIRMarker+"${3}")
	}
	words := map[string]bool{}
	for _, n := range names {
		for _, w := range strings.FieldsFunc(n, notLetter) {
			if utf8.RuneCountInString(w) >= 2 {
				words[fold(w)] = true
			}
		}
	}
	if len(words) == 0 {
		return note
	}
	var b strings.Builder
	for len(note) > 0 {
		i := strings.IndexFunc(note, notLetter)
		if i < 0 {
			i = len(note)
		}
		if i == 0 { // a run of non-letters
			j := strings.IndexFunc(note, func(r rune) bool { return !notLetter(r) })
			if j < 0 {
				j = len(note)
			}
			b.WriteString(note[:j])
			note = note[j:]
			continue
		}
		if w := note[:i]; words[fold(w)] {
			b.WriteString(NameMarker)
		} else {
			b.WriteString(w)
		}
		note = note[i:]
	}
	return b.String()
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

// fold lower-cases w and drops the accents of Latin letters.
func fold(w string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if f, ok := accents[r]; ok {
			return f
		}
		return r
	}, w)
}

var accents = map[rune]rune{
	'à': 'a', 'â': 'a', 'ä': 'a', 'á': 'a', 'ã': 'a', 'å': 'a',
	'ç': 'c', 'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'î': 'i', 'ï': 'i', 'í': 'i', 'ì': 'i', 'ñ': 'n',
	'ô': 'o', 'ö': 'o', 'ó': 'o', 'ò': 'o', 'õ': 'o',
	'ù': 'u', 'û': 'u', 'ü': 'u', 'ú': 'u', 'ÿ': 'y',
}

// PersonNamer is implemented by backends that can name a person's family
// (*issuer.Issuer does): the portal removes those names from notes.
type PersonNamer interface {
	PersonNames(nir credential.NIR) ([]string, error)
}

// checkReason validates a request's reason and note for act and returns
// what the audit log may keep: the code and the scrubbed note (both empty
// when the reason is refused: what was typed is not stored).
func (h *Handler) checkReason(act action, nir credential.NIR, nirOK bool, req request) (code, note string, apiErr *apcverr.Error) {
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" {
		if act != actView {
			return "", "", ErrNoReason
		}
		if strings.TrimSpace(req.Note) != "" {
			return "", "", ErrBadReason
		}
		return "", "", nil
	}
	r, ok := lookupReason(req.Reason)
	clean := cleanReason(req.Note)
	if !ok || !utf8.ValidString(req.Note) || utf8.RuneCountInString(clean) > MaxReason || r.NeedsNote && clean == "" {
		return "", "", ErrBadReason
	}
	if clean == "" {
		return r.Code, "", nil
	}
	var names []string
	if pn, ok := h.cfg.Backend.(PersonNamer); ok && nirOK {
		names, _ = pn.PersonNames(nir) // unknown person: answered 404 later; no names to remove
	}
	return r.Code, ScrubNote(clean, names), nil
}
