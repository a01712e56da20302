package discover_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/internal/testlog"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/qrscan/hid/usb"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/discover"
)

// TestDiscoverAndRead finds the harness's virtual reader through the real
// pcscd, then reads an emulated phone through what was found. Serial and USB
// find nothing here (ptys are not scanner ports; there is no USB bus): they
// are skipped or empty, never an error.
func TestDiscoverAndRead(t *testing.T) {
	addr, name := pcsctest.Require(t, "bench") // tests run no benchmark: this slot is free
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	pcsctest.Serve(t, addr, a, vpcd.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	found, err := discover.Discover(ctx, discover.Options{PCSCReader: name, Logger: testlog.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.NFC) != 1 || found.Devices[0] != "pcsc:"+name {
		t.Fatalf("found %v (skipped %v)", found.Devices, found.Skipped)
	}
	cfg := reader.Config{Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w}
	found.Apply(&cfg)
	r, err := reader.Open(ctx, cfg)
	if err != nil {
		found.Close()
		t.Fatal(err)
	}
	defer r.Close()
	id, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer id.Release()
	if id.Mode != credential.ModeNFC || id.OuvrantDroit().NIR != w.Phone.Profile().Family.Beneficiaires[0].NIR {
		t.Fatalf("identity %v", id)
	}
}

func TestDiscoverUnknownReader(t *testing.T) {
	pcsctest.Require(t, "bench")
	found, err := discover.Discover(context.Background(), discover.Options{PCSCReader: "APCV No Such Reader", NoSerial: true, NoUSB: true})
	if err != nil {
		t.Fatal(err)
	}
	defer found.Close()
	if len(found.NFC) != 0 || len(found.Skipped) != 1 || !errors.Is(found.Skipped[0], nfc.ErrUnknownReader) {
		t.Fatalf("found %v, skipped %v", found.Devices, found.Skipped)
	}
	_, err = reader.Open(context.Background(), reader.Config{Enabled: true, NFC: found.NFC, QR: found.QR,
		Lists: reader.StaticLists{}})
	if !errors.Is(err, reader.ErrNoSource) {
		t.Fatalf("Open with nothing found: %v", err)
	}
}

func TestDiscoverCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := discover.Discover(ctx, discover.Options{NoPCSC: true}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestDiscoverUSBHID: the USB HID family is searched through libusb only in
// builds with the "usb" tag; otherwise it is skipped with usb.ErrNotBuilt
// (a desk message says to use the scanner's COM-port mode), never an error
// of Discover.
func TestDiscoverUSBHID(t *testing.T) {
	found, err := discover.Discover(context.Background(), discover.Options{NoPCSC: true, NoSerial: true, Logger: testlog.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer found.Close()
	if !usb.Supported {
		if len(found.QR) != 0 || len(found.Skipped) != 1 || !errors.Is(found.Skipped[0], usb.ErrNotBuilt) {
			t.Fatalf("found %v, skipped %v; want only usb.ErrNotBuilt", found.Devices, found.Skipped)
		}
		return
	}
	for _, err := range found.Skipped {
		if errors.Is(err, usb.ErrNotBuilt) {
			t.Errorf("built with usb, skipped %v", err)
		}
	}
	t.Logf("libusb build: found %v, skipped %v", found.Devices, found.Skipped)
}
