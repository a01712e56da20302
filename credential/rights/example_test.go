package rights_test

import (
	"encoding/json"
	"fmt"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
)

// The rights of a beneficiary in their wire form, then decoded back.
func Example() {
	fam := credential.Family{Beneficiaires: []credential.Beneficiary{{
		NIR: "288023818506636", DateNaissance: credential.Date{Year: 1988, Month: 2, Day: 29}, RangNaissance: 1,
		Organisme: credential.Organisme{Regime: "01", Caisse: "381", Centre: "3811"},
	}}}
	r := rights.Derive(fam, 0) // fictitious, the same on every run
	data, _ := json.Marshal(rights.JSONOf(r))
	fmt.Println(string(data))

	var j rights.RightsJSON
	_ = json.Unmarshal(data, &j)
	back, err := j.Rights()
	fmt.Println(err, back.OpenOn(credential.Date{Year: 2026, Month: 12, Day: 6}), back.MedecinTraitant)
	// Output:
	// {"nir":"288023818506636","rang":1,"regime":"01","caisse":"381","centre":"3811","codeGestion":"10","periodes":[{"debut":"2016-01-01","nature":"AMO"}],"medecinTraitant":false}
	// <nil> true false
}

// What a desk sends to POST /v2/rights.
func ExampleWhoJSONOf() {
	who := rights.Who{NIR: "288023818506636", DateNaissance: credential.Date{Year: 1988, Month: 2, Day: 29}, Rang: 1}
	data, _ := json.Marshal(rights.Request{Beneficiaires: []rights.WhoJSON{rights.WhoJSONOf(who)}})
	fmt.Println(string(data))
	fmt.Println(who) // masked
	// Output:
	// {"beneficiaires":[{"nir":"288023818506636","dateNaissance":"1988-02-29","rang":1}]}
	// 2 88 02 ** *** *** 36 rang 1
}
