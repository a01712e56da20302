// Command serial reads a verified identity from the QR code of the
// patient's app, scanned with a serial barcode scanner: an RS-232 scanner,
// or a USB scanner in "USB serial" (CDC-ACM) mode, as /dev/ttyACM0 or COM3.
//
//	go run ./examples/serial -lists DIR -port /dev/ttyACM0 [-baud 9600]
//
// DIR holds the list authority's key and the signed lists (see
// reader.DirLists). A refused scan (a product barcode, an expired QR code…)
// prints the message for the desk, and the example waits for the next scan.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	bugst "go.bug.st/serial"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/serial"
	"github.com/apcvkit/apcvkit/reader"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "serial: %v\n%s\n", err, reader.Message(err, apcverr.FR))
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serial", flag.ContinueOnError)
	dir := fs.String("lists", "", "lists directory (authority.pem, trust-list.cose, revocation-list.cose)")
	port := fs.String("port", "", "the scanner's serial port, e.g. /dev/ttyACM0 or COM3")
	baud := fs.Int("baud", 9600, "line rate of an RS-232 scanner (ignored over USB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *port == "" || fs.NArg() != 0 {
		return errors.New("usage: serial -lists DIR -port PATH [-baud N]")
	}

	lists := reader.DirLists(*dir)
	authority, err := lists.Authority()
	if err != nil {
		return err
	}
	scanner, err := serial.Open(*port, serial.Config{Mode: bugst.Mode{BaudRate: *baud}})
	if err != nil {
		return err // wraps serial.ErrNoScanner, ErrBusy or ErrPermission
	}
	r, err := reader.Open(ctx, reader.Config{
		Enabled:       true,
		ListAuthority: authority,
		Lists:         lists,
		QR:            []qrscan.Source{scanner},
	})
	if err != nil {
		scanner.Close()
		return err
	}
	defer r.Close() // closes the port too

	fmt.Fprintf(stdout, "Scannez le QR code de l'appli avec %s\n", scanner.Name())
	for {
		id, err := r.Read(ctx)
		if errors.Is(err, reader.ErrNoSource) || ctx.Err() != nil {
			return err // the scanner was unplugged, or we were interrupted
		}
		if err != nil { // a refused scan: say why, wait for the next one
			fmt.Fprintf(stdout, "Refusé : %s\n", reader.Message(err, apcverr.FR))
			continue
		}
		printIdentity(stdout, id)
		return nil
	}
}

// printIdentity prints the verified identity with masked NIRs.
func printIdentity(w io.Writer, id *reader.Identity) {
	fmt.Fprintf(w, "Identité vérifiée par %s (%s, émetteur %s)\n", id.Mode, id.Source, id.Verification.Issuer)
	for i, b := range id.Beneficiaires {
		role := "ayant droit  "
		if i == 0 {
			role = "ouvrant droit"
		}
		fmt.Fprintf(w, "  %s  %s  %s %s, né(e) le %s (%s)\n", role, b.NIR.Masked(), b.NomFamille, b.Prenoms,
			b.DateNaissance, b.Qualite)
	}
}
