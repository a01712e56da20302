package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/link"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
	"github.com/apcvkit/apcvkit/reader"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "famille-6-drome", "built-in emulator profile (see apcv emulate --list-profiles)")
	var out output
	out.flags(fs)
	showQR := fs.Bool("show-qr", false, "draw the QR code in the terminal")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv demo [--profile NAME] [--json] [--show-pii] [--show-qr]")
		fmt.Fprintln(stderr, "\nBuilds an issuer and an emulated phone (activated, unlocked), then reads it")
		fmt.Fprintln(stderr, "twice through the SDK facade: over NFC (ISO 14443-4 link model at 424 kbit/s)")
		fmt.Fprintln(stderr, "and over QR (the phone's QR rendered to a 1280x720 camera frame and decoded).")
		fmt.Fprintln(stderr, "Every identity printed was fully verified. No hardware is needed.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := runDemo(ctx, *profile, out, *showQR, stdout); err != nil {
		fmt.Fprintf(stderr, "apcv demo: %v\n  FR: %s\n  EN: %s\n", err, apcverr.Message(err, apcverr.FR), apcverr.Message(err, apcverr.EN))
		return exitFailure
	}
	return exitOK
}

func runDemo(ctx context.Context, profile string, out output, showQR bool, stdout io.Writer) error {
	w, err := emulator.New(emulator.Options{Profile: profile})
	if err != nil {
		return err
	}
	dev := w.Phone.Device()
	fmt.Fprintf(stdout, "Emulated phone: %s (%s %s), NFC %v, profile %s — activated and unlocked.\n\n",
		dev.Model, dev.OS, dev.Version, dev.HasNFC(), profile)

	// The desk: one contactless reader and one camera.
	desk := field.New("emulated contactless reader")
	qrText, err := w.Phone.PresentQR()
	if err != nil {
		return err
	}
	frame, err := qrimage.Frame(qrText, qrimage.Mild(1))
	if err != nil {
		return err
	}
	cam := camera.NewSource(camera.Images(frame), camera.SourceOptions{Logger: logger})
	r, err := reader.Open(ctx, reader.Config{
		Enabled:       true,
		ListAuthority: w.Issuer.ListAuthority(),
		Lists:         w,
		Groups:        credential.AllGroups,
		NFC:           []nfc.Source{desk},
		Receipts:      w,
		Logger:        logger,
	})
	if err != nil {
		return err
	}
	defer r.Close()

	// NFC, when the phone has it.
	if a, err := w.Applet(); err == nil {
		l := link.New(a, link.Config{BitRate: link.Rate424, Realtime: true, Logger: logger})
		if err := desk.Tap(l); err != nil {
			return err
		}
		start := time.Now()
		id, err := r.Read(ctx)
		if err != nil {
			return fmt.Errorf("NFC read: %w", err)
		}
		took := time.Since(start)
		if err := show(stdout, id, out); err != nil {
			return err
		}
		st := l.Stats()
		fmt.Fprintf(stdout, "  NFC: %d frames, %d bytes, airtime %s at 424 kbit/s, read+verify %s\n\n",
			st.Frames, st.Bytes, l.Airtime().Round(time.Millisecond), took.Round(time.Millisecond))
		rec := credential.Receipt{Beneficiary: 0, PSID: "10101010101", PSName: "Pharmacie de la Gare", AmountCents: 1250,
			Date: uint64(time.Now().Unix())}
		if err := r.PostReceipt(ctx, id, rec); err != nil {
			return fmt.Errorf("receipt: %w", err)
		}
		acts, err := w.Phone.Activities()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  Receipt written over NFC: the app's Activités now list %d expense(s).\n\n", len(acts))
	} else {
		fmt.Fprintf(stdout, "NFC: %s\n\n", apcverr.Message(err, apcverr.EN))
	}

	// QR: the camera source on a second reader (QR only).
	if showQR {
		if _, err := qrimage.WriteTerminal(stdout, qrText, qrimage.Options{ModulePx: 1}); err != nil {
			return err
		}
	}
	rq, err := reader.Open(ctx, reader.Config{
		Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w, QR: []qrscan.Source{cam}, Logger: logger,
	})
	if err != nil {
		return err
	}
	defer rq.Close()
	start := time.Now()
	id, err := rq.Read(ctx)
	if err != nil {
		return fmt.Errorf("QR read: %w", err)
	}
	took := time.Since(start)
	if err := show(stdout, id, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  QR: %d characters, camera frame 1280x720 to verified identity in %s\n",
		len(qrText), took.Round(time.Millisecond))
	return nil
}

// output says how identities are printed.
type output struct {
	json bool // JSON instead of text
	pii  bool // show personal data instead of masking them
}

func (o *output) flags(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print the identity as JSON")
	fs.BoolVar(&o.pii, "show-pii", false, "show personal data (NIR, names, birth dates); masked otherwise")
}

func show(w io.Writer, id *reader.Identity, o output) error {
	if o.json {
		return writeJSON(w, id, o.pii)
	}
	printIdentity(w, id, o.pii)
	return nil
}
