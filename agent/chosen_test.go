package agent

import (
	"encoding/json"
	"testing"
)

// TestReadChosenBeneficiary: a phone showing one beneficiary's QR code is
// read with "selected", the body valid against docs/openapi.json and
// docs/schema/identity.schema.json (call checks it), masked or not.
func TestReadChosenBeneficiary(t *testing.T) {
	for _, tc := range []struct {
		beneficiary, selected, n int
	}{{0, 0, 1}, {2, 1, 2}, {5, 1, 2}} {
		b := tc.beneficiary
		a := newAgent(t, Config{Emulate: &Emulate{Profile: "famille-6-drome", Mode: "qr", Beneficiary: &b}}, Options{})
		srv := serve(t, a)
		for _, body := range []string{"", `{"masked":true}`} {
			an := call(t, srv, "POST", "/v1/read", a.opts.Token, nil, body)
			var id struct {
				Selected      *int             `json:"selected"`
				Beneficiaires []map[string]any `json:"beneficiaires"`
			}
			if err := json.Unmarshal(an.body, &id); err != nil || an.status != 200 {
				t.Fatalf("beneficiary %d: %d %s", b, an.status, an.body)
			}
			if id.Selected == nil || *id.Selected != tc.selected || len(id.Beneficiaires) != tc.n {
				t.Fatalf("beneficiary %d: %s", b, an.body)
			}
			if _, named := id.Beneficiaires[0]["nomFamille"]; named != (tc.selected == 0) {
				t.Errorf("beneficiary %d: ouvrant droit %v", b, id.Beneficiaires[0])
			}
		}
	}
}
