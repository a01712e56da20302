package pcsc_test

import (
	"context"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/reader"
)

// A PC/SC reader as a source of the reader facade. Reading needs pcscd and
// a reader with a phone on it: this example is compiled, not run. Under
// scripts/pcscd/with-pcscd.sh, with emulator/vpcd serving the emulated phone
// on "APCV Virtual PCD A 00 00", it prints the masked identity. The tests of
// package reader (pcsc_test.go) run the same path.
func ExampleOpenSource() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := emulator.New(emulator.Options{}) // stands for the lists of the real issuer
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := pcsc.OpenSource("APCV Virtual PCD A 00 00") // or "" for every contactless reader
	if err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR)) // pcscd not running…
		return
	}
	r, err := reader.Open(ctx, reader.Config{Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w,
		NFC: []nfc.Source{src}})
	if err != nil {
		src.Close()
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	defer r.Close() // closes src too
	for {
		id, err := r.Read(ctx) // one tap, one read
		if err != nil {
			fmt.Println(apcverr.Message(err, apcverr.FR)) // phone removed too early, app locked…: tap again
			if ctx.Err() != nil {
				return
			}
			continue
		}
		fmt.Println(id) // masked: "identity via NFC 1 ** ** …"
		id.Release()
		return
	}
}
