//go:build usb

package usb_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan/hid"
	"github.com/apcvkit/apcvkit/qrscan/hid/usb"
)

// Opening a scanner and reading scans; here no device with these IDs is
// plugged in, so Open says so, with a message for the desk.
func ExampleOpen() {
	ctx := context.Background()
	dev, err := usb.Open(ctx, 0xFFFF, 0xFFFE, usb.Options{})
	if errors.Is(err, usb.ErrNotFound) {
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	src := hid.NewSource(dev, hid.Config{Name: "usb:ffff:fffe"})
	defer src.Close()
	scan, err := src.Next(ctx)
	fmt.Println(len(scan.Text), err)
	// Output: Aucun lecteur de QR code n'a été trouvé. Vérifiez qu'il est branché.
}
