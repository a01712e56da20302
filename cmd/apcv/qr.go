package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
)

// defaultQRCode is the secret code `apcv qr` activates and unlocks with
// (emulator.DefaultCode).
const defaultQRCode = "482915"

func qrUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: apcv qr text     --profile NAME|FILE [--beneficiary N | --short] [--state DIR] [--code CODE]")
	fmt.Fprintln(w, "       apcv qr png      --profile NAME|FILE --out FILE [--beneficiary N | --short] [--module-px N] [--quiet-zone N] [--invert] [--state DIR]")
	fmt.Fprintln(w, "       apcv qr terminal --profile NAME|FILE [--beneficiary N | --short] [--quiet-zone N] [--invert] [--state DIR]")
	fmt.Fprintln(w, "\nShows the emulated phone's current QR code: its text (for `apcv verify -` or a scanner")
	fmt.Fprintln(w, "emulator), a PNG image, or half blocks in the terminal. Without --state each run is a new")
	fmt.Fprintln(w, "issuer and phone; with --state DIR the issuer (DIR/issuer) and the phone (DIR/phones) are")
	fmt.Fprintln(w, "kept, the app is activated once, and each run shows the next refresh counter.")
	fmt.Fprintln(w, "The code carries the whole family, or with --beneficiary N the person being seen only")
	fmt.Fprintln(w, "(N the index in the family, 0 the ouvrant droit; at most 600 characters for any family),")
	fmt.Fprintln(w, "or with --short the short online code (48 characters), which a reader resolves at the")
	fmt.Fprintln(w, "issuer's online service: it needs --state DIR, and the service is `apcv portal serve --state DIR/issuer`")
	fmt.Fprintln(w, "(both may run at once: processes sharing an issuer directory lock it for each change).")
}

// cmdQR implements `apcv qr text|png|terminal`.
func cmdQR(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		qrUsage(stderr)
		return exitUsage
	}
	mode := args[0]
	switch mode {
	case "text", "png", "terminal":
	case "-h", "--help", "help":
		qrUsage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "apcv qr: unknown mode %q\n", mode)
		qrUsage(stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("qr "+mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "", "built-in profile name (apcv emulate --list-profiles) or profile JSON file")
	state := fs.String("state", "", "keep the issuer and the phone in this directory across runs")
	code := fs.String("code", defaultQRCode, "the app's secret code (activation and unlock)")
	out := fs.String("out", "", "PNG file to write (png)")
	modulePx := fs.Int("module-px", qrimage.DefaultModulePx, "pixels per module (png)")
	quiet := fs.Int("quiet-zone", qrimage.DefaultQuietZone, "light border in modules, 0 for none (png, terminal)")
	invert := fs.Bool("invert", false, "light modules on dark (png), glyphs for light modules (terminal, dark background)")
	beneficiary := fs.Int("beneficiary", -1, "show the code of this beneficiary only (index in the family, 0 the ouvrant droit); -1 the whole family")
	short := fs.Bool("short", false, "show the short online code (needs --state: the issuer that resolves it)")
	fs.Usage = func() { qrUsage(stderr); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	switch {
	case fs.NArg() != 0:
		fmt.Fprintf(stderr, "apcv qr %s: unexpected argument %q\n", mode, fs.Arg(0))
		return exitUsage
	case *profile == "":
		fmt.Fprintf(stderr, "apcv qr %s: --profile is required\n", mode)
		return exitUsage
	case mode == "png" && *out == "":
		fmt.Fprintln(stderr, "apcv qr png: --out is required")
		return exitUsage
	case mode != "png" && *out != "":
		fmt.Fprintf(stderr, "apcv qr %s: --out is for png\n", mode)
		return exitUsage
	case *beneficiary < -1:
		fmt.Fprintf(stderr, "apcv qr %s: --beneficiary %d: want an index in the family, or -1 for the whole family\n", mode, *beneficiary)
		return exitUsage
	case *short && *beneficiary >= 0:
		fmt.Fprintf(stderr, "apcv qr %s: --short and --beneficiary: the short code carries no data, choose one\n", mode)
		return exitUsage
	case *short && *state == "":
		fmt.Fprintf(stderr, "apcv qr %s: --short needs --state DIR: a short code is resolved by the issuer kept there (apcv portal serve --state DIR/issuer)\n", mode)
		return exitUsage
	}
	opts := qrimage.Options{ModulePx: *modulePx, QuietZone: *quiet, Invert: *invert}
	if *quiet == 0 {
		opts.QuietZone = -1 // qrimage: 0 means the default, negative none
	} else if *quiet < 0 {
		fmt.Fprintf(stderr, "apcv qr %s: --quiet-zone %d: want 0 or more\n", mode, *quiet)
		return exitUsage
	}
	if *modulePx <= 0 {
		fmt.Fprintf(stderr, "apcv qr %s: --module-px %d: want 1 or more\n", mode, *modulePx)
		return exitUsage
	}

	ph, err := openQRPhone(*profile, *state, *code)
	if err != nil {
		return fail(stderr, "qr", err, exitFailure)
	}
	if err := ctx.Err(); err != nil {
		return fail(stderr, "qr", err, exitFailure)
	}
	choice := qrChoice(*beneficiary)
	if *short {
		choice = phone.QRChoice{Kind: phone.QRShort}
	}
	text, err := ph.PresentQRAs(choice)
	if err != nil {
		return fail(stderr, "qr", err, exitFailure)
	}
	switch mode {
	case "text":
		fmt.Fprintln(stdout, text)
	case "terminal":
		if _, err := qrimage.WriteTerminal(stdout, text, opts); err != nil {
			return qrImageFail(stderr, err)
		}
	case "png":
		sym, err := writePNGFile(*out, text, opts)
		if err != nil {
			return qrImageFail(stderr, err)
		}
		fmt.Fprintf(stdout, "qr: %s (version %d, level %s, %d characters, counter %d)\n", *out, sym.Version, sym.Level, len(text), ph.QRCounter())
	}
	return exitOK
}

// qrChoice is the code of --beneficiary: the whole family for -1.
func qrChoice(beneficiary int) phone.QRChoice {
	if beneficiary < 0 {
		return phone.QRChoice{Kind: phone.QRFamily}
	}
	return phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: beneficiary}
}

func qrImageFail(stderr io.Writer, err error) int {
	if errors.Is(err, qrimage.ErrBadOptions) {
		fmt.Fprintf(stderr, "apcv qr: %v\n", err)
		return exitUsage
	}
	return fail(stderr, "qr", err, exitFailure)
}

// writePNGFile writes the code of text to path, through a temporary file
// renamed into place, so that a viewer or scanner watching path never reads
// a half-written image.
func writePNGFile(path, text string, opts qrimage.Options) (qrimage.Symbol, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return qrimage.Symbol{}, err
	}
	sym, err := qrimage.WritePNG(f, text, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return qrimage.Symbol{}, err
	}
	return sym, nil
}

// openQRPhone returns the unlocked phone of profile (a built-in name or a
// JSON file). With stateDir the issuer and the phone are kept in
// stateDir/issuer and stateDir/phones (issuer.Open, phone.Open): the app is
// activated the first time only, and the QR counter goes on from run to run.
func openQRPhone(profile, stateDir, code string) (*phone.Phone, error) {
	prof, err := phone.LoadOrBuiltin(profile)
	if err != nil {
		return nil, err
	}
	var ph *phone.Phone
	if stateDir == "" {
		iss, err := issuer.New(issuer.Options{})
		if err != nil {
			return nil, err
		}
		if ph, err = phone.New(prof, phone.Options{Issuer: iss}); err != nil {
			return nil, err
		}
	} else {
		iss, err := issuer.Open(filepath.Join(stateDir, "issuer"), issuer.Options{})
		if err != nil {
			return nil, err
		}
		if ph, err = phone.Open(filepath.Join(stateDir, "phones"), prof, phone.Options{Issuer: iss}); err != nil {
			return nil, err
		}
	}
	if err := ph.ActivateOrUnlock(code); err != nil {
		return nil, err
	}
	return ph, nil
}
