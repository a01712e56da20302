package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/apcvkit/apcvkit/qrscan/serial"
)

func cmdReaders(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("readers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv readers")
		fmt.Fprintln(stderr, "\nLists the PC/SC readers (contactless ones marked) and the serial ports that may hold a QR scanner.")
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return exitUsage
	}
	code := exitOK
	fmt.Fprintln(stdout, "PC/SC readers:")
	if err := listPCSC(stdout); err != nil {
		fmt.Fprintf(stdout, "  (none: %s)\n", withDesk(err))
	}
	fmt.Fprintln(stdout, "Serial ports:")
	ports, err := serial.Ports()
	if err != nil {
		fmt.Fprintf(stdout, "  (error: %s)\n", withDesk(err))
		code = exitFailure
	}
	if len(ports) == 0 && err == nil {
		fmt.Fprintln(stdout, "  (none)")
	}
	for _, p := range ports {
		mark := " "
		if p.Candidate {
			mark = "*"
		}
		if p.USB {
			fmt.Fprintf(stdout, " %s %s  USB %04x:%04x %s %s\n", mark, p.Name, p.VID, p.PID, p.Vendor.Name, p.Product)
		} else {
			fmt.Fprintf(stdout, " %s %s\n", mark, p.Name)
		}
	}
	return code
}
