package hid_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

// A wedge scanner set to French AZERTY types a code; the Source finds the
// layout by itself.
func ExampleNewSource_wedge() {
	text := "APCV1:" + strings.Repeat("6BFOXN*TS0BI$ZDFRH", 3)
	reports, _ := hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR})

	src := hid.NewSource(hid.NewReplay(reports, false), hid.Config{})
	defer src.Close()
	scan, err := src.Next(context.Background())
	fmt.Println(err, scan.Text == text, src.Layout())
	// Output: <nil> true fr
}

// A HID POS scanner sends a long code in 56-byte chunks.
func ExampleNewSource_pos() {
	text := "APCV1:" + strings.Repeat("6BFOXN*TS0BI$ZDFRH", 10)
	reports, _ := hidgen.POS(text, hidgen.POSOptions{Layout: hid.POSHoneywell})

	src := hid.NewSource(hid.NewReplay(reports, false), hid.Config{})
	defer src.Close()
	scan, err := src.Next(context.Background())
	fmt.Println(len(reports), "reports:", err, scan.Text == text, scan.Symbology)
	// Output: 4 reports: <nil> true ]Q1
}

// A QWERTY scanner on an AZERTY PC: forcing the PC's layout refuses the
// scan; auto-detection decodes it under the scanner's layout.
func ExampleNewSource_misconfiguredScanner() {
	text := "APCV1:6BFOXN*TS0BI$ZDFRH"
	reports, _ := hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.US})

	forced := hid.NewSource(hid.NewReplay(reports, false), hid.Config{Layouts: []*hid.Layout{hid.LayoutFR}})
	_, err := forced.Next(context.Background())
	fmt.Println(errors.Is(err, qrscan.ErrNotApCV))

	auto := hid.NewSource(hid.NewReplay(reports, false), hid.Config{})
	scan, _ := auto.Next(context.Background())
	fmt.Println(scan.Text, auto.Layout())
	// Output:
	// true
	// APCV1:6BFOXN*TS0BI$ZDFRH us
}
