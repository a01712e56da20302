// Package discover finds the reading devices plugged into this computer and
// opens them as sources for the SDK facade: every PC/SC contactless reader
// (readers plugged in later included), the serial ports of known QR scanner
// makers, and the USB HID scanners of those makers. Camera frame sources
// have no discovery: pass them in reader.Config.QR.
//
//	found, err := discover.Discover(ctx, discover.Options{})
//	cfg := reader.Config{Enabled: true, ...}
//	found.Apply(&cfg)
//	r, err := reader.Open(ctx, cfg) // on error: found.Close()
//
// What each family needs, by platform:
//
//   - PC/SC: winscard.dll on Windows (no cgo); cgo and libpcsclite on Linux,
//     cgo and the PCSC framework on macOS. A build without cgo there has no
//     PC/SC (pcsc.ErrNotBuilt is recorded in Found.Skipped).
//   - Serial scanners (USB-COM / CDC-ACM mode, and RS-232 behind a known
//     bridge): go.bug.st/serial's enumerator, without cgo on Windows and
//     Linux; on macOS it needs cgo for the USB ids (see qrscan/serial.Ports).
//   - USB HID scanners (HID POS or keyboard wedge): libusb through gousb,
//     only in builds with the "usb" tag (usb.Supported); otherwise the
//     family is skipped with usb.ErrNotBuilt. On Windows, set the scanner to
//     its USB-COM mode: it is then found as a serial port.
package discover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/hid"
	"github.com/apcvkit/apcvkit/qrscan/hid/usb"
	"github.com/apcvkit/apcvkit/qrscan/serial"
	"github.com/apcvkit/apcvkit/reader"
)

// Options narrow the search. The zero value looks for everything.
type Options struct {
	// PCSCReader restricts NFC to this PC/SC reader; "" watches every
	// contactless reader, including readers plugged in later.
	PCSCReader string
	// NoPCSC, NoSerial and NoUSB skip a family of devices.
	NoPCSC, NoSerial, NoUSB bool
	// Serial is the line set-up of the serial scanners found (zero: 9600 8N1, CR suffix).
	Serial serial.Config
	// HID is the decoding set-up of the USB HID scanners found (zero: auto).
	HID hid.Config
	// Logger hears what was found and what was skipped; nil discards.
	Logger *slog.Logger
}

// Found holds the sources opened.
type Found struct {
	NFC     []nfc.Source
	QR      []qrscan.Source
	Devices []string // what was opened, e.g. "pcsc:*", "serial:/dev/ttyACM0", "usb:0c2e:0b61"
	Skipped []error  // why a family gave nothing (no pcscd, no USB…), for display
}

// Discover opens every reading device it finds. It fails only when ctx is
// done; a family of devices that is unavailable is recorded in Skipped.
// When nothing is found, Found is empty and reader.Open says ErrNoSource.
func Discover(ctx context.Context, opts Options) (*Found, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Found{}
	skip := func(err error) {
		log.Debug("discover: skipped", "err", err)
		f.Skipped = append(f.Skipped, err)
	}
	if !opts.NoPCSC {
		if err := f.pcsc(opts); err != nil {
			skip(err)
		}
	}
	if err := ctx.Err(); err != nil {
		f.Close()
		return nil, err
	}
	if !opts.NoSerial {
		if err := f.serial(opts); err != nil {
			skip(err)
		}
	}
	if err := ctx.Err(); err != nil {
		f.Close()
		return nil, err
	}
	if !opts.NoUSB {
		if err := f.usb(ctx, opts); err != nil {
			skip(err)
		}
	}
	for _, d := range f.Devices {
		log.Debug("discover: opened", "device", d)
	}
	return f, nil
}

func (f *Found) pcsc(opts Options) error {
	readers, err := pcsc.Readers()
	if err != nil {
		return fmt.Errorf("PC/SC: %w", err)
	}
	if opts.PCSCReader != "" {
		found := false
		for _, r := range readers {
			found = found || r.Name == opts.PCSCReader
		}
		if !found {
			return fmt.Errorf("PC/SC reader %q: %w", opts.PCSCReader, nfc.ErrUnknownReader)
		}
	}
	src, err := pcsc.OpenSource(opts.PCSCReader)
	if err != nil {
		return fmt.Errorf("PC/SC: %w", err)
	}
	f.NFC = append(f.NFC, src)
	f.Devices = append(f.Devices, src.Name())
	return nil
}

func (f *Found) serial(opts Options) error {
	ports, err := serial.Ports()
	if err != nil {
		return fmt.Errorf("serial: %w", err)
	}
	var errs []error
	for _, p := range ports {
		// Only the ports of scanner makers: opening a bridge chip or a
		// modem's port could disturb another device.
		if !p.USB || p.Vendor.Kind != serial.ScannerVendor {
			continue
		}
		src, err := serial.Open(p.Name, opts.Serial)
		if err != nil {
			errs = append(errs, fmt.Errorf("serial %s: %w", p.Name, err))
			continue
		}
		f.QR = append(f.QR, src)
		f.Devices = append(f.Devices, "serial:"+p.Name)
	}
	return errors.Join(errs...)
}

func (f *Found) usb(ctx context.Context, opts Options) error {
	infos, err := usb.List()
	if err != nil {
		return fmt.Errorf("USB: %w", err)
	}
	var errs []error
	for _, in := range infos {
		if !in.HID {
			continue // a scanner in serial mode: found by the serial search
		}
		dev, err := usb.Open(ctx, in.VID, in.PID, usb.Options{Mode: opts.HID.Mode})
		if err != nil {
			errs = append(errs, fmt.Errorf("USB %v: %w", in, err))
			continue
		}
		cfg := opts.HID
		cfg.Name = in.String()
		f.QR = append(f.QR, hid.NewSource(dev, cfg))
		f.Devices = append(f.Devices, in.String())
	}
	return errors.Join(errs...)
}

// Apply adds the sources found to cfg.
func (f *Found) Apply(cfg *reader.Config) {
	cfg.NFC = append(cfg.NFC, f.NFC...)
	cfg.QR = append(cfg.QR, f.QR...)
}

// Close closes every source found. Call it when reader.Open fails; after a
// successful Open, the Reader's Close closes them.
func (f *Found) Close() error {
	var errs []error
	for _, s := range f.NFC {
		errs = append(errs, s.Close())
	}
	for _, s := range f.QR {
		errs = append(errs, s.Close())
	}
	f.NFC, f.QR = nil, nil
	return errors.Join(errs...)
}
