package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/qrscan/camera"
	"github.com/apcvkit/apcvkit/qrscan/hid"
	"github.com/apcvkit/apcvkit/reader"
)

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func cmdRead(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("lists", "", "lists directory (authority.pem, trust-list.cose, revocation-list.cose)")
	var pcscReaders, serials, images multiFlag
	fs.Var(&pcscReaders, "pcsc", "read NFC from this PC/SC reader (\"\" or \"any\": every contactless reader); repeatable")
	fs.Var(&serials, "serial", "read QR codes from the serial scanner at this path (e.g. /dev/ttyACM0); repeatable")
	fs.Var(&images, "image", "read a QR code from this image file (PNG, JPEG); repeatable")
	hidReplay := fs.String("hid-replay", "", "replay a recorded USB-HID scanner report stream (apcv emulate --hid-out writes one)")
	hidTimed := fs.Bool("hid-timed", false, "with --hid-replay, keep the recorded timing (a wedge scanner types ~8 ms per character)")
	baud := fs.Int("baud", 9600, "serial line rate")
	auto := fs.Bool("auto", false, "also read every device found: PC/SC contactless readers, serial and USB HID scanners of known makers"+missingNote())
	groups := fs.String("groups", "AMO", "data groups asked for over NFC: AMO,INS,ETAT_CIVIL")
	store := fs.String("replay-store", os.Getenv("APCV_REPLAY_STORE"), "anti-replay file shared by every process of this machine (default $APCV_REPLAY_STORE)")
	service := fs.String("service", "", "the issuer's online service, https://host:port (apcv portal serve --service-addr): resolves short QR codes (APCV2:) and serves AMO rights")
	psCert := fs.String("ps-cert", "", "with --service: the health professional's certificate, PEM (apcv ps-cert --out-cert)")
	psKey := fs.String("ps-key", "", "with --service: its private key, PEM (apcv ps-cert --out-key)")
	serviceCA := fs.String("service-ca", "", "with --service: the roots of the service's certificate, PEM (ps-ca.pem)")
	serviceTimeout := fs.Duration("service-timeout", 0, "with --service: the deadline of each call to the service (default 2s)")
	withRights := fs.Bool("rights", false, "with --service: also wait for the AMO rights and print them")
	var out output
	out.flags(fs)
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv read --lists DIR [--auto] [--pcsc READER]... [--serial PATH]... [--image FILE]... [--hid-replay FILE]")
		fmt.Fprintln(stderr, "                 [--service URL --ps-cert FILE --ps-key FILE --service-ca FILE [--service-timeout D] [--rights]] [--json] [--show-pii]")
		fmt.Fprintln(stderr, "\nWaits for the first presentation on any source and prints the verified identity.")
		fmt.Fprintln(stderr, "Exit 3 when the presentation is refused, 1 on device or list errors.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *dir == "" || (*withRights && *service == "") || *serviceTimeout < 0 {
		if err == nil {
			fs.Usage()
		}
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	dc := desk.Config{Lists: *dir, PCSC: pcscReaders, Serial: serials, Baud: *baud, Auto: *auto, ReplayStore: *store, Logger: logger,
		ServiceURL: *service, PSCert: *psCert, PSKey: *psKey, ServiceCA: *serviceCA, ServiceTimeoutMS: int(serviceTimeout.Milliseconds())}
	for _, s := range strings.Split(*groups, ",") {
		dc.Groups = append(dc.Groups, strings.TrimSpace(s))
	}
	cfg, found, err := desk.Sources(ctx, dc)
	if errors.Is(err, desk.ErrBadConfig) {
		fmt.Fprintf(stderr, "apcv read: %v\n", err)
		return exitUsage
	}
	if err != nil {
		return fail(stderr, "read", err, exitFailure)
	}
	if *hidReplay != "" {
		f, err := os.Open(*hidReplay)
		if err != nil {
			desk.CloseSources(cfg)
			return fail(stderr, "read", err, exitFailure)
		}
		reports, err := hid.ReadReports(f)
		f.Close()
		if err != nil {
			desk.CloseSources(cfg)
			return fail(stderr, "read", err, exitFailure)
		}
		cfg.QR = append(cfg.QR, hid.NewSource(hid.NewReplay(reports, *hidTimed), hid.Config{Name: "hid:" + *hidReplay, Logger: logger}))
	}
	if len(images) > 0 {
		cfg.QR = append(cfg.QR, camera.NewSource(camera.Files(images...), camera.SourceOptions{Logger: logger}))
	}
	if *auto {
		for _, e := range found.Skipped {
			fmt.Fprintf(stderr, "apcv read: --auto: %s\n", withDesk(e))
		}
		fmt.Fprintf(stderr, "apcv read: --auto found %v\n", found.Devices)
	}
	r, err := reader.Open(ctx, cfg)
	if err != nil {
		desk.CloseSources(cfg)
		return fail(stderr, "read", err, exitFailure)
	}
	defer r.Close()
	id, err := r.Read(ctx)
	if err != nil {
		code := exitFailure
		if isRefusal(err) {
			code = exitRefused
		}
		return fail(stderr, "read", err, code)
	}
	defer id.Release()
	if *withRights {
		err = showWithRights(ctx, stdout, stderr, id, out)
	} else {
		err = show(stdout, id, out)
	}
	if err != nil {
		return fail(stderr, "read", err, exitFailure)
	}
	return exitOK
}

// showWithRights waits for id's AMO rights and prints the identity with
// them. Rights that cannot be fetched are said (JSON: rightsError; text:
// the desk message on stderr), not a failure: the identity is verified.
func showWithRights(ctx context.Context, stdout, stderr io.Writer, id *reader.Identity, o output) error {
	list, err := id.Rights(ctx)
	if o.json {
		j := id.JSON(!o.pii)
		j.SetRights(list, err, !o.pii)
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	printIdentity(stdout, id, o.pii)
	if err != nil {
		fmt.Fprintf(stderr, "apcv read: rights: %s\n", withDesk(err))
		return nil
	}
	for i, r := range list {
		nir := r.NIR.Masked()
		if o.pii {
			nir = r.NIR.Format()
		}
		fmt.Fprintf(stdout, "  droits/rights [%d] %s rang %d: régime %s caisse %s centre %s, code gestion %s", i, nir, r.Rang,
			r.Regime, r.Caisse, r.Centre, r.CodeGestion)
		if r.OpenOn(credential.DateOf(time.Now())) {
			fmt.Fprint(stdout, ", AMO ouverts/open")
		} else {
			fmt.Fprint(stdout, ", AMO fermés/closed")
		}
		if e := r.Exoneration; e != nil {
			fmt.Fprintf(stdout, ", exonération %s (ALD %v)", e.Code, e.ALD)
		}
		if r.C2S != nil {
			fmt.Fprint(stdout, ", C2S")
		}
		fmt.Fprintf(stdout, ", médecin traitant %v", r.MedecinTraitant)
		if a := r.AMC; a != nil {
			fmt.Fprintf(stdout, ", AMC %s %s", a.Numero, a.Nom)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// isRefusal reports whether err is a presentation refused by verification
// (as opposed to a device or set-up failure): reader.IsRefusal.
func isRefusal(err error) bool { return reader.IsRefusal(err) }
