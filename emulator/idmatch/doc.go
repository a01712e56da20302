// Package idmatch is the explained identity matching of the app's
// activation: it compares the civil status read from the identity document
// (video check, or France Identité's CNIe) with the one the health
// insurance holds, accepts the differences that the two files are known to
// have for one and the same person, and refuses anything else with the
// field, both values, the reason and what to do.
//
//	res, err := idmatch.Match(idmatch.DocumentOf(ec, sex), idmatch.RecordOf(ouvrantDroit))
//	// err: a *MismatchError; errors.Is(err, idmatch.ErrFirstName), apcverr.Message(err, apcverr.FR)
//
// # The rule
//
// Names are compared under Normalize: upper case, no diacritics (é, è, ë,
// ç…), ligatures spelt out (œ → OE, æ → AE, ß → SS), and hyphens,
// apostrophes, dots, commas and spaces all one separator.
//
// Birth name: equal once normalised and with the separators removed
// (Compact: "D'ARTAGNAN" = "DARTAGNAN", "DUPONT--DURAND" = "Dupont Durand").
// The usage name (nom d'usage) is never compared: it comes and goes with
// marriage, and documents carry it or not. When the birth names differ but
// one side's birth name is the other's usage name, the refusal says so
// (ErrUsageNameAsBirthName); otherwise ErrBirthName.
//
// First names: each side's first names are split at commas (or at spaces
// when there is no comma; a hyphen binds a composed first name), their
// apostrophes removed ("N'Golo" is "NGOLO") and normalised, so that
// "Jean-Marie" and "Jean Marie" are the same, and compared as one ordered
// list. Accepted: equal lists; a record that is the
// beginning of the document's list ending where one of the document's first
// names ends (the health insurance lacks the second or third first names:
// "Jean-Marie" for "Jean-Marie, Paul, Louis"); a record that is the
// beginning of the list but stops inside a first name when it still holds
// at least MinTruncatedLength (12) characters (cut by a field's length:
// "Marie-Christi" for "Marie-Christine"; the rule cannot tell such a cut
// from a shorter name, so "JEAN PIERRE MARC" for "Jean-Pierre, Marcel" is
// accepted too — the birth name, sex, birth date and place must still
// match). Refused: a shorter stop that keeps part of a composed first name
// ("Jean" or "Jean-Ma" for "Jean-Marie": ErrFirstNameIncomplete), a
// shorter stop inside a first name's first part ("Jean" for "Jeanne" is
// another first name: ErrFirstName), a first name the document does not
// carry (ErrFirstNameExtra), the same first
// names in another order (ErrFirstNameOrder), any other difference
// (ErrFirstName). The document is the reference: the record may lack, never
// add.
//
// Sex: equal when both sides hold it (ErrSex); not compared when one does
// not (the video path's état civil has no sex).
//
// Birth date: equal, or a lunar date (00 day or month) whose known parts
// agree with the other side in the same year (ErrBirthDate).
//
// Birth place: the countries must be the same (99100 for France,
// ErrBirthCountry); abroad, the commune is not compared. In France the two
// COG codes must designate the same commune, today or at the time of birth
// (ErrBirthPlace): a former code of a commune (the table, below) is its
// current code, and a Paris arrondissement (751xx) is the commune of Paris
// (75056) — two different arrondissements are not. A former code that
// changed on a date (the 1968 and 1976 reorganisations) designates the
// commune only for births before that date: a record that codes a 1975
// birth in Issy-les-Moulineaux 75040 (Seine until 1968) is refused with
// ErrBirthPlaceCode, while 75040 against 92040 for a 1960 birth is accepted
// — the case of the article, whose NIR keeps 75. (Two sides that give the
// same code agree, whatever it is.)
//
// # The table of historical codes
//
// data/cog-historique.csv lists every former code of the current communes
// of départements 75, 78, 91, 92, 93, 94, 95, 2A and 2B, and the
// arrondissements of Paris: the 1968 reorganisation of the Seine (75 → 75,
// 92, 93, 94) and of the Seine-et-Oise (78 → 78, 91, 92, 93, 94, 95), the
// 1976 division of Corsica (20 → 2A, 2B), and the mergers of communes in
// these départements (undated in the source: accepted whatever the birth
// date). It is extracted from INSEE's Code officiel géographique (Licence
// Ouverte / Etalab) as packaged by Etalab; data/README.md gives the source,
// the licence and how go generate rebuilds it. LookupCode and Table read it.
//
// Refusals are *MismatchError values: their Error text names the field and
// the cause only, never a name, so it may be logged; their Message gives
// the person both values and what to do, in French or English.
package idmatch
