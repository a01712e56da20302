package issuer_test

import (
	"errors"
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// The identity matching of an activation: the card of a person born in
// Issy-les-Moulineaux in 1960 gives today's code 92040, the INS keeps the
// Seine's 75040 — accepted; a card with another first name is refused with
// the reason.
func ExampleIssuer_MatchIdentity() {
	iss, err := issuer.New(issuer.Options{})
	if err != nil {
		panic(err)
	}
	profile, _ := phone.BuiltinProfile("ne-issy-1960-seine")
	if err := iss.Register(issuer.Person{Family: profile.Family, Departement: profile.Departement}); err != nil {
		panic(err)
	}
	nir := profile.OuvrantDroit().NIR
	card := idmatch.DocumentOf(profile.IdentityDocument(), 0)
	res, err := iss.MatchIdentity(nir, card)
	fmt.Println(err, res.Has(idmatch.RuleHistoricalCode))

	card.FirstNames = "Alan, Pierre"
	_, err = iss.MatchIdentity(nir, card)
	fmt.Println(errors.Is(err, idmatch.ErrFirstName), apcverr.Code(err))
	fmt.Println(apcverr.Message(err, apcverr.EN))
	// Output:
	// <nil> true
	// true identity-first-name
	// The first names "Alan, Pierre" on your identity document do not match "Alain Pierre" known to the health insurance: "ALAN" and "ALAIN" are not the same first name, even ignoring case, accents, hyphens and spaces. The first names differ. Ask your health-insurance fund to correct your first names, with a copy of your identity document, then activate again.
}
