// Command quickstart reads a verified identity from an emulated phone, in
// one process and without hardware: the smallest complete use of the SDK.
//
//	go run ./examples/quickstart [-profile famille-6-drome]
//
// The emulator builds an issuer (keys, signed trust and revocation lists)
// and the patient's phone, activated and unlocked. The desk's contactless
// reader is an in-memory NFC field; with a real reader, only the NFC source
// changes (see examples/pcsc).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/reader"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "quickstart: %v\n%s\n", err, reader.Message(err, apcverr.FR))
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	profile := fs.String("profile", "isere-solo", "built-in emulator profile")
	if err := fs.Parse(args); err != nil {
		return err
	}

	// The emulated world: the issuer and the patient's phone.
	w, err := emulator.New(emulator.Options{Profile: *profile})
	if err != nil {
		return err
	}
	phone, err := w.Applet() // the phone's contactless side (HCE applet)
	if err != nil {
		return err
	}
	desk := field.New("desk") // the desk's contactless reader, in memory

	// The heart of it: open a reader over the desk's devices, read one identity.
	r, err := reader.Open(ctx, reader.Config{
		Enabled:       true,                     // the "ApCV function" setting
		ListAuthority: w.Issuer.ListAuthority(), // the pinned key of the list authority
		Lists:         w,                        // the signed trust and revocation lists
		NFC:           []nfc.Source{desk},
	})
	if err != nil {
		return err
	}
	defer r.Close() // closes the sources too

	if err := desk.Tap(phone); err != nil { // the patient taps the phone on the reader
		return err
	}
	id, err := r.Read(ctx)
	if err != nil {
		return err // show reader.Message(err, apcverr.FR) at the desk
	}
	defer id.Release()

	// Every field of id was verified: issuer signature, validity, device
	// binding, freshness, revocation. The NIRs are printed masked here; the
	// billing software uses b.NIR itself, but never logs it.
	fmt.Fprintf(stdout, "Identité vérifiée par %s (%s, émetteur %s)\n", id.Mode, id.Source, id.Verification.Issuer)
	for i, b := range id.Beneficiaires {
		role := "ayant droit  "
		if i == 0 {
			role = "ouvrant droit"
		}
		fmt.Fprintf(stdout, "  %s  %s  %s %s, né(e) le %s (%s)\n", role, b.NIR.Masked(), b.NomFamille, b.Prenoms,
			b.DateNaissance, b.Qualite)
	}
	return nil
}
