// Command image reads a verified identity from pictures of the QR code of
// the patient's app: screenshots, photos, or frames saved by a webcam.
//
//	go run ./examples/image -lists DIR photo.jpg [more.png ...]
//
// DIR holds the list authority's key and the signed lists (see
// reader.DirLists). The files are decoded in order; a picture of another QR
// code prints the message for the desk and the next file is tried. A QR
// code of the app is valid for 3 minutes after the phone drew it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
	"github.com/apcvkit/apcvkit/reader"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "image: %v\n%s\n", err, reader.Message(err, apcverr.FR))
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	dir := fs.String("lists", "", "lists directory (authority.pem, trust-list.cose, revocation-list.cose)")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if *dir == "" || len(files) == 0 {
		return errors.New("usage: image -lists DIR FILE [FILE ...]")
	}
	for _, f := range files { // a missing file is the caller's mistake, not a frame without a code
		if _, err := os.Stat(f); err != nil {
			return err
		}
	}

	lists := reader.DirLists(*dir)
	authority, err := lists.Authority()
	if err != nil {
		return err
	}
	// A still picture has no next frame: let the decoder try every strategy
	// (a live camera keeps the default 250 ms per frame).
	cam := camera.NewSource(camera.Files(files...), camera.SourceOptions{Decode: camera.DecodeOptions{Budget: -1}})
	r, err := reader.Open(ctx, reader.Config{
		Enabled:       true,
		ListAuthority: authority,
		Lists:         lists,
		QR:            []qrscan.Source{cam},
	})
	if err != nil {
		cam.Close()
		return err
	}
	defer r.Close() // closes the files source too

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	for {
		id, err := r.Read(ctx)
		if errors.Is(err, reader.ErrNoSource) || ctx.Err() != nil {
			return fmt.Errorf("no QR code of the app in %d file(s): %w", len(files), err)
		}
		if err != nil { // a refused code: say why, try the next file
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
