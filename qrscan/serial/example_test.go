package serial_test

import (
	"context"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/qrscan/frame"
	"github.com/apcvkit/apcvkit/qrscan/serial"
)

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

// OpenUSB finds a scanner by its USB ids; it needs the device plugged in.
func ExampleOpenUSB() {
	src, err := serial.OpenUSB(0x0C2E, 0, serial.Config{}) // any Honeywell scanner
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	scan, err := src.Next(context.Background())
	fmt.Println(scan.Text, err)
}

func ExamplePorts() {
	ports, err := serial.Ports()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ports {
		if p.Candidate {
			fmt.Printf("%s %04x:%04x %s\n", p.Name, p.VID, p.PID, p.Vendor.Name)
		}
	}
}
