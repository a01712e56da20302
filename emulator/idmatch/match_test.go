package idmatch_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
)

// base is a person born in Lyon (69123) in 1985; each row changes what it
// tests, on the document's side, the record's side, or both.
func base() idmatch.Identity {
	return idmatch.Identity{BirthName: "MARTIN", FirstNames: "Jean-Marie, Paul", Sex: credential.SexMale,
		BirthDate: credential.Date{Day: 12, Month: 6, Year: 1985}, BirthCountry: "99100", BirthPlace: "69123"}
}

func born(y int) credential.Date { return credential.Date{Day: 14, Month: 3, Year: y} }

type row struct {
	name   string
	origin string // the source of the case: "article: <commenter>", "deck", or "" for a boundary row
	edit   func(doc, rec *idmatch.Identity)
	// accepted rows: the rules applied (nil: identical); refused rows: the
	// cause and a piece of its French reason.
	rules  []idmatch.Rule
	cause  *apcverr.Error
	field  idmatch.Field
	reason string
}

var rows = []row{
	// ── accepted: names ──
	{name: "identical", edit: func(d, r *idmatch.Identity) {}},
	{name: "case only", edit: func(d, r *idmatch.Identity) { r.FirstNames = "JEAN-MARIE, PAUL" },
		rules: []idmatch.Rule{idmatch.RuleCaseAccents}},
	{name: "composed first name hyphen vs space", origin: "article: Sindre, « une fois un trait d'union et une fois sans »",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean-Marie", "Jean Marie" },
		rules: []idmatch.Rule{idmatch.RuleSeparators}},
	{name: "composed first name space vs hyphen", origin: "article: Sindre",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Anne Sophie, Claire", "ANNE-SOPHIE CLAIRE" },
		rules: []idmatch.Rule{idmatch.RuleCaseAccents, idmatch.RuleSeparators}},
	{name: "composed first name and comma list vs spaces", origin: "article: Sindre",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean-Marie, Paul", "JEAN MARIE PAUL" },
		rules: []idmatch.Rule{idmatch.RuleCaseAccents, idmatch.RuleSeparators}},
	{name: "accents in first name", origin: "issue 14: accents",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Hélène, Françoise", "HELENE FRANCOISE" },
		rules: []idmatch.Rule{idmatch.RuleCaseAccents, idmatch.RuleSeparators}},
	{name: "diaeresis", origin: "issue 14: accents",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Zoë", "Zoe" },
		rules: []idmatch.Rule{idmatch.RuleCaseAccents}},
	{name: "accents in birth name", origin: "issue 14: accents",
		edit:  func(d, r *idmatch.Identity) { d.BirthName, r.BirthName = "LEFÈVRE-BÉRANGER", "LEFEVRE BERANGER" },
		rules: []idmatch.Rule{idmatch.RuleCaseAccents, idmatch.RuleSeparators}},
	{name: "ligature oe", origin: "issue 14: ligatures",
		edit:  func(d, r *idmatch.Identity) { d.BirthName, r.BirthName = "LŒUILLET", "LOEUILLET" },
		rules: []idmatch.Rule{idmatch.RuleCaseAccents}},
	{name: "ligature ae", origin: "issue 14: ligatures",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Lætitia", "LAETITIA" },
		rules: []idmatch.Rule{idmatch.RuleCaseAccents}},
	{name: "apostrophe dropped in birth name", origin: "issue 14: apostrophes",
		edit:  func(d, r *idmatch.Identity) { d.BirthName, r.BirthName = "D'ARTAGNAN", "DARTAGNAN" },
		rules: []idmatch.Rule{idmatch.RuleSeparators}},
	{name: "typographic apostrophe", origin: "issue 14: apostrophes",
		edit:  func(d, r *idmatch.Identity) { d.BirthName, r.BirthName = "D’ARTAGNAN", "D'ARTAGNAN" },
		rules: []idmatch.Rule{idmatch.RuleSeparators}},
	{name: "double-hyphen double name", edit: func(d, r *idmatch.Identity) { d.BirthName, r.BirthName = "DUPONT--DURAND", "DUPONT DURAND" },
		rules: []idmatch.Rule{idmatch.RuleSeparators}},
	{name: "second first name missing", origin: "article: Boujoval, « des seconds prénoms que la Sécurité Sociale n'a pas »",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean-Marie, Paul, Louis", "Jean-Marie" },
		rules: []idmatch.Rule{idmatch.RuleMissingFirstName}},
	{name: "third first name missing", origin: "article: Boujoval",
		edit: func(d, r *idmatch.Identity) {
			d.FirstNames, r.FirstNames = "Jean-Marie, Paul, Louis", "JEAN MARIE PAUL"
		},
		rules: []idmatch.Rule{idmatch.RuleMissingFirstName}},
	{name: "spaced second first name missing", origin: "article: Boujoval",
		edit: func(d, r *idmatch.Identity) {
			d.FirstNames, r.FirstNames = "Thomas-Alexandre Rémi", "Thomas-Alexandre"
		},
		rules: []idmatch.Rule{idmatch.RuleMissingFirstName}},
	{name: "composed first name cut by the field's length", origin: "article: « tronqué des 2 dernières lettres »",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Marie-Christine", "MARIE-CHRISTI" },
		rules: []idmatch.Rule{idmatch.RuleTruncated}},
	{name: "cut at the length limit, later first names lost", origin: "article: « tronqué des 2 dernières lettres »",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean-Christophe, Pierre", "Jean-Christoph" },
		rules: []idmatch.Rule{idmatch.RuleTruncated}},
	{name: "a long record stopping inside a name is taken as a length cut (documented limit)",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean-Pierre, Marcel", "JEAN PIERRE MARC" },
		rules: []idmatch.Rule{idmatch.RuleTruncated}},
	{name: "usage names differ", origin: "issue 14: usage name vs birth name",
		edit:  func(d, r *idmatch.Identity) { d.UsageName, r.UsageName = "DURAND", "LEROY" },
		rules: []idmatch.Rule{idmatch.RuleUsageName}},
	{name: "usage name only in the record", origin: "issue 14: usage name vs birth name",
		edit: func(d, r *idmatch.Identity) { r.UsageName = "DURAND" }},
	// ── accepted: sex and date ──
	{name: "document without sex", edit: func(d, r *idmatch.Identity) { d.Sex = 0 },
		rules: []idmatch.Rule{idmatch.RuleSexNotHeld}},
	{name: "same lunar date", origin: "deck: lunar dates", edit: func(d, r *idmatch.Identity) {
		d.BirthDate, r.BirthDate = credential.Date{Year: 1978}, credential.Date{Year: 1978}
	}},
	{name: "lunar day against a full date", origin: "deck: lunar dates", edit: func(d, r *idmatch.Identity) {
		d.BirthDate, r.BirthDate = credential.Date{Month: 5, Year: 1978}, credential.Date{Day: 18, Month: 5, Year: 1978}
	}, rules: []idmatch.Rule{idmatch.RuleLunarDate}},
	// ── accepted: birth place ──
	{name: "Issy-les-Moulineaux 75 before 1968, now 92", origin: "article: jujulec, « né à ISSY LES MOULINEAUX (92) la ville était à ma naissance en 75 »",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1960), born(1960), "92040", "75040"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Boulogne-Billancourt, old code on the document", origin: "article: « certaines villes parisiennes »",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1955), born(1955), "75012", "92012"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Montreuil 75 → 93", origin: "issue 14: 75 → 93",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1962), born(1962), "93048", "75048"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Créteil 75 → 94, born 1967 (last year before)", origin: "issue 14: 75 → 94",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1967), born(1967), "94028", "75028"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Massy, Seine-et-Oise 78 → 91", origin: "issue 14: 78/91/95 from Seine-et-Oise",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1958), born(1958), "91377", "78377"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Argenteuil, Seine-et-Oise 78 → 95", origin: "issue 14: 78/91/95 from Seine-et-Oise",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1961), born(1961), "95018", "78018"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Meudon, Seine-et-Oise 78400 → 92048 (number changed too)", origin: "issue 14: 78 → 92",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1950), born(1950), "92048", "78400"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Évry 1965: 78182, now part of Évry-Courcouronnes 91228", origin: "issue 14: Seine-et-Oise, then a merger",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1965), born(1965), "91228", "78182"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Ajaccio 20 → 2A", origin: "issue 14: 20 → 2A/2B for Corsica",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1970), born(1970), "2A004", "20004"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Bastia 20 → 2B, born 1975", origin: "issue 14: 20 → 2A/2B for Corsica",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1975), born(1975), "2B033", "20033"
		},
		rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "merger, undated: Rocquencourt in Le Chesnay-Rocquencourt", edit: func(d, r *idmatch.Identity) {
		d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(2001), born(2001), "78158", "78524"
	}, rules: []idmatch.Rule{idmatch.RuleHistoricalCode}},
	{name: "Paris 14e against Paris", origin: "issue 14: Paris", edit: func(d, r *idmatch.Identity) { d.BirthPlace, r.BirthPlace = "75114", "75056" },
		rules: []idmatch.Rule{idmatch.RuleArrondissement}},
	{name: "same old code on both sides", edit: func(d, r *idmatch.Identity) {
		d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1960), born(1960), "75040", "75040"
	}},
	{name: "born abroad, same country", edit: func(d, r *idmatch.Identity) {
		d.BirthCountry, d.BirthPlace, r.BirthCountry, r.BirthPlace = "99134", "", "", "99134"
	}, rules: []idmatch.Rule{idmatch.RuleAbroad}},

	// ── refused: names ──
	{name: "different composed first name", edit: func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean-Marie", "Jean-Marc" },
		cause: idmatch.ErrFirstName, field: idmatch.FieldFirstNames, reason: "« MARIE » et « MARC » ne sont pas le même prénom"},
	{name: "half of the composed first name", origin: "article: « j'ai un prénom composé et il en manquait la moitié »",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean-Marie, Paul", "Jean" },
		cause: idmatch.ErrFirstNameIncomplete, field: idmatch.FieldFirstNames, reason: "« Jean » n'est que le début du prénom « Jean-Marie »"},
	{name: "first half of a composed first name", origin: "article: « il en manquait la moitié »",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Marie-Christine", "Marie" },
		cause: idmatch.ErrFirstNameIncomplete, field: idmatch.FieldFirstNames, reason: "début du prénom « Marie-Christine »"},
	{name: "short cut is not a length cut", origin: "article: truncated first name",
		edit:  func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean-Marie", "Jean-Ma" },
		cause: idmatch.ErrFirstNameIncomplete, field: idmatch.FieldFirstNames, reason: "moins de 12 caractères"},
	{name: "shorter first name is another name", edit: func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jeanne, Marie", "Jean" },
		cause: idmatch.ErrFirstName, field: idmatch.FieldFirstNames, reason: "« JEANNE » et « JEAN » ne sont pas le même prénom"},
	{name: "cut inside a later composed first name", edit: func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean, Pierre-Paul", "Jean Pierre" },
		cause: idmatch.ErrFirstNameIncomplete, field: idmatch.FieldFirstNames, reason: "début du prénom « Pierre-Paul »"},
	{name: "extra first name in the record", edit: func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean", "Jean Paul" },
		cause: idmatch.ErrFirstNameExtra, field: idmatch.FieldFirstNames, reason: "connaît en plus « PAUL »"},
	{name: "first names in another order", edit: func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean, Paul", "Paul Jean" },
		cause: idmatch.ErrFirstNameOrder, field: idmatch.FieldFirstNames, reason: "dans un autre ordre"},
	{name: "second first name differs", edit: func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean, Paul", "Jean Pierre" },
		cause: idmatch.ErrFirstName, field: idmatch.FieldFirstNames, reason: "« PAUL » et « PIERRE »"},
	{name: "longer first name in the record", edit: func(d, r *idmatch.Identity) { d.FirstNames, r.FirstNames = "Jean", "Jeanne" },
		cause: idmatch.ErrFirstName, field: idmatch.FieldFirstNames, reason: "« JEAN » et « JEANNE »"},
	{name: "different birth name", edit: func(d, r *idmatch.Identity) { r.BirthName = "MARTINEZ" },
		cause: idmatch.ErrBirthName, field: idmatch.FieldBirthName, reason: "ce ne sont pas les mêmes noms"},
	{name: "usage name recorded as birth name", origin: "issue 14: usage name vs birth name",
		edit:  func(d, r *idmatch.Identity) { d.BirthName, d.UsageName, r.BirthName = "DURAND", "MARTIN", "MARTIN" },
		cause: idmatch.ErrUsageNameAsBirthName, field: idmatch.FieldBirthName, reason: "« MARTIN » est le nom d'usage porté sur votre pièce"},
	{name: "birth and usage names swapped in the record", origin: "issue 14: usage name vs birth name",
		edit:  func(d, r *idmatch.Identity) { d.BirthName, r.BirthName, r.UsageName = "DURAND", "MARTIN", "DURAND" },
		cause: idmatch.ErrUsageNameAsBirthName, field: idmatch.FieldBirthName, reason: "les deux sont inversés"},
	{name: "first names missing on the document", edit: func(d, r *idmatch.Identity) { d.FirstNames = " - " },
		cause: idmatch.ErrIncomplete, field: idmatch.FieldFirstNames, reason: "votre pièce d'identité ne l'indique pas"},
	{name: "birth place missing in the record", edit: func(d, r *idmatch.Identity) { r.BirthPlace = "" },
		cause: idmatch.ErrIncomplete, field: idmatch.FieldBirthPlace, reason: "l'Assurance Maladie ne le connaît pas"},
	// ── refused: sex and date ──
	{name: "different sex", edit: func(d, r *idmatch.Identity) { r.Sex = credential.SexFemale },
		cause: idmatch.ErrSex, field: idmatch.FieldSex, reason: "pas le même sexe"},
	{name: "birth date one day off", edit: func(d, r *idmatch.Identity) { r.BirthDate.Day++ },
		cause: idmatch.ErrBirthDate, field: idmatch.FieldBirthDate, reason: "pas les mêmes dates"},
	{name: "lunar date, other year", edit: func(d, r *idmatch.Identity) {
		d.BirthDate, r.BirthDate = credential.Date{Year: 1978}, credential.Date{Year: 1979}
	}, cause: idmatch.ErrBirthDate, field: idmatch.FieldBirthDate, reason: "pas les mêmes dates"},
	// ── refused: birth place ──
	{name: "different commune", edit: func(d, r *idmatch.Identity) { r.BirthPlace = "69266" },
		cause: idmatch.ErrBirthPlace, field: idmatch.FieldBirthPlace, reason: "ne désignent pas la même commune"},
	{name: "two Paris arrondissements", edit: func(d, r *idmatch.Identity) { d.BirthPlace, r.BirthPlace = "75114", "75115" },
		cause: idmatch.ErrBirthPlace, field: idmatch.FieldBirthPlace, reason: "ne désignent pas la même commune"},
	{name: "Paris arrondissement against Issy's old code", edit: func(d, r *idmatch.Identity) {
		d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1960), born(1960), "75114", "75040"
	}, cause: idmatch.ErrBirthPlace, field: idmatch.FieldBirthPlace, reason: "ne désignent pas la même commune"},
	{name: "Seine code for a birth in 1975", origin: "issue 14: 75 before 1968 only",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1975), born(1975), "92040", "75040"
		},
		cause: idmatch.ErrBirthPlaceCode, field: idmatch.FieldBirthPlace, reason: "le code 75040 ne désigne plus Issy-les-Moulineaux depuis le 1er janvier 1968"},
	{name: "Seine-et-Oise code for a birth in 1968 (first year after)", origin: "issue 14: 78 before 1968 only",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1968), born(1968), "95018", "78018"
		},
		cause: idmatch.ErrBirthPlaceCode, field: idmatch.FieldBirthPlace, reason: "depuis le 1er janvier 1968"},
	{name: "Corsican 20 code for a birth in 1980", origin: "issue 14: 20 before 1976 only",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1980), born(1980), "2A004", "20004"
		},
		cause: idmatch.ErrBirthPlaceCode, field: idmatch.FieldBirthPlace, reason: "division de la Corse en 1976"},
	{name: "Ajaccio's old code against Bastia", origin: "issue 14: 2A is not 2B",
		edit: func(d, r *idmatch.Identity) {
			d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1970), born(1970), "2B033", "20004"
		},
		cause: idmatch.ErrBirthPlace, field: idmatch.FieldBirthPlace, reason: "ne désignent pas la même commune"},
	{name: "Évry's old code against Massy", edit: func(d, r *idmatch.Identity) {
		d.BirthDate, r.BirthDate, d.BirthPlace, r.BirthPlace = born(1960), born(1960), "91377", "78182"
	}, cause: idmatch.ErrBirthPlace, field: idmatch.FieldBirthPlace, reason: "ne désignent pas la même commune"},
	{name: "France against abroad", edit: func(d, r *idmatch.Identity) { r.BirthPlace = "99134" },
		cause: idmatch.ErrBirthCountry, field: idmatch.FieldBirthPlace, reason: "naissance en France, l'autre à l'étranger"},
	{name: "two countries", edit: func(d, r *idmatch.Identity) { d.BirthCountry, d.BirthPlace, r.BirthPlace = "99134", "", "99109" },
		cause: idmatch.ErrBirthCountry, field: idmatch.FieldBirthPlace, reason: "pas les mêmes pays"},
}

// TestMatch runs every row: an accepted row must give exactly its rules; a
// refused row its cause (errors.Is, and no other cause), its field, its
// reason, both values in the person's message and neither in Error().
func TestMatch(t *testing.T) {
	causes := []*apcverr.Error{idmatch.ErrIncomplete, idmatch.ErrBirthName, idmatch.ErrUsageNameAsBirthName,
		idmatch.ErrFirstName, idmatch.ErrFirstNameIncomplete, idmatch.ErrFirstNameOrder, idmatch.ErrFirstNameExtra,
		idmatch.ErrSex, idmatch.ErrBirthDate, idmatch.ErrBirthPlace, idmatch.ErrBirthPlaceCode, idmatch.ErrBirthCountry}
	var accepted, refused int
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			doc, rec := base(), base()
			tc.edit(&doc, &rec)
			res, err := idmatch.Match(doc, rec)
			if tc.cause == nil {
				accepted++
				if err != nil {
					t.Fatalf("refused: %v: %s", err, apcverr.Message(err, apcverr.EN))
				}
				var got []idmatch.Rule
				for _, n := range res.Notes {
					got = append(got, n.Rule)
				}
				if strings.Join(rulesS(got), ",") != strings.Join(rulesS(tc.rules), ",") {
					t.Errorf("rules %v, want %v", got, tc.rules)
				}
				return
			}
			refused++
			if err == nil {
				t.Fatalf("accepted (%v), want %s", res.Notes, tc.cause.Code)
			}
			for _, c := range causes {
				if errors.Is(err, c) != (c == tc.cause) {
					t.Errorf("errors.Is(err, %s) = %v; err %v", c.Code, errors.Is(err, c), err)
				}
			}
			var me *idmatch.MismatchError
			if !errors.As(err, &me) {
				t.Fatalf("%T is not a *MismatchError", err)
			}
			if me.Field != tc.field {
				t.Errorf("field %s, want %s", me.Field, tc.field)
			}
			if !strings.Contains(me.ReasonFR, tc.reason) {
				t.Errorf("reason %q does not say %q", me.ReasonFR, tc.reason)
			}
			if me.ReasonEN == "" || me.ReasonEN == me.ReasonFR {
				t.Errorf("English reason %q", me.ReasonEN)
			}
			fr, en := apcverr.Message(err, apcverr.FR), apcverr.Message(err, apcverr.EN)
			for _, v := range []string{me.Document, me.Record} {
				if v != "" && (!strings.Contains(fr, v) || !strings.Contains(en, v)) {
					t.Errorf("message does not show %q:\n%s\n%s", v, fr, en)
				}
			}
			if !strings.Contains(fr, tc.cause.FR) || !strings.Contains(en, tc.cause.EN) {
				t.Errorf("message does not say what to do:\n%s", fr)
			}
			if apcverr.Code(err) != tc.cause.Code {
				t.Errorf("apcverr.Code = %s", apcverr.Code(err))
			}
			// No personal data in what may be logged.
			for _, s := range []string{err.Error(), me.LogValue().String()} {
				for _, v := range []string{doc.BirthName, rec.BirthName, doc.FirstNames, rec.FirstNames, doc.BirthPlace, rec.BirthPlace} {
					if v != "" && strings.Contains(s, v) {
						t.Errorf("%q shows %q", s, v)
					}
				}
			}
		})
	}
	if accepted < 20 || refused < 20 || accepted+refused < 40 {
		t.Errorf("%d accepted and %d refused rows: want at least 20 of each, 40 in all", accepted, refused)
	}
}

func rulesS(rs []idmatch.Rule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r))
	}
	return out
}

// TestSymmetricNames: a spelling difference accepted one way is accepted
// the other way (normalisation does not depend on the side).
func TestSymmetricNames(t *testing.T) {
	for _, p := range [][2]string{{"Jean-Marie", "Jean Marie"}, {"Hélène", "HELENE"}, {"Lætitia", "LAETITIA"}, {"D'Artagnan", "DARTAGNAN"}} {
		for _, q := range [][2]string{p, {p[1], p[0]}} {
			doc, rec := base(), base()
			doc.FirstNames, rec.FirstNames = q[0], q[1]
			if _, err := idmatch.Match(doc, rec); err != nil {
				t.Errorf("%q vs %q: %v", q[0], q[1], err)
			}
		}
	}
}

// TestLogValue: a refusal logged through slog shows the field and cause only.
func TestLogValue(t *testing.T) {
	doc, rec := base(), base()
	rec.FirstNames = "Jean-Marc"
	_, err := idmatch.Match(doc, rec)
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("activation refused", "err", err)
	if s := b.String(); strings.Contains(s, "Marc") || strings.Contains(s, "MARTIN") || !strings.Contains(s, "identity-first-name") {
		t.Errorf("log line %q", s)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Jean-Marie":            "JEAN MARIE",
		"  jean   marie ":       "JEAN MARIE",
		"Hélène-Françoise":      "HELENE FRANCOISE",
		"LŒUILLET":              "LOEUILLET",
		"cœur":                  "COEUR",
		"Lætitia":               "LAETITIA",
		"D’Artagnan":            "D ARTAGNAN",
		"Dupont--Durand":        "DUPONT DURAND",
		"Straße":                "STRASSE",
		"Øster":                 "OSTER",
		"Ñúñez":                 "NUNEZ",
		"E\u0301lodie":          "ELODIE", // decomposed é
		"Marie\u00A0Claire":     "MARIE CLAIRE",
		"-'.,":                  "",
		"ı":                     "I",
		"Jean\u2011Pierre":      "JEAN PIERRE", // non-breaking hyphen
		"\xffJean":              "\uFFFDJEAN",
		"Saint-Étienne-du-Bois": "SAINT ETIENNE DU BOIS",
	} {
		if got := idmatch.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := idmatch.Compact("D'Artagnan"); got != "DARTAGNAN" {
		t.Errorf("Compact = %q", got)
	}
}

// TestTable checks the embedded COG table against what the source is known
// to hold: the 80 communes of the Seine's suburbs, Corsica's 360 communes
// (and merged ones), and named rows.
func TestTable(t *testing.T) {
	count := map[idmatch.Nature]int{}
	for _, c := range idmatch.Table() {
		count[c.Nature]++
		if len(c.Code) != 5 || len(c.Current) != 5 || c.CurrentName == "" {
			t.Errorf("row %+v", c)
		}
		switch c.Nature {
		case idmatch.Seine1968, idmatch.SeineEtOise1968:
			if c.Until != 1968 {
				t.Errorf("row %+v: want 1968", c)
			}
		case idmatch.Corse1976:
			if c.Until != 1976 || !strings.HasPrefix(c.Code, "20") {
				t.Errorf("row %+v", c)
			}
		}
	}
	want := map[idmatch.Nature]int{idmatch.Seine1968: 80, idmatch.SeineEtOise1968: 427, idmatch.Corse1976: 366,
		idmatch.Arrondissement: 20, idmatch.Other: 15}
	for n, w := range want {
		if count[n] != w {
			t.Errorf("%d rows of %s, want %d", count[n], n, w)
		}
	}
	// The 1968 départements of the petite couronne had, at their creation,
	// 36 (92), 40 (93) and 47 (94) communes, taken from the Seine and the
	// Seine-et-Oise: every one of them has its former code in the table.
	created := map[string]int{}
	for _, c := range idmatch.Table() {
		if c.Until == 1968 {
			created[c.Current[:2]]++
		}
	}
	for dep, want := range map[string]int{"92": 36, "93": 40, "94": 47} {
		if created[dep] != want {
			t.Errorf("%d former codes now in %s, want %d", created[dep], dep, want)
		}
	}
	for code, want := range map[string]string{"75040": "92040", "75066": "93066", "75028": "94028", "78400": "92048",
		"78182": "91228", "78018": "95018", "20004": "2A004", "20033": "2B033", "75114": "75056"} {
		if c, ok := idmatch.LookupCode(code); !ok || c.Current != want {
			t.Errorf("LookupCode(%s) = %+v, %v; want current %s", code, c, ok, want)
		}
	}
	if _, ok := idmatch.LookupCode("92040"); ok {
		t.Error("a current code is in the table of former codes")
	}
}

func asMismatch(err error, me **idmatch.MismatchError) bool { return errors.As(err, me) }
