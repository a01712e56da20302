//go:build usb

package usb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/gousb"

	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

// Device is an opened USB HID scanner: a hid.ReportSource reading the
// interrupt IN endpoint of its HID POS or boot keyboard interface.
type Device struct {
	cand Candidate

	usb  *gousb.Context
	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
	ep   *gousb.InEndpoint
	buf  []byte

	closing   context.Context // done once Close starts
	stop      context.CancelFunc
	readMu    sync.Mutex // held by a read in flight; Close waits for it
	closeOnce sync.Once
}

var _ hid.ReportSource = (*Device)(nil)

// newContext starts libusb; gousb panics when libusb_init fails.
func newContext() (c *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("usb: libusb init: %v: %w", r, ErrNoUSB)
		}
	}()
	return gousb.NewContext(), nil
}

// Open opens the scanner with vendor ID vid and product ID pid (the first
// one found if several are plugged in), picks its interface (see Choose),
// detaches the kernel driver from it (usbhid: the scanner stops typing into
// the focused window while we hold it; the kernel takes it back on Close),
// claims it and, for a boot keyboard, selects the boot protocol (8-byte
// reports) and an idle rate of 0 (reports on change only).
//
// Errors wrap ErrNotFound, ErrAccess (on Linux: add a udev rule granting
// the user access to the device), ErrNoHIDEndpoint or ErrNoUSB.
func Open(ctx context.Context, vid, pid uint16, opt Options) (*Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	uctx, err := newContext()
	if err != nil {
		return nil, err
	}
	d := &Device{usb: uctx}
	d.closing, d.stop = context.WithCancel(context.Background())
	if err := d.open(vid, pid, opt); err != nil {
		d.release()
		return nil, err
	}
	return d, nil
}

func (d *Device) open(vid, pid uint16, opt Options) error {
	dev, err := d.usb.OpenDeviceWithVIDPID(gousb.ID(vid), gousb.ID(pid))
	if dev == nil {
		switch {
		case errors.Is(err, gousb.ErrorAccess):
			return fmt.Errorf("usb: open %04x:%04x: %v: %w", vid, pid, err, ErrAccess)
		case err != nil:
			return fmt.Errorf("usb: open %04x:%04x: %v: %w", vid, pid, err, ErrNotFound)
		}
		return fmt.Errorf("usb: open %04x:%04x: %w", vid, pid, ErrNotFound)
	}
	d.dev = dev
	if err := dev.SetAutoDetach(true); err != nil {
		return fmt.Errorf("usb: %04x:%04x: kernel driver auto-detach: %w", vid, pid, err)
	}
	cands := Candidates(dev.Desc)
	for i := range cands {
		if !cands[i].Keyboard && opt.Mode != hid.ModeWedge {
			cands[i].POS = UsesBarcodePage(reportDescriptor(dev, cands[i].Interface))
		}
	}
	c, err := Choose(cands, opt.Mode)
	if err != nil {
		return fmt.Errorf("usb: %04x:%04x: %w", vid, pid, err)
	}
	d.cand = c
	// gousb flattens claim errors to text: a failure here is most often
	// another program (or a kernel driver that would not detach) holding
	// the interface, so it is reported as ErrAccess.
	if d.cfg, err = dev.Config(c.Config); err != nil {
		return fmt.Errorf("usb: %04x:%04x: set configuration %d: %v: %w", vid, pid, c.Config, err, ErrAccess)
	}
	if d.intf, err = d.cfg.Interface(c.Interface, c.Alternate); err != nil {
		return fmt.Errorf("usb: %04x:%04x: claim %s: %v: %w", vid, pid, c, err, ErrAccess)
	}
	if d.ep, err = d.intf.InEndpoint(c.Endpoint.Number); err != nil {
		return fmt.Errorf("usb: %04x:%04x: %s: %w", vid, pid, c, err)
	}
	if c.Keyboard {
		// HID class requests to the interface; devices that do not
		// implement them STALL, which changes nothing we rely on.
		const classOut = 0x21                                           // host to device, class, interface
		_, _ = dev.Control(classOut, 0x0B, 0, uint16(c.Interface), nil) // SET_PROTOCOL boot
		_, _ = dev.Control(classOut, 0x0A, 0, uint16(c.Interface), nil) // SET_IDLE 0
	}
	d.buf = make([]byte, max(c.Endpoint.MaxPacketSize, 64))
	return nil
}

// mapErr classifies a libusb error for the desk: permission or another
// program holding the interface is ErrAccess, anything else (unplugged,
// I/O error, stalled endpoint) is qrscan.ErrDeviceGone.
func mapErr(err error) error {
	switch {
	case errors.Is(err, gousb.ErrorAccess), errors.Is(err, gousb.ErrorBusy):
		return ErrAccess
	}
	return qrscan.ErrDeviceGone
}

// reportDescriptor reads the HID report descriptor of interface intf
// (GET_DESCRIPTOR, type 0x22), or nil.
func reportDescriptor(dev *gousb.Device, intf int) []byte {
	buf := make([]byte, 4096)
	n, err := dev.Control(0x81, 0x06, 0x2200, uint16(intf), buf)
	if err != nil || n < 0 {
		return nil
	}
	return buf[:n]
}

// Candidate returns the interface and endpoint being read.
func (d *Device) Candidate() Candidate { return d.cand }

// ReadReport reads one input report. It returns ctx's error when ctx is
// done, hid.ErrClosed after Close, and an error wrapping
// qrscan.ErrDeviceGone when the scanner was unplugged.
func (d *Device) ReadReport(ctx context.Context) ([]byte, error) {
	d.readMu.Lock()
	defer d.readMu.Unlock()
	if d.closing.Err() != nil {
		return nil, hid.ErrClosed
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	unhook := context.AfterFunc(d.closing, cancel)
	defer unhook()
	n, err := d.ep.ReadContext(rctx, d.buf)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case d.closing.Err() != nil:
			return nil, hid.ErrClosed
		}
		return nil, fmt.Errorf("usb: read %s: %v: %w", d.ep, err, mapErr(err))
	}
	return d.buf[:n], nil
}

// Close cancels a read in flight, waits for it, releases the interface
// (the kernel driver is reattached) and closes the device. It is safe to
// call more than once and concurrently with ReadReport.
func (d *Device) Close() error {
	var err error
	d.closeOnce.Do(func() {
		d.stop()
		d.readMu.Lock()
		defer d.readMu.Unlock()
		err = d.release()
	})
	return err
}

func (d *Device) release() error {
	var errs []error
	if d.intf != nil {
		d.intf.Close()
	}
	if d.cfg != nil {
		errs = append(errs, d.cfg.Close())
	}
	if d.dev != nil {
		errs = append(errs, d.dev.Close())
	}
	if d.usb != nil {
		errs = append(errs, d.usb.Close())
	}
	if d.stop != nil {
		d.stop()
	}
	return errors.Join(errs...)
}
