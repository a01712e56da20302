package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
	"github.com/apcvkit/apcvkit/qrscan/hid"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/emulator/scenario"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
)

// ptyNote ends the help of --serial-pty where pseudo-terminals are missing.
var ptyNote = func() string {
	if serialpty.Supported {
		return ""
	}
	return " (Linux and macOS only: unavailable on this system)"
}()

func cmdEmulate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("emulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "famille-6-drome", "built-in profile name or profile JSON file")
	state := fs.String("state", "", "keep the issuer and the phone in this directory across restarts")
	noNFC := fs.Bool("no-nfc", false, "turn the phone's NFC off: QR only, as an iPhone")
	list := fs.Bool("list-profiles", false, "list the built-in profiles and exit")
	listsOut := fs.String("lists-out", "", "write the list authority key and the signed lists to this directory (for apcv read/verify --lists)")
	vpcdAddr := fs.String("vpcd", "", "serve the phone as a virtual card to pcscd's vpcd driver at this address (e.g. 127.0.0.1:35963)")
	pty := fs.Bool("serial-pty", false, "emulate a serial QR scanner on a pty and print its path"+ptyNote)
	baud := fs.Int("baud", 9600, "serial scanner line rate (with --serial-pty)")
	every := fs.Duration("scan-every", 20*time.Second, "how often the emulated scanner reads a fresh QR (with --serial-pty)")
	png := fs.String("qr-png", "", "write the phone's current QR code as a PNG to this file")
	qrTextOut := fs.String("qr-text", "", "write the phone's current QR text to this file (the same presentation as --qr-png)")
	term := fs.Bool("qr-terminal", false, "draw the phone's current QR code in the terminal")
	short := fs.Bool("short", false, "the QR codes are the short online code (needs --state DIR: apcv portal serve --state DIR/issuer resolves them)")
	beneficiary := fs.Int("beneficiary", -1, "the QR codes (--qr-png, --qr-text, --qr-terminal, --hid-out, --serial-pty) carry this beneficiary only (index in the family, 0 the ouvrant droit); -1 the whole family")
	locked := fs.Bool("locked", false, "leave the app locked (readers get 'enter your secret code')")
	hidOut := fs.String("hid-out", "", "write the USB-HID report stream a scanner would send for the phone's QR (for apcv read --hid-replay)")
	hidLayout := fs.String("hid-layout", "fr", "report stream kind with --hid-out: fr or us (keyboard wedge), pos-honeywell or pos-standard (HID POS)")
	offsetFlag := fs.String("clock-offset", "0s", "run the emulated world this far ahead of the real time (-30d behind): 48h, 91d, 7d1h, -10m")
	advanceFlag := fs.String("advance", "0s", "activate the phone this long before the world's now, then let the time pass (91d: a credential that desks find expired now; the app is not opened online meanwhile)")
	scen := fs.String("scenario", "", "build the world by running this scenario (a file or a shipped NAME, see apcv scenario list) and serve its last phone as the scenario leaves it (revoked, lapsed, rejected, re-issued…); its virtual time ends at the world's now")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv emulate [--profile NAME|FILE | --scenario FILE|NAME] [--state DIR] [--clock-offset D] [--advance D] [--no-nfc] [--lists-out DIR] [--vpcd ADDR] [--serial-pty] [--qr-png FILE] [--qr-text FILE] [--qr-terminal] [--beneficiary N | --short] [--hid-out FILE]")
		fmt.Fprintln(stderr, "\nRuns an issuer and an activated, unlocked emulated phone on a virtual clock (the real time")
		fmt.Fprintln(stderr, "shifted by --clock-offset; --advance activates the phone that long before and lets the time")
		fmt.Fprintln(stderr, "pass; --scenario builds the world with a scenario). With --vpcd or --serial-pty it")
		fmt.Fprintln(stderr, "serves until interrupted. vpcd listens on all interfaces and authenticates nobody:")
		fmt.Fprintln(stderr, "keep it on loopback or firewall its port.")
		if !serialpty.Supported {
			fmt.Fprintln(stderr, "\n--serial-pty needs a pseudo-terminal (Linux or macOS); it is unavailable on this system.")
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return exitUsage
	}
	if *beneficiary < -1 {
		fmt.Fprintf(stderr, "apcv emulate: --beneficiary %d: want an index in the family, or -1 for the whole family\n", *beneficiary)
		return exitUsage
	}
	choice := qrChoice(*beneficiary)
	switch {
	case *short && *beneficiary >= 0:
		fmt.Fprintln(stderr, "apcv emulate: --short and --beneficiary: the short code carries no data, choose one")
		return exitUsage
	case *short && *state == "":
		fmt.Fprintln(stderr, "apcv emulate: --short needs --state DIR: a short code is resolved by the issuer kept there (apcv portal serve --state DIR/issuer)")
		return exitUsage
	case *short:
		choice = phone.QRChoice{Kind: phone.QRShort}
	}
	if *pty && !serialpty.Supported {
		fmt.Fprintf(stderr, "apcv emulate: --serial-pty needs a pseudo-terminal (Linux or macOS): %s has none (%v)\n", runtime.GOOS, serialpty.ErrUnsupported)
		return exitUsage
	}
	if *list {
		for _, n := range phone.Profiles() {
			fmt.Fprintln(stdout, n)
		}
		return exitOK
	}
	offset, err := scenario.ParseDuration(*offsetFlag)
	if err != nil {
		fmt.Fprintf(stderr, "apcv emulate: --clock-offset: %v\n", err)
		return exitUsage
	}
	adv, err := scenario.ParseDuration(*advanceFlag)
	if err != nil || adv < 0 {
		fmt.Fprintf(stderr, "apcv emulate: --advance %q: want a duration of 0 or more (48h, 91d, 7d1h)\n", *advanceFlag)
		return exitUsage
	}
	if adv > 0 && *state != "" {
		if _, err := os.Stat(filepath.Join(*state, "issuer")); err == nil {
			fmt.Fprintf(stderr, "apcv emulate: --advance activates a new phone in the past: %s already holds a world (move it in time with --clock-offset)\n", *state)
			return exitUsage
		}
	}
	var w *emulator.World
	if *scen != "" {
		if *state != "" {
			fmt.Fprintln(stderr, "apcv emulate: --scenario builds its world in memory: it cannot be used with --state")
			return exitUsage
		}
		sw, code := scenarioWorld(ctx, *scen, offset-adv, stdout, stderr)
		if sw == nil {
			return code
		}
		defer sw.Close()
		ph, name := sw.Current()
		w = &emulator.World{Issuer: sw.Issuer, Phone: ph, Clock: sw.Clock, Code: sw.Code(name)}
		*profile = ph.Profile().Name
	} else {
		clk := clock.NewOffset(offset - adv)
		w, err = emulator.New(emulator.Options{Profile: *profile, StateDir: *state, NoNFC: *noNFC, Clock: clk})
		if err != nil {
			return fail(stderr, "emulate", err, exitFailure)
		}
	}
	if adv > 0 {
		w.Clock.(*clock.Offset).Advance(adv)
		if !*locked && w.Phone.State().Active() { // the user types the code again
			if err := w.Phone.Unlock(w.Code); err != nil {
				return fail(stderr, "emulate", err, exitFailure)
			}
		}
	}
	if *locked {
		w.Phone.Lock()
	}
	dev := w.Phone.Device()
	fmt.Fprintf(stdout, "phone: %s (%s %s), NFC %v, profile %s, state %s\n", dev.Model, dev.OS, dev.Version, w.Phone.CheckNFC() == nil, *profile, w.Phone.State())
	if offset != 0 || adv != 0 || *scen != "" {
		updated := "never"
		if at, ok := w.Phone.UpdatedAt(); ok {
			updated = at.UTC().Format(time.DateTime)
		}
		fmt.Fprintf(stdout, "clock: %s (offset %v from the real time), data updated %s\n", w.Clock.Now().UTC().Format(time.DateTime), offset, updated)
	}
	if *listsOut != "" {
		if err := w.WriteLists(ctx, *listsOut); err != nil {
			return fail(stderr, "emulate", err, exitFailure)
		}
		fmt.Fprintf(stdout, "lists: %s\n", *listsOut)
	}
	if *png != "" || *term || *qrTextOut != "" {
		// One presentation for the PNG, the terminal and the text file: the
		// PNG must decode to the text written next to it (each PresentQR
		// advances the phone's counter).
		text, err := w.Phone.PresentQRAs(choice)
		if err != nil {
			return fail(stderr, "emulate", err, exitFailure)
		}
		if *png != "" {
			f, err := os.Create(*png)
			if err != nil {
				return fail(stderr, "emulate", err, exitFailure)
			}
			sym, err := qrimage.WritePNG(f, text, qrimage.Options{})
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fail(stderr, "emulate", err, exitFailure)
			}
			fmt.Fprintf(stdout, "qr: %s (version %d, %d characters)\n", *png, sym.Version, len(text))
		}
		if *term {
			if _, err := qrimage.WriteTerminal(stdout, text, qrimage.Options{ModulePx: 1}); err != nil {
				return fail(stderr, "emulate", err, exitFailure)
			}
		}
		if *qrTextOut != "" {
			if err := os.WriteFile(*qrTextOut, []byte(text+"\n"), 0o600); err != nil {
				return fail(stderr, "emulate", err, exitFailure)
			}
			fmt.Fprintf(stdout, "qr text: %s (%d characters)\n", *qrTextOut, len(text))
		}
	}
	if *hidOut != "" {
		if err := writeHIDStream(w, choice, *hidOut, *hidLayout); err != nil {
			return fail(stderr, "emulate", err, exitFailure)
		}
		fmt.Fprintf(stdout, "hid: %s (%s)\n", *hidOut, *hidLayout)
	}
	if *vpcdAddr == "" && !*pty {
		return exitOK
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	if *vpcdAddr != "" {
		a, err := w.Applet()
		if err != nil {
			return fail(stderr, "emulate", err, exitFailure)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := vpcd.Serve(ctx, *vpcdAddr, a, vpcd.Options{Logger: logger}); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("vpcd: %w", err)
			}
		}()
		fmt.Fprintf(stdout, "vpcd: serving the phone to %s (Ctrl-C to stop)\n", *vpcdAddr)
	}
	if *pty {
		sc, err := serialpty.Open(serialpty.Config{Baud: *baud})
		if err != nil {
			return fail(stderr, "emulate", err, exitFailure)
		}
		defer sc.Close()
		fmt.Fprintf(stdout, "serial scanner: %s at %d baud, a fresh scan every %s (Ctrl-C to stop)\n", sc.Path(), *baud, *every)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(*every)
			defer t.Stop()
			for {
				text, err := w.Phone.PresentQRAs(choice)
				if err != nil {
					errs <- err
					return
				}
				if err := sc.Scan(ctx, text); err != nil && ctx.Err() == nil {
					errs <- fmt.Errorf("serial scanner: %w", err)
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	code := exitOK
	select {
	case <-ctx.Done():
	case err := <-errs:
		code = fail(stderr, "emulate", err, exitFailure)
	}
	cancel()
	wg.Wait()
	return code
}

// scenarioWorld runs a scenario on a virtual clock that ends offset away
// from the real time, its transcript on stdout. It returns nil and the exit
// code when the scenario cannot be read (usage), fails, or leaves no phone.
func scenarioWorld(ctx context.Context, name string, offset time.Duration, stdout, stderr io.Writer) (*scenario.World, int) {
	sc, err := loadScenario(name)
	if err != nil {
		fmt.Fprintf(stderr, "apcv emulate: --scenario: %v\n", err)
		return nil, exitUsage
	}
	sw, err := sc.RunWorld(ctx, scenario.Options{Out: stdout, Clock: clock.NewOffset(offset - sc.Elapsed())})
	if err == nil {
		if ph, _ := sw.Current(); ph == nil {
			err = fmt.Errorf("scenario %s creates no phone: %w", sc.Name, scenario.ErrScenarioStep)
		}
	}
	if err != nil {
		if sw != nil {
			sw.Close()
		}
		return nil, fail(stderr, "emulate", err, exitFailure)
	}
	return sw, exitOK
}

// writeHIDStream writes the report stream a USB-HID scanner of the given
// kind would send for the phone's current QR text.
func writeHIDStream(w *emulator.World, choice phone.QRChoice, path, kind string) error {
	text, err := w.Phone.PresentQRAs(choice)
	if err != nil {
		return err
	}
	var reports []hid.Report
	switch kind {
	case "fr":
		reports, err = hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR})
	case "us":
		reports, err = hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.US})
	case "pos-honeywell":
		reports, err = hidgen.POS(text, hidgen.POSOptions{Layout: hid.POSHoneywell})
	case "pos-standard":
		reports, err = hidgen.POS(text, hidgen.POSOptions{Layout: hid.POSStandard})
	default:
		return fmt.Errorf("--hid-layout %q: want fr, us, pos-honeywell or pos-standard", kind)
	}
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := hid.WriteReports(f, reports); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
