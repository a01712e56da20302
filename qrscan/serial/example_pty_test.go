//go:build linux || darwin

package serial_test

import (
	"context"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/qrscan/frame"
	"github.com/apcvkit/apcvkit/qrscan/serial"
)

// The pty example is built where serialpty has pseudo-terminals (Linux,
// macOS): its Output could not be printed elsewhere.

// An emulated scanner on a pty stands for /dev/ttyACM0.
func Example() {
	scanner, err := serialpty.Open(serialpty.Config{Baud: 115200, AIM: "]Q1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer scanner.Close()

	src, err := serial.Open(scanner.Path(), serial.Config{Frame: frame.Config{StripAIM: true}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()

	go scanner.Scan(context.Background(), "APCV1:NCFOXN%TS")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	scan, err := src.Next(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(scan.Symbology, scan.Text)
	// Output:
	// ]Q1 APCV1:NCFOXN%TS
}
