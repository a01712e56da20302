package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

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
	var out output
	out.flags(fs)
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv read --lists DIR [--auto] [--pcsc READER]... [--serial PATH]... [--image FILE]... [--hid-replay FILE] [--json] [--show-pii]")
		fmt.Fprintln(stderr, "\nWaits for the first presentation on any source and prints the verified identity.")
		fmt.Fprintln(stderr, "Exit 3 when the presentation is refused, 1 on device or list errors.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *dir == "" {
		if err == nil {
			fs.Usage()
		}
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	dc := desk.Config{Lists: *dir, PCSC: pcscReaders, Serial: serials, Baud: *baud, Auto: *auto, ReplayStore: *store, Logger: logger}
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
	if err := show(stdout, id, out); err != nil {
		return fail(stderr, "read", err, exitFailure)
	}
	return exitOK
}

// isRefusal reports whether err is a presentation refused by verification
// (as opposed to a device or set-up failure): reader.IsRefusal.
func isRefusal(err error) bool { return reader.IsRefusal(err) }
