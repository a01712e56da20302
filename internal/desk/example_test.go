package desk_test

import (
	"context"
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/internal/desk"
)

// A session over an emulated phone, configured by JSON as apcv_open and
// apcv agent --config are: the patient taps the phone at each Read.
func Example() {
	cfg, err := desk.ParseConfig([]byte(`{"emulate":{"profile":"famille-6-drome","mode":"nfc"},"groups":["AMO","INS"]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := desk.Open(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	id, err := s.Read(context.Background())
	if err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	fmt.Println(id.Mode, len(id.Beneficiaires), "bénéficiaires via", id.Source)
	err = s.PostReceipt(context.Background(), []byte(`{"beneficiary":0,"psId":"10101010101","psName":"Pharmacie de la Gare","amountCents":1250}`))
	fmt.Println("receipt:", err)
	// Output:
	// NFC 6 bénéficiaires via nfc:emulated
	// receipt: <nil>
}

// A refusal: the app is locked. The error crosses a process boundary as
// ErrorJSON: the stable code and the desk messages.
func Example_refused() {
	s, err := desk.Open(context.Background(), desk.Config{Emulate: &desk.Emulate{Locked: true}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	_, err = s.Read(context.Background())
	e := desk.ErrorOf(err)
	fmt.Println(e.Code)
	fmt.Println(e.MessageFR)
	// Output:
	// app-locked
	// L'appli carte Vitale est verrouillée. Demandez au patient de saisir son code secret, puis de présenter à nouveau le téléphone.
}
