package hostile_test

import (
	"context"
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/emulator/hostile"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
)

// Read a phone that answers GET DATA with a data-less 61xx: the reader
// refuses it with a typed protocol error.
func Example() {
	w := testworld.New(1)
	for _, p := range hostile.Phones(nfc.ErrPhoneRemoved) {
		if p.Name != "get-data/data-less 61xx" {
			continue
		}
		card := p.Wrap(applet.New(&testworld.Wallet{W: w}, applet.Options{}))
		_, err := nfc.Read(context.Background(), card, w.Verifier(nil), nfc.Options{})
		fmt.Println(apcverr.Code(err))
	}
	// Output: nfc-protocol
}
