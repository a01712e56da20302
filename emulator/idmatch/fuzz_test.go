package idmatch_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
)

// FuzzNormalize: Normalize never panics, is idempotent, yields valid UTF-8
// without leading, trailing or double spaces, and Compact has no space.
func FuzzNormalize(f *testing.F) {
	for _, r := range rows {
		doc, rec := base(), base()
		r.edit(&doc, &rec)
		for _, s := range []string{doc.BirthName, doc.FirstNames, rec.BirthName, rec.FirstNames} {
			f.Add(s)
		}
	}
	for _, s := range []string{"", " ", "\xff\xfe", "ǅ", "ı", "ß", "ﬁ", "Ǆ-ǆ", "e\u0301\u0301", "\u0345", "ΐ", "ǰ", "\u1E9E"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := idmatch.Normalize(s)
		if n2 := idmatch.Normalize(n); n2 != n {
			t.Fatalf("Normalize(%q) = %q, Normalize of that = %q", s, n, n2)
		}
		if !utf8.ValidString(n) || strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q", s, n)
		}
		if c := idmatch.Compact(s); strings.Contains(c, " ") || idmatch.Compact(c) != c {
			t.Fatalf("Compact(%q) = %q", s, c)
		}
	})
}

// FuzzMatch: Match never panics on any names or codes, is reflexive on a
// complete identity, and a refusal always names a cause.
func FuzzMatch(f *testing.F) {
	f.Add("MARTIN", "Jean-Marie, Paul", "92040", "MARTIN", "Jean Marie", "75040", 1960)
	f.Add("D'ARTAGNAN", "Marie-Christine", "2A004", "DARTAGNAN", "MARIE-CHRISTI", "20004", 1980)
	f.Add("", ",,", "99134", "X", "", "", 0)
	f.Fuzz(func(t *testing.T, dn, df, dp, rn, rf, rp string, year int) {
		date := credential.Date{Day: 1, Month: 1, Year: year}
		doc := idmatch.Identity{BirthName: dn, FirstNames: df, BirthDate: date, BirthPlace: dp}
		rec := idmatch.Identity{BirthName: rn, FirstNames: rf, BirthDate: date, BirthPlace: rp}
		if _, err := idmatch.Match(doc, rec); err != nil {
			var me *idmatch.MismatchError
			if !asMismatch(err, &me) || me.Cause == nil {
				t.Fatalf("refusal %v without a cause", err)
			}
		}
		if _, err := idmatch.Match(doc, doc); err != nil {
			var me *idmatch.MismatchError
			if !asMismatch(err, &me) || me.Cause != idmatch.ErrIncomplete && me.Cause != idmatch.ErrBirthPlaceCode {
				t.Fatalf("Match(doc, doc): %v", err)
			}
		}
	})
}
