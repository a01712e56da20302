package rights_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/apcvkit/apcvkit/credential/rights"
)

// FuzzRightsJSON: any JSON either fails with a field error or decodes to
// rights that are valid and survive a round trip through the JSON form.
func FuzzRightsJSON(f *testing.F) {
	for _, r := range rights.DeriveAll(family()) {
		b, _ := json.Marshal(rights.JSONOf(r))
		f.Add(b)
	}
	f.Add([]byte(`{"nir":"288023818506636","rang":1,"regime":"01","caisse":"381","centre":"3811","codeGestion":"10","periodes":[{"debut":"2016-01-01","nature":"AMO"}],"c2s":{"debut":"2026-04-01","fin":"2027-03-31","nature":"C2S"},"medecinTraitant":true}`))
	f.Add([]byte(`{"nir":"","periodes":[{"debut":"2016-00-00"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j rights.RightsJSON
		if json.Unmarshal(data, &j) != nil {
			return
		}
		r, err := j.Rights()
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("decoded rights do not validate: %v", err)
		}
		back, err := rights.JSONOf(r).Rights()
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip: %+v, %v\nwant %+v", back, err, r)
		}
	})
}

// FuzzWhoJSON: a decoded Who is valid and round-trips.
func FuzzWhoJSON(f *testing.F) {
	f.Add(`288023818506636`, `1988-02-29`, 1)
	f.Add(`2 88 02 38 185 066 36`, `1988-00-00`, 9)
	f.Add(`1850`, `x`, 0)
	f.Fuzz(func(t *testing.T, nir, date string, rang int) {
		w, err := rights.WhoJSON{NIR: nir, DateNaissance: date, Rang: rang}.Who()
		if err != nil {
			return
		}
		if err := w.Validate(); err != nil {
			t.Fatal(err)
		}
		if back, err := rights.WhoJSONOf(w).Who(); err != nil || back != w {
			t.Fatalf("round trip: %+v, %v", back, err)
		}
	})
}
