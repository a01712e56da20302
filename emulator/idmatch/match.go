package idmatch

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apcvkit/apcvkit/credential"
)

// Identity is one side's civil status: the identity document's (CNI,
// CNIe through France Identité, passport, residence permit) or the health
// insurance's record.
type Identity struct {
	BirthName string // nom de naissance (nom de famille); required
	UsageName string // nom d'usage, "" if none; never compared, see Match
	// FirstNames are the first names in their order, as the side writes
	// them: separated by commas ("Jean-Marie, Paul"), or by spaces when
	// there is no comma ("Jean-Marie Paul"); a hyphen joins the parts of a
	// composed first name. Required.
	FirstNames string
	Sex        credential.Sex  // 0 when the side does not hold it: then not compared
	BirthDate  credential.Date // required; may be lunar (00 day or month)
	// BirthCountry is the INSEE code of the birth country: "99100" (or "")
	// for France, 99xxx abroad.
	BirthCountry string
	// BirthPlace is the COG code of the birth commune, as the side holds it:
	// the code at the time of birth or today's, a Paris arrondissement
	// (751xx) or the commune (75056). Required for a birth in France; for a
	// birth abroad "" or the country's 99xxx code (what a NIR holds).
	BirthPlace string
}

// RecordOf returns the identity the health insurance holds for b: its birth
// and usage names, the first names of the birth act when its INS is
// qualified (the card's first names otherwise), the sex of the NIR, the
// birth date, and the birth place of the INS (the NIR's digits 6 to 10
// otherwise: the département and commune at birth, or 99 and the country).
func RecordOf(b *credential.Beneficiary) Identity {
	id := Identity{BirthName: b.NomFamille, UsageName: b.NomUsage, FirstNames: b.Prenoms,
		Sex: b.NIR.Sex(), BirthDate: b.DateNaissance}
	if len(b.NIR) >= 10 {
		id.BirthPlace = string(b.NIR[5:10])
	}
	if ins := b.INS; ins != nil {
		if ins.NomsNaissance != "" {
			id.BirthName = ins.NomsNaissance
		}
		if ins.PrenomsActe != "" {
			id.FirstNames = ins.PrenomsActe
		}
		if ins.Sexe != 0 {
			id.Sex = ins.Sexe
		}
		if ins.LieuNaissance != "" {
			id.BirthPlace = ins.LieuNaissance
		}
	}
	if strings.HasPrefix(id.BirthPlace, "99") {
		id.BirthCountry = id.BirthPlace
	}
	return id
}

// DocumentOf returns the identity an identity document shows, from the
// état civil the app keeps of it; sex is the document's (0 when unknown).
func DocumentOf(ec credential.EtatCivil, sex credential.Sex) Identity {
	return Identity{BirthName: ec.NomNaissance, FirstNames: ec.Prenoms, Sex: sex, BirthDate: ec.DateNaissance,
		BirthCountry: ec.PaysNaissance, BirthPlace: ec.CommuneNaissance}
}

// Rule names a difference that Match accepted.
type Rule string

// The differences Match accepts (see the package documentation).
const (
	RuleCaseAccents      Rule = "case-accents"        // letters equal once case, diacritics and ligatures are ignored
	RuleSeparators       Rule = "separators"          // equal once hyphens, apostrophes and spaces are one separator
	RuleMissingFirstName Rule = "missing-first-names" // the record lacks the document's last first name(s)
	RuleTruncated        Rule = "truncated-first-names"
	RuleUsageName        Rule = "usage-name-differs" // the usage names differ (never compared)
	RuleSexNotHeld       Rule = "sex-not-held"       // one side holds no sex: not compared
	RuleLunarDate        Rule = "lunar-date"         // a lunar date (00 day or month) agrees with the other side
	RuleHistoricalCode   Rule = "historical-code"    // a former commune code of the same commune
	RuleArrondissement   Rule = "arrondissement"     // a Paris arrondissement against the commune of Paris
	RuleAbroad           Rule = "abroad"             // born abroad, same country: the commune is not compared
)

// Note is one accepted difference, on one field. It holds no personal data.
type Note struct {
	Field Field
	Rule  Rule
}

// Result says how the identities matched: the differences accepted, in the
// order of the checks. An empty Notes means the two were identical.
type Result struct {
	Notes []Note
}

// Has reports whether rule was applied.
func (r Result) Has(rule Rule) bool {
	return slices.ContainsFunc(r.Notes, func(n Note) bool { return n.Rule == rule })
}

// MinTruncatedLength is the shortest record of first names, in characters
// after normalisation (spaces included), that is taken as cut by a
// field-length limit when it stops inside one of the document's first
// names ("MARIE CHRISTI" for "Marie-Christine"). A shorter one is not a
// length cut but a different or incomplete first name.
const MinTruncatedLength = 12

// Match compares the identity document with the health insurance's record
// and returns the differences it accepted, or the first refusal: a
// *MismatchError that unwraps to one of the Err… causes. The rule, field by
// field, is the package documentation's.
func Match(document, record Identity) (Result, error) {
	var res Result
	if err := complete(document, record); err != nil {
		return res, err
	}
	for _, check := range []func(Identity, Identity, *Result) error{
		matchBirthName, matchFirstNames, matchSex, matchBirthDate, matchBirthPlace,
	} {
		if err := check(document, record, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func complete(doc, rec Identity) error {
	for _, side := range []struct {
		id     Identity
		fr, en string
	}{{doc, "votre pièce d'identité ne l'indique pas.", "your identity document does not show it."},
		{rec, "l'Assurance Maladie ne le connaît pas.", "the health insurance does not hold it."}} {
		id := side.id
		var f Field
		switch {
		case Normalize(id.BirthName) == "":
			f = FieldBirthName
		case Normalize(id.FirstNames) == "":
			f = FieldFirstNames
		case id.BirthDate.Year == 0:
			f = FieldBirthDate
		case country(id) == "99100" && id.BirthPlace == "":
			f = FieldBirthPlace
		default:
			continue
		}
		return mismatch(f, ErrIncomplete, display(f, doc), display(f, rec), "cette donnée manque : "+side.fr, "this field is missing: "+side.en)
	}
	return nil
}

// display returns field f of id as shown to the person, "" when missing.
func display(f Field, id Identity) string {
	switch f {
	case FieldBirthName:
		if Normalize(id.BirthName) != "" {
			return id.BirthName
		}
	case FieldFirstNames:
		if Normalize(id.FirstNames) != "" {
			return id.FirstNames
		}
	case FieldBirthDate:
		if id.BirthDate.Year != 0 {
			return id.BirthDate.String()
		}
	case FieldBirthPlace:
		return placeName(id.BirthPlace)
	}
	return ""
}

func matchBirthName(doc, rec Identity, res *Result) error {
	if Compact(doc.BirthName) == Compact(rec.BirthName) {
		noteSpelling(res, FieldBirthName, doc.BirthName, rec.BirthName)
		if doc.UsageName != "" && rec.UsageName != "" && Compact(doc.UsageName) != Compact(rec.UsageName) {
			res.Notes = append(res.Notes, Note{FieldBirthName, RuleUsageName})
		}
		return nil
	}
	switch {
	case doc.UsageName != "" && Compact(doc.UsageName) == Compact(rec.BirthName):
		return mismatch(FieldBirthName, ErrUsageNameAsBirthName, doc.BirthName, rec.BirthName,
			fmt.Sprintf("« %s » est le nom d'usage porté sur votre pièce, pas votre nom de naissance.", rec.BirthName),
			fmt.Sprintf("%q is the usage name on your document, not your birth name.", rec.BirthName))
	case rec.UsageName != "" && Compact(rec.UsageName) == Compact(doc.BirthName):
		return mismatch(FieldBirthName, ErrUsageNameAsBirthName, doc.BirthName, rec.BirthName,
			fmt.Sprintf("l'Assurance Maladie a enregistré « %s » comme nom d'usage et « %s » comme nom de naissance : les deux sont inversés.", rec.UsageName, rec.BirthName),
			fmt.Sprintf("the health insurance holds %q as usage name and %q as birth name: the two are swapped.", rec.UsageName, rec.BirthName))
	}
	return mismatch(FieldBirthName, ErrBirthName, doc.BirthName, rec.BirthName,
		"ce ne sont pas les mêmes noms, même sans tenir compte des majuscules, des accents, des traits d'union, des apostrophes et des espaces.",
		"they are not the same name, even ignoring case, accents, hyphens, apostrophes and spaces.")
}

// noteSpelling notes why two values equal once normalised were not
// identical: case or diacritics, separators, or both.
func noteSpelling(res *Result, f Field, a, b string) {
	if a == b {
		return
	}
	if letters(a) != letters(b) {
		res.Notes = append(res.Notes, Note{f, RuleCaseAccents})
	}
	if separators(a) != separators(b) {
		res.Notes = append(res.Notes, Note{f, RuleSeparators})
	}
}

// letters returns s without its separators, as written; separators returns
// the separators of s, collapsed, as written.
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if isSeparator(r) {
			return -1
		}
		return r
	}, s)
}

func separators(s string) string {
	var b strings.Builder
	last := rune(-1)
	for _, r := range strings.TrimFunc(s, isSeparator) {
		if !isSeparator(r) {
			last = -1
			continue
		}
		if r != last {
			b.WriteRune(r)
		}
		last = r
	}
	return b.String()
}

// given is one first name of a side: as written, and its normalised parts.
type given struct {
	raw   string
	parts []string
}

// givenNames splits s into its first names: at commas when s has one, else
// at white space.
func givenNames(s string) []given {
	var raws []string
	if strings.Contains(s, ",") {
		raws = strings.Split(s, ",")
	} else {
		raws = strings.Fields(s)
	}
	var out []given
	for _, r := range raws {
		if p := strings.Fields(Normalize(strings.Map(dropApostrophe, r))); len(p) > 0 {
			out = append(out, given{strings.TrimSpace(r), p})
		}
	}
	return out
}

// dropApostrophe removes apostrophes from first names, which join rather
// than separate: "N'Golo" is "NGOLO".
func dropApostrophe(r rune) rune {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02BC', '\u201B', '`', '´':
		return -1
	}
	return r
}

func joinParts(gs []given) string {
	var parts []string
	for _, g := range gs {
		parts = append(parts, g.parts...)
	}
	return strings.Join(parts, " ")
}

func matchFirstNames(doc, rec Identity, res *Result) error {
	D, R := givenNames(doc.FirstNames), givenNames(rec.FirstNames)
	ds, rs := joinParts(D), joinParts(R)
	const f = FieldFirstNames
	switch {
	case ds == rs:
		noteSpelling(res, f, doc.FirstNames, rec.FirstNames)
		if len(D) != len(R) && !slices.Contains(res.Notes, Note{f, RuleSeparators}) {
			res.Notes = append(res.Notes, Note{f, RuleSeparators}) // "Jean-Marie" against "Jean, Marie"
		}
		return nil

	case strings.HasPrefix(ds, rs):
		// The record is the beginning of the document's first names.
		if boundary(D, rs) {
			res.Notes = append(res.Notes, Note{f, RuleMissingFirstName})
			return nil
		}
		if utf8.RuneCountInString(rs) >= MinTruncatedLength {
			res.Notes = append(res.Notes, Note{f, RuleTruncated})
			return nil
		}
		cut, part := cutName(D, rs)
		if part == 0 {
			// The cut falls inside the first part of a first name: "Jean" for
			// "Jeanne" is another first name, not part of a composed one.
			d, r := firstDiff(D, R)
			return mismatch(f, ErrFirstName, doc.FirstNames, rec.FirstNames,
				fmt.Sprintf("« %s » et « %s » ne sont pas le même prénom.", d, r),
				fmt.Sprintf("%q and %q are not the same first name.", d, r))
		}
		return mismatch(f, ErrFirstNameIncomplete, doc.FirstNames, rec.FirstNames,
			fmt.Sprintf("« %s » n'est que le début du prénom « %s », et trop court (moins de %d caractères) pour avoir été coupé par la longueur d'un champ.", rec.FirstNames, cut, MinTruncatedLength),
			fmt.Sprintf("%q is only the beginning of the first name %q, and too short (under %d characters) to have been cut by a field's length.", rec.FirstNames, cut, MinTruncatedLength))

	case strings.HasPrefix(rs, ds+" "):
		extra := rs[len(ds)+1:]
		return mismatch(f, ErrFirstNameExtra, doc.FirstNames, rec.FirstNames,
			fmt.Sprintf("l'Assurance Maladie connaît en plus « %s », absent de votre pièce.", extra),
			fmt.Sprintf("the health insurance also holds %q, which your document does not carry.", extra))
	}
	if sameNames(D, R) {
		return mismatch(f, ErrFirstNameOrder, doc.FirstNames, rec.FirstNames,
			"ce sont les mêmes prénoms, dans un autre ordre.", "they are the same first names, in another order.")
	}
	d, r := firstDiff(D, R)
	return mismatch(f, ErrFirstName, doc.FirstNames, rec.FirstNames,
		fmt.Sprintf("« %s » et « %s » ne sont pas le même prénom, même sans tenir compte des majuscules, des accents, des traits d'union et des espaces.", d, r),
		fmt.Sprintf("%q and %q are not the same first name, even ignoring case, accents, hyphens and spaces.", d, r))
}

// boundary reports whether the normalised prefix rs of D's first names ends
// where one of D's first names ends.
func boundary(D []given, rs string) bool {
	n := 0
	for i, g := range D {
		if i > 0 {
			n++ // the space between two first names
		}
		n += len(strings.Join(g.parts, " "))
		if n == len(rs) {
			return true
		}
	}
	return false
}

// cutName returns, as written on the document, the first name of D inside
// which the normalised prefix rs stops, and the index of the part (of a
// composed first name) in which it stops: 0 when it stops inside the first
// part, 1 or more when it keeps at least the first part whole.
func cutName(D []given, rs string) (string, int) {
	n := 0
	for i, g := range D {
		if i > 0 {
			n++ // the space between two first names
		}
		for j, part := range g.parts {
			if j > 0 {
				n++
			}
			if n+len(part) > len(rs) {
				return g.raw, j
			}
			n += len(part)
		}
	}
	return D[len(D)-1].raw, 0
}

// sameNames reports whether D and R hold the same first names in another
// order (as normalised parts: a hyphen and a space are the same).
func sameNames(D, R []given) bool {
	a, b := partsOf(D), partsOf(R)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func partsOf(gs []given) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.parts...)
	}
	return out
}

// firstDiff returns the first normalised parts at which D and R differ, as
// "" when one side has run out.
func firstDiff(D, R []given) (string, string) {
	a, b := partsOf(D), partsOf(R)
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return x, y
		}
	}
	return "", ""
}

func matchSex(doc, rec Identity, res *Result) error {
	if doc.Sex == 0 || rec.Sex == 0 {
		res.Notes = append(res.Notes, Note{FieldSex, RuleSexNotHeld})
		return nil
	}
	if doc.Sex != rec.Sex {
		return mismatch(FieldSex, ErrSex, doc.Sex.String(), rec.Sex.String(),
			"votre pièce et l'Assurance Maladie n'indiquent pas le même sexe.",
			"your document and the health insurance do not show the same sex.")
	}
	return nil
}

func matchBirthDate(doc, rec Identity, res *Result) error {
	d, r := doc.BirthDate, rec.BirthDate
	if d == r {
		return nil
	}
	agree := func(a, b int) bool { return a == b || a == 0 || b == 0 }
	if (d.Lunar() || r.Lunar()) && d.Year == r.Year && agree(d.Month, r.Month) && agree(d.Day, r.Day) {
		res.Notes = append(res.Notes, Note{FieldBirthDate, RuleLunarDate})
		return nil
	}
	return mismatch(FieldBirthDate, ErrBirthDate, d.String(), r.String(),
		"ce ne sont pas les mêmes dates.", "they are not the same date.")
}

// country returns id's birth country: the 99xxx code of BirthPlace, else
// BirthCountry, else France.
func country(id Identity) string {
	switch {
	case strings.HasPrefix(id.BirthPlace, "99"):
		return id.BirthPlace
	case id.BirthCountry != "":
		return id.BirthCountry
	}
	return "99100"
}

// placeName returns code with the current commune's name when the table
// knows it.
func placeName(code string) string {
	if c, ok := LookupCode(code); ok && c.Nature != Arrondissement {
		return fmt.Sprintf("%s (%s)", code, c.CurrentName)
	}
	return code
}

func matchBirthPlace(doc, rec Identity, res *Result) error {
	const f = FieldBirthPlace
	dc, rc := country(doc), country(rec)
	if dc != rc {
		fr, en := "ce ne sont pas les mêmes pays.", "they are not the same country."
		if dc == "99100" || rc == "99100" {
			fr, en = "l'un indique une naissance en France, l'autre à l'étranger.", "one shows a birth in France, the other abroad."
		}
		return mismatch(f, ErrBirthCountry, dc, rc, fr, en)
	}
	if dc != "99100" {
		res.Notes = append(res.Notes, Note{f, RuleAbroad})
		return nil
	}
	d, r := doc.BirthPlace, rec.BirthPlace
	if d == r {
		return nil
	}
	cd, cr := current(d), current(r)
	rule := RuleHistoricalCode
	switch {
	case cd == cr:
	case arrondissementOf(cd) == cr || arrondissementOf(cr) == cd:
		rule = RuleArrondissement
	default:
		return mismatch(f, ErrBirthPlace, placeName(d), placeName(r),
			"ces codes ne désignent pas la même commune, ni aujourd'hui ni à la date de votre naissance.",
			"these codes do not designate the same commune, neither today nor on your birth date.")
	}
	// A former code designates the commune only for births before it
	// changed.
	for _, side := range []struct{ code, other string }{{d, r}, {r, d}} {
		c, ok := LookupCode(side.code)
		if ok && c.Until > 0 && doc.BirthDate.Year >= c.Until {
			return mismatch(f, ErrBirthPlaceCode, placeName(d), placeName(r),
				fmt.Sprintf("le code %s ne désigne plus %s depuis le 1er janvier %d, avant votre naissance (%s) ; son code est %s.", side.code, c.CurrentName, c.Until, natureFR[c.Nature], c.Current),
				fmt.Sprintf("code %s no longer designates %s since 1 January %d, before your birth (%s); its code is %s.", side.code, c.CurrentName, c.Until, natureEN[c.Nature], c.Current))
		}
	}
	res.Notes = append(res.Notes, Note{f, rule})
	if rule == RuleArrondissement && (cd != d || cr != r) {
		res.Notes = append(res.Notes, Note{f, RuleHistoricalCode})
	}
	return nil
}

var natureFR = map[Nature]string{
	Seine1968:       "réorganisation de la Seine en 1968",
	SeineEtOise1968: "réorganisation de la Seine-et-Oise en 1968",
	Corse1976:       "division de la Corse en 1976",
}

var natureEN = map[Nature]string{
	Seine1968:       "reorganisation of the Seine in 1968",
	SeineEtOise1968: "reorganisation of the Seine-et-Oise in 1968",
	Corse1976:       "division of Corsica in 1976",
}

// current returns the current commune code of a former commune code, or
// code itself (a current code, an arrondissement, or a code outside the
// table).
func current(code string) string {
	if c, ok := LookupCode(code); ok && c.Nature != Arrondissement {
		return c.Current
	}
	return code
}

// arrondissementOf returns the commune of an arrondissement code, or "".
func arrondissementOf(code string) string {
	if c, ok := LookupCode(code); ok && c.Nature == Arrondissement {
		return c.Current
	}
	return ""
}
