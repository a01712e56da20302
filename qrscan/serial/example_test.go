package serial_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/qrscan/serial"
)

// replay is a recorded scanner session: what the scanner sent, read once.
type replay struct{ io.Reader }

func (replay) Write(b []byte) (int, error) { return len(b), nil }
func (replay) Close() error                { return nil }

// New reads scans from any stream, here a recorded session: it runs on
// every system, Windows included, where there is no pty to stand for a
// port.
func ExampleNew() {
	src := serial.New(replay{strings.NewReader("APCV1:NCFOXN%TS\r")}, "replay", serial.Config{})
	defer src.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	scan, err := src.Next(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(scan.Source, scan.Text)
	// Output:
	// serial:replay APCV1:NCFOXN%TS
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
