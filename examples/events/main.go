// Command events is the event-driven shape of a desk application: the UI
// ranges over reader.Events and shows what happens (reader plugged or
// unplugged, phone detected, reading, identity, refusal with the message
// for the desk), while the billing side calls Read and PostReceipt.
//
//	go run ./examples/events [-lang en]
//
// The patient is emulated and scripted: the phone is first tapped with the
// app locked (refused: "enter your secret code"), then unlocked and tapped
// again (read); the expense is written back to the app's Activités; last,
// the contactless reader is unplugged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/reader"
)

// logOutput receives the logs of -v.
var logOutput io.Writer = os.Stderr

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "events: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	lang := fs.String("lang", "fr", "language of the desk messages: fr or en")
	verbose := fs.Bool("v", false, "log what the reader does to stderr (log/slog, debug level; never personal data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *lang != string(apcverr.FR) && *lang != string(apcverr.EN) {
		return fmt.Errorf("-lang %q: want fr or en", *lang)
	}

	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		return err
	}
	phone, err := w.Applet()
	if err != nil {
		return err
	}
	var logger *slog.Logger // nil: no logs
	if *verbose {
		logger = slog.New(slog.NewTextHandler(logOutput, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	contactless := field.New("desk")
	r, err := reader.Open(ctx, reader.Config{
		Enabled:       true,
		ListAuthority: w.Issuer.ListAuthority(),
		Lists:         w,
		NFC:           []nfc.Source{contactless},
		Receipts:      w, // receipts for QR identities go through the app's backend
		Logger:        logger,
	})
	if err != nil {
		return err
	}

	// The UI: one goroutine shows every event, until Close closes the channel.
	uiDone := make(chan struct{})
	go func() {
		defer close(uiDone)
		for e := range r.Events() {
			show(stdout, e, apcverr.Lang(*lang))
		}
	}()

	// The billing side, with a scripted patient.
	tap := func() error { return contactless.Tap(phone) }
	expenses, err := billing(ctx, r, tap, w)
	if err == nil {
		// The reader is unplugged: the source is gone and Read says so.
		contactless.Close()
		if _, err = r.Read(ctx); errors.Is(err, reader.ErrNoSource) {
			err = nil
		} else {
			err = fmt.Errorf("read after unplugging: got %v, want reader.ErrNoSource", err)
		}
	}
	r.Close()
	<-uiDone // every event was shown
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "The app's Activités list %d expense(s).\n", expenses)
	return nil
}

// billing reads the patient's identity, the first time with the app
// locked, and writes the expense back to the app. It returns the number of
// expenses the app then lists.
func billing(ctx context.Context, r *reader.Reader, tap func() error, w *emulator.World) (int, error) {
	w.Phone.Lock() // the app went to the background: it is locked
	if err := tap(); err != nil {
		return 0, err
	}
	if _, err := r.Read(ctx); !errors.Is(err, nfc.ErrAppLocked) {
		return 0, fmt.Errorf("read with the app locked: got %v, want nfc.ErrAppLocked", err)
	}

	// The desk showed the message; the patient enters the code and taps again.
	if err := w.Phone.Unlock(w.Code); err != nil {
		return 0, err
	}
	if err := tap(); err != nil {
		return 0, err
	}
	id, err := r.Read(ctx)
	if err != nil {
		return 0, err
	}

	// After billing: the expense shows in the app's Activités for 7 days.
	// Over NFC it is written while the phone is still on the reader.
	rec := credential.Receipt{Beneficiary: 0, PSID: "10101010101", PSName: "Cabinet du Dr Martin",
		AmountCents: 3000, Date: uint64(time.Now().Unix())}
	if err := r.PostReceipt(ctx, id, rec); err != nil {
		return 0, err
	}
	acts, err := w.Phone.Activities()
	return len(acts), err
}

// show prints one event as a desk UI would show it. Identities are shown
// with the ouvrant droit's NIR masked.
func show(w io.Writer, e reader.Event, lang apcverr.Lang) {
	source := e.Source
	if source == "" {
		source = "-"
	}
	switch e.Kind {
	case reader.IdentityRead:
		fmt.Fprintf(w, "%-14s  %-8s  ouvrant droit %s, family of %d\n", e.Kind, source,
			e.Identity.OuvrantDroit().NIR.Masked(), len(e.Identity.Beneficiaires))
	case reader.Error, reader.DeviceRemoved:
		fmt.Fprintf(w, "%-14s  %-8s  %s\n", e.Kind, source, reader.Message(e.Err, lang))
	default:
		fmt.Fprintf(w, "%-14s  %s\n", e.Kind, source)
	}
}
