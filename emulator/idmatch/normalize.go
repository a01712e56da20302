package idmatch

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the form under which two names are compared: upper
// case; accents and other diacritics removed (canonical decomposition, then
// the combining marks dropped: é → E, ç → C, ï → I); the ligatures and
// letters without a decomposition spelt out (œ → OE, æ → AE, ß → SS, ø → O,
// đ → D, ł → L); hyphens, apostrophes, dots, commas, underscores and any
// white space turned into one space, none at either end. Other characters
// (digits, other scripts) are kept, upper-cased. Normalize never fails, and
// Normalize(Normalize(s)) == Normalize(s) for any s, valid UTF-8 or not
// (invalid bytes become U+FFFD).
func Normalize(s string) string {
	n := normalizeOnce(s)
	// A letter without a precomposed upper case (ǰ, ΐ) decomposes to a
	// lower-case base, upper-cased when emitted; in a handful of scripts the
	// result decomposes again. A second pass settles every such case (the
	// fuzz target checks it), a third is a guard.
	for range 2 {
		m := normalizeOnce(n)
		if m == n {
			break
		}
		n = m
	}
	return n
}

func normalizeOnce(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a separator is pending
	emit := func(r rune) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToUpper(r))
	}
	// Upper-case first, then decompose: the decomposition of an upper-case
	// letter is its upper-case base and marks, so nothing below produces a
	// letter that a second pass would change.
	var it norm.Iter
	it.InitString(norm.NFD, upper(s))
	for !it.Done() {
		seg := it.Next()
		for len(seg) > 0 {
			r, n := utf8.DecodeRune(seg)
			seg = seg[n:]
			switch {
			case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
				// a diacritic: dropped
			case isSeparator(r):
				space = true
			default:
				if sp, ok := spelt[r]; ok {
					for _, c := range sp {
						emit(c)
					}
					continue
				}
				emit(r)
			}
		}
	}
	return b.String()
}

// Compact is Normalize without any space: the form under which birth names
// are compared, so that "D'ARTAGNAN", "D ARTAGNAN" and "DARTAGNAN", or
// "DUPONT--DURAND" and "DUPONT DURAND", are one name.
func Compact(s string) string { return strings.ReplaceAll(Normalize(s), " ", "") }

// upper is strings.ToUpper made idempotent on its own output: a few letters
// (such as U+0131 ı → I, or ǅ → Ǆ) change script case twice.
func upper(s string) string {
	u := strings.ToUpper(strings.ToValidUTF8(s, "\uFFFD"))
	if v := strings.ToUpper(u); v != u {
		return v
	}
	return u
}

// isSeparator reports the characters that separate the parts of a name:
// white space, hyphens and dashes, apostrophes, dots, commas, underscores.
func isSeparator(r rune) bool {
	switch r {
	case '-', '\'', '.', ',', '_', '`', '´',
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', // hyphens, dashes, minus
		'\u2018', '\u2019', '\u201B', '\u02BC', '\u02B9', '\u2032', // apostrophes, primes
		'\uFE63', '\uFF0D', '\u00AD': // small and full-width hyphens, soft hyphen
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// spelt spells out, in upper case, the letters that have no canonical
// decomposition but are written without their stroke or as two letters in
// French civil-status files. The keys are upper case (Normalize upper-cases
// first), except ß, whose upper case is ẞ only in some locales.
var spelt = map[rune]string{
	'Œ': "OE", 'Æ': "AE", 'ß': "SS", 'ẞ': "SS", 'Ø': "O", 'Đ': "D", 'Ł': "L", 'Ħ': "H", 'Þ': "TH",
	'ĳ': "IJ", 'Ĳ': "IJ", 'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
}
