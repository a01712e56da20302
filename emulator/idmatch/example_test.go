package idmatch_test

import (
	"errors"
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
)

// A CNIe read through France Identité against the health insurance's
// record: composed first name hyphenated on one side, spaced on the other,
// second first name missing, and a birth in Issy-les-Moulineaux in 1960,
// when it was coded 75040 (Seine); today it is 92040.
func ExampleMatch() {
	doc := idmatch.Identity{BirthName: "LEFÈVRE", FirstNames: "Jean-Marie, Paul", Sex: credential.SexMale,
		BirthDate: credential.Date{Day: 14, Month: 3, Year: 1960}, BirthCountry: "99100", BirthPlace: "92040"}
	rec := idmatch.Identity{BirthName: "LEFEVRE", FirstNames: "JEAN MARIE", Sex: credential.SexMale,
		BirthDate: credential.Date{Day: 14, Month: 3, Year: 1960}, BirthPlace: "75040"}
	res, err := idmatch.Match(doc, rec)
	fmt.Println(err)
	for _, n := range res.Notes {
		fmt.Println(n.Field, n.Rule)
	}

	// The same record, with only half of the composed first name.
	rec.FirstNames = "Jean"
	_, err = idmatch.Match(doc, rec)
	fmt.Println(err, errors.Is(err, idmatch.ErrFirstNameIncomplete))
	fmt.Println(apcverr.Message(err, apcverr.FR))
	// Output:
	// <nil>
	// birth-name case-accents
	// first-names missing-first-names
	// birth-place historical-code
	// idmatch: first-names: identity-first-name-incomplete true
	// Les prénoms « Jean-Marie, Paul » de votre pièce d'identité ne correspondent pas à « Jean » connu de l'Assurance Maladie : « Jean » n'est que le début du prénom « Jean-Marie », et trop court (moins de 12 caractères) pour avoir été coupé par la longueur d'un champ. L'Assurance Maladie ne connaît qu'une partie d'un prénom composé. Demandez à votre caisse d'assurance maladie d'enregistrer le prénom entier, avec une copie de votre pièce d'identité, puis recommencez l'activation.
}
