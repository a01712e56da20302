//go:build cgo || windows

package pcsc_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// Reading needs pcscd and a reader: this example is compiled, not run. Under
// scripts/pcscd/with-pcscd.sh, with emulator/vpcd serving a phone, it reads
// it from "APCV Virtual PCD A 00 00".
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pcsc.NewContext()
	if err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR)) // pcscd not running…
		return
	}
	defer c.Close()
	c.OnEvent = func(e pcsc.Event) { fmt.Println(e.Kind, e.Reader) }
	reader, err := c.WaitForPhone(ctx, nil)
	if err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	card, err := c.Connect(ctx, reader)
	if err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	defer card.Close()
	apduCtx, cancelAPDU := context.WithTimeout(ctx, 2*time.Second) // PC/SC never times out a hung phone
	defer cancelAPDU()
	rsp, err := card.Transmit(apduCtx, []byte{0x00, 0xA4, 0x04, 0x00, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00})
	switch {
	case errors.Is(err, nfc.ErrPhoneRemoved), errors.Is(err, nfc.ErrPhoneTimeout):
		fmt.Println(apcverr.Message(err, apcverr.FR)) // ask the patient to tap again
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Printf("SW %X\n", rsp[len(rsp)-2:])
	}
}

func ExampleIsContactlessName() {
	for _, name := range []string{
		"ACS ACR122U PICC Interface 00 00",
		"HID Global OMNIKEY 5422 Smartcard Reader [OMNIKEY 5x2x CL] 01 00",
		"Gemalto PC Twin Reader 00 00",
	} {
		fmt.Println(pcsc.IsContactlessName(name), name)
	}
	// Output:
	// true ACS ACR122U PICC Interface 00 00
	// true HID Global OMNIKEY 5422 Smartcard Reader [OMNIKEY 5x2x CL] 01 00
	// false Gemalto PC Twin Reader 00 00
}

func ExampleIsContactlessATR() {
	fmt.Println(pcsc.IsContactlessATR([]byte{0x3B, 0x80, 0x80, 0x01, 0x01}))
	fmt.Println(pcsc.IsContactlessATR([]byte{0x3B, 0x65, 0x00, 0x00, 0x9C, 0x11, 0x01, 0x01, 0x03}))
	// Output:
	// true
	// false
}
