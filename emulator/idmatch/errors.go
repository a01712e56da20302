package idmatch

import (
	"fmt"
	"log/slog"

	"github.com/apcvkit/apcvkit/apcverr"
)

// Causes of refusal, one per rule the identity can break. Every refusal
// Match returns is a *MismatchError that unwraps to exactly one of them:
// compare with errors.Is, show with apcverr.Message (which gives the
// MismatchError's full sentence, naming the two values). Their own text says
// what the person can do about it.
var (
	ErrIncomplete = apcverr.New("identity-incomplete",
		"A field of the civil status is missing on one side (name, first names, birth date or birth place). Check the identity document, or ask your health-insurance fund to complete its record.",
		"Une donnée d'état civil manque d'un côté (nom, prénoms, date ou lieu de naissance). Vérifiez votre pièce d'identité, ou demandez à votre caisse d'assurance maladie de compléter votre dossier.")
	ErrBirthName = apcverr.New("identity-birth-name",
		"The birth names differ. Ask your health-insurance fund to correct your birth name, with a copy of your identity document, then activate again.",
		"Les noms de naissance diffèrent. Demandez à votre caisse d'assurance maladie de corriger votre nom de naissance, avec une copie de votre pièce d'identité, puis recommencez l'activation.")
	ErrUsageNameAsBirthName = apcverr.New("identity-usage-name",
		"The health insurance holds your usage name (such as a spouse's name) as your birth name. Ask your health-insurance fund to record your birth name as on your identity document, then activate again.",
		"L'Assurance Maladie a enregistré votre nom d'usage (par exemple le nom de votre conjoint) comme nom de naissance. Demandez à votre caisse d'enregistrer votre nom de naissance tel qu'il figure sur votre pièce d'identité, puis recommencez l'activation.")
	ErrFirstName = apcverr.New("identity-first-name",
		"The first names differ. Ask your health-insurance fund to correct your first names, with a copy of your identity document, then activate again.",
		"Les prénoms diffèrent. Demandez à votre caisse d'assurance maladie de corriger vos prénoms, avec une copie de votre pièce d'identité, puis recommencez l'activation.")
	ErrFirstNameIncomplete = apcverr.New("identity-first-name-incomplete",
		"The health insurance holds only part of a composed first name. Ask your health-insurance fund to record the whole first name, with a copy of your identity document, then activate again.",
		"L'Assurance Maladie ne connaît qu'une partie d'un prénom composé. Demandez à votre caisse d'assurance maladie d'enregistrer le prénom entier, avec une copie de votre pièce d'identité, puis recommencez l'activation.")
	ErrFirstNameOrder = apcverr.New("identity-first-name-order",
		"The first names are the same but not in the same order: the order of the birth certificate counts. Ask your health-insurance fund to correct the order, then activate again.",
		"Les prénoms sont les mêmes mais pas dans le même ordre : l'ordre de l'acte de naissance compte. Demandez à votre caisse d'assurance maladie de corriger l'ordre, puis recommencez l'activation.")
	ErrFirstNameExtra = apcverr.New("identity-first-name-extra",
		"The health insurance holds a first name that your identity document does not carry. Ask your health-insurance fund to correct your first names, with a copy of your identity document, then activate again.",
		"L'Assurance Maladie connaît un prénom que votre pièce d'identité ne porte pas. Demandez à votre caisse d'assurance maladie de corriger vos prénoms, avec une copie de votre pièce d'identité, puis recommencez l'activation.")
	ErrSex = apcverr.New("identity-sex",
		"The sex differs. Ask your health-insurance fund to check your record, then activate again.",
		"Le sexe diffère. Demandez à votre caisse d'assurance maladie de vérifier votre dossier, puis recommencez l'activation.")
	ErrBirthDate = apcverr.New("identity-birth-date",
		"The birth dates differ. Ask your health-insurance fund to correct your birth date, with a copy of your identity document, then activate again.",
		"Les dates de naissance diffèrent. Demandez à votre caisse d'assurance maladie de corriger votre date de naissance, avec une copie de votre pièce d'identité, puis recommencez l'activation.")
	ErrBirthPlace = apcverr.New("identity-birth-place",
		"The birth places differ, even taking into account the changes of commune and département codes. Ask your health-insurance fund to correct your birth place, with a copy of your identity document, then activate again.",
		"Les lieux de naissance diffèrent, même en tenant compte des changements de code de commune et de département. Demandez à votre caisse d'assurance maladie de corriger votre lieu de naissance, avec une copie de votre pièce d'identité, puis recommencez l'activation.")
	ErrBirthPlaceCode = apcverr.New("identity-birth-place-code",
		"The birth place is recorded under a code that no longer designated it on the birth date. Ask your health-insurance fund to correct the birth-place code, then activate again.",
		"Le lieu de naissance est enregistré sous un code qui ne le désignait plus à la date de naissance. Demandez à votre caisse d'assurance maladie de corriger le code du lieu de naissance, puis recommencez l'activation.")
	ErrBirthCountry = apcverr.New("identity-birth-country",
		"The birth countries differ. Ask your health-insurance fund to correct your birth country, with a copy of your identity document, then activate again.",
		"Les pays de naissance diffèrent. Demandez à votre caisse d'assurance maladie de corriger votre pays de naissance, avec une copie de votre pièce d'identité, puis recommencez l'activation.")
)

// Field is one compared field of the civil status.
type Field string

// The compared fields, in the order Match checks them.
const (
	FieldBirthName  Field = "birth-name"
	FieldFirstNames Field = "first-names"
	FieldSex        Field = "sex"
	FieldBirthDate  Field = "birth-date"
	FieldBirthPlace Field = "birth-place"
)

// labels of a field in a sentence: the French label, whether the value is
// feminine (for "connu"/"connue"), and the English label.
var labels = map[Field]struct {
	fr       string
	feminine bool
	en       string
}{
	FieldBirthName:  {"Le nom de naissance", false, "The birth name"},
	FieldFirstNames: {"Le prénom", false, "The first name"},
	FieldSex:        {"Le sexe", false, "The sex"},
	FieldBirthDate:  {"La date de naissance", true, "The birth date"},
	FieldBirthPlace: {"Le lieu de naissance", false, "The birth place"},
}

// MismatchError is a refusal: which field, which rule (Cause), both values
// and why. Its Error text names the field and the cause only, never the
// values, so that it may be logged; Message gives the person the full
// sentence with both values (personal data, for their own screen).
type MismatchError struct {
	Field    Field
	Cause    *apcverr.Error // one of the Err… variables of this package
	Document string         // the value on the identity document, as written there
	Record   string         // the value the health insurance holds, as written there
	// Reason explains the refusal in each language (one sentence, without
	// the action, which is the Cause's text).
	ReasonFR, ReasonEN string
}

func (e *MismatchError) Error() string {
	return "idmatch: " + string(e.Field) + ": " + e.Cause.Code
}

// Unwrap returns the cause.
func (e *MismatchError) Unwrap() error { return e.Cause }

// Message is the sentence shown to the person: both values, the reason and
// what to do, such as « Le prénom « Jean-Marie » de votre pièce d'identité
// ne correspond pas à « Jean-Marc » connu de l'Assurance Maladie : … ».
func (e *MismatchError) Message(lang apcverr.Lang) string {
	l := labels[e.Field]
	// Several first names: « Les prénoms … ne correspondent pas », and
	// « connus » when the record holds several.
	plural := e.Field == FieldFirstNames && len(givenNames(e.Document)) > 1
	if lang == apcverr.FR {
		label, verb, known := l.fr, "correspond", "connu"
		if plural {
			label, verb = "Les prénoms", "correspondent"
		}
		switch {
		case e.Field == FieldFirstNames && len(givenNames(e.Record)) > 1:
			known = "connus"
		case l.feminine:
			known = "connue"
		}
		doc, rec := orNone(e.Document, "(absent)"), orNone(e.Record, "(absent)")
		return fmt.Sprintf("%s « %s » de votre pièce d'identité ne %s pas à « %s » %s de l'Assurance Maladie : %s %s",
			label, doc, verb, rec, known, e.ReasonFR, e.Cause.FR)
	}
	label, verb := l.en, "does"
	if plural {
		label, verb = "The first names", "do"
	}
	doc, rec := orNone(e.Document, "(none)"), orNone(e.Record, "(none)")
	return fmt.Sprintf("%s %q on your identity document %s not match %q known to the health insurance: %s %s",
		label, doc, verb, rec, e.ReasonEN, e.Cause.EN)
}

// LogValue makes log/slog print the field and the cause only.
func (e *MismatchError) LogValue() slog.Value {
	return slog.GroupValue(slog.String("field", string(e.Field)), slog.String("cause", e.Cause.Code))
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func mismatch(f Field, cause *apcverr.Error, doc, rec, fr, en string) *MismatchError {
	return &MismatchError{Field: f, Cause: cause, Document: doc, Record: rec, ReasonFR: fr, ReasonEN: en}
}
