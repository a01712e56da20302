// Command pcsc reads a verified identity from a phone laid on a PC/SC
// contactless reader (any reader pcscd knows: ACS ACR1252U, Identiv uTrust,
// HID Omnikey 5022…, or the emulator's virtual one).
//
//	go run ./examples/pcsc -lists DIR [-reader NAME]
//
// DIR holds the list authority's key and the signed trust and revocation
// lists (see reader.DirLists; `apcv emulate --lists-out DIR` writes one for
// the emulator). A refused presentation (app locked, revoked…) prints the
// message for the desk, and the example waits for the next tap.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/reader"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "pcsc: %v\n%s\n", err, reader.Message(err, apcverr.FR))
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pcsc", flag.ContinueOnError)
	dir := fs.String("lists", "", "lists directory (authority.pem, trust-list.cose, revocation-list.cose)")
	name := fs.String("reader", "", `PC/SC reader name; "" reads every contactless reader`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() != 0 {
		return errors.New("usage: pcsc -lists DIR [-reader NAME]")
	}

	lists := reader.DirLists(*dir)
	authority, err := lists.Authority()
	if err != nil {
		return err
	}
	contactless, err := pcsc.OpenSource(*name)
	if err != nil {
		return err
	}
	r, err := reader.Open(ctx, reader.Config{
		Enabled:       true,
		ListAuthority: authority,
		Lists:         lists,
		NFC:           []nfc.Source{contactless},
	})
	if err != nil {
		contactless.Close()
		return err
	}
	defer r.Close() // closes the PC/SC source too

	fmt.Fprintf(stdout, "Présentez le téléphone sur %s\n", contactless.Name())
	for {
		id, err := r.Read(ctx)
		if errors.Is(err, reader.ErrNoSource) || ctx.Err() != nil {
			return err // the reader is gone (unplugged, unknown), or we were interrupted
		}
		if err != nil { // a refused presentation: say why, wait for the next one
			fmt.Fprintf(stdout, "Refusé : %s\n", reader.Message(err, apcverr.FR))
			continue
		}
		printIdentity(stdout, id)
		id.Release() // no receipt here: let the phone go
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
