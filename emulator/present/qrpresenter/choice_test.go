package qrpresenter_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/present/qrpresenter"
)

// A presenter set to one beneficiary shows that person's code at every
// refresh: chosen, the same person, a new counter.
func TestPresenterChoice(t *testing.T) {
	e := newEnv(t, "famille-6-drome", phone.Options{})
	p := qrpresenter.New(e.ph, qrpresenter.Options{Clock: e.fc, Choice: phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: 3}})
	want := e.ph.Profile().Family.Beneficiaires[3].NIR
	v := e.verifier(t)
	var last uint32
	for i := range 2 {
		text, err := p.Current()
		if err != nil {
			t.Fatal(err)
		}
		pr, err := v.VerifyQR(text)
		if err != nil {
			t.Fatal(err)
		}
		if !pr.Chosen || pr.Family.Beneficiaires[pr.Selected].NIR != want || pr.Counter <= last {
			t.Fatalf("refresh %d: chosen %v, selected %d, counter %d after %d", i, pr.Chosen, pr.Selected, pr.Counter, last)
		}
		last = pr.Counter
		e.fc.Advance(p.Every())
	}
}
