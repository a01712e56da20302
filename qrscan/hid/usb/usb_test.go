//go:build usb

package usb

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

func ep(addr gousb.EndpointAddress, tt gousb.TransferType) gousb.EndpointDesc {
	dir := gousb.EndpointDirectionOut
	if addr&0x80 != 0 {
		dir = gousb.EndpointDirectionIn
	}
	return gousb.EndpointDesc{Address: addr, Number: int(addr & 0x0F), Direction: dir, TransferType: tt, MaxPacketSize: 64}
}

func setting(num, alt int, class, sub gousb.Class, proto gousb.Protocol, eps ...gousb.EndpointDesc) gousb.InterfaceSetting {
	m := map[gousb.EndpointAddress]gousb.EndpointDesc{}
	for _, e := range eps {
		m[e.Address] = e
	}
	return gousb.InterfaceSetting{Number: num, Alternate: alt, Class: class, SubClass: sub, Protocol: proto, Endpoints: m}
}

func device(cfgs ...gousb.ConfigDesc) *gousb.DeviceDesc {
	d := &gousb.DeviceDesc{Vendor: 0x0c2e, Product: 0x0b61, Configs: map[int]gousb.ConfigDesc{}}
	for _, c := range cfgs {
		d.Configs[c.Number] = c
	}
	return d
}

func config(n int, intfs ...gousb.InterfaceSetting) gousb.ConfigDesc {
	c := gousb.ConfigDesc{Number: n}
	for _, s := range intfs {
		c.Interfaces = append(c.Interfaces, gousb.InterfaceDesc{Number: s.Number, AltSettings: []gousb.InterfaceSetting{s}})
	}
	return c
}

const (
	intr = gousb.TransferTypeInterrupt
	bulk = gousb.TransferTypeBulk
	hidc = gousb.ClassHID
)

var (
	keyboard = setting(0, 0, hidc, 1, 1, ep(0x81, intr))
	posIntf  = setting(1, 0, hidc, 0, 0, ep(0x82, intr), ep(0x02, intr))
	vendor   = setting(2, 0, hidc, 0, 0, ep(0x83, intr))
	cdc      = setting(3, 0, gousb.ClassData, 0, 0, ep(0x84, bulk), ep(0x04, bulk))
)

func TestChoose(t *testing.T) {
	tests := []struct {
		name    string
		desc    *gousb.DeviceDesc
		pos     map[int]bool // interfaces whose report descriptor uses page 0x8C
		mode    hid.Mode
		want    int // interface number; -1: ErrNoHIDEndpoint
		wantKbd bool
	}{
		{"keyboard only, auto", device(config(1, keyboard)), nil, hid.ModeAuto, 0, true},
		{"keyboard only, wedge", device(config(1, keyboard)), nil, hid.ModeWedge, 0, true},
		{"keyboard only, pos", device(config(1, keyboard)), nil, hid.ModePOS, -1, false},
		{"pos only, auto", device(config(1, posIntf)), map[int]bool{1: true}, hid.ModeAuto, 1, false},
		{"pos only, wedge", device(config(1, posIntf)), map[int]bool{1: true}, hid.ModeWedge, -1, false},
		{"composite keyboard + pos, auto", device(config(1, keyboard, posIntf)), map[int]bool{1: true}, hid.ModeAuto, 1, false},
		{"composite keyboard + pos, wedge", device(config(1, posIntf, keyboard)), map[int]bool{1: true}, hid.ModeWedge, 0, true},
		{"keyboard + vendor hid, auto", device(config(1, vendor, keyboard)), nil, hid.ModeAuto, 0, true},
		{"keyboard + vendor hid, pos falls back", device(config(1, keyboard, vendor)), nil, hid.ModePOS, 2, false},
		{"vendor hid only, auto", device(config(1, vendor)), nil, hid.ModeAuto, 2, false},
		{"cdc only", device(config(1, cdc)), nil, hid.ModeAuto, -1, false},
		{"hid with bulk endpoint only", device(config(1, setting(0, 0, hidc, 1, 1, ep(0x81, bulk)))), nil, hid.ModeAuto, -1, false},
		{"hid with OUT endpoint only", device(config(1, setting(0, 0, hidc, 1, 1, ep(0x01, intr)))), nil, hid.ModeAuto, -1, false},
		{"boot mouse is not a keyboard", device(config(1, setting(0, 0, hidc, 1, 2, ep(0x81, intr)))), nil, hid.ModeWedge, -1, false},
		{"second configuration", device(config(2, keyboard), config(1, cdc)), nil, hid.ModeAuto, 0, true},
		{"no configurations", device(), nil, hid.ModeAuto, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cands := Candidates(tt.desc)
			for i := range cands {
				cands[i].POS = tt.pos[cands[i].Interface]
			}
			c, err := Choose(cands, tt.mode)
			if tt.want < 0 {
				if !errors.Is(err, ErrNoHIDEndpoint) {
					t.Fatalf("Choose: %v, %v; want ErrNoHIDEndpoint", c, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Interface != tt.want || c.Keyboard != tt.wantKbd || c.Endpoint.Direction != gousb.EndpointDirectionIn ||
				c.Endpoint.TransferType != intr {
				t.Errorf("chose %v", c)
			}
		})
	}
}

func TestCandidatesOrder(t *testing.T) {
	alt := setting(1, 1, hidc, 0, 0, ep(0x85, intr))
	c := config(1, posIntf, keyboard)
	c.Interfaces[0].AltSettings = append(c.Interfaces[0].AltSettings, alt)
	got := Candidates(device(c, config(2, vendor)))
	want := []struct{ cfg, intf, alt, addr int }{{1, 0, 0, 0x81}, {1, 1, 0, 0x82}, {1, 1, 1, 0x85}, {2, 2, 0, 0x83}}
	if len(got) != len(want) {
		t.Fatalf("%d candidates: %v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Config != w.cfg || g.Interface != w.intf || g.Alternate != w.alt || int(g.Endpoint.Address) != w.addr {
			t.Errorf("candidate %d: %v", i, g)
		}
	}
	if Candidates(nil) != nil {
		t.Error("Candidates(nil)")
	}
}

// The real libusb runs here: with no such device on the bus, Open fails
// with ErrNotFound and a desk message, and leaves nothing running.
func TestOpenNotFound(t *testing.T) {
	before := runtime.NumGoroutine()
	d, err := Open(context.Background(), 0xFFFF, 0xFFFE, Options{})
	if d != nil || !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open: %v, %v; want ErrNotFound", d, err)
	}
	if msg := apcverr.Message(err, apcverr.FR); msg != ErrNotFound.FR {
		t.Errorf("desk message %q", msg)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running (was %d): libusb context not closed", n, before)
	}
}

func TestOpenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, 0x0c2e, 0x0b61, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open: %v", err)
	}
}

func TestContextStarts(t *testing.T) {
	c, err := newContext()
	if err != nil {
		t.Fatalf("libusb: %v", err)
	}
	devs, err := c.OpenDevices(func(*gousb.DeviceDesc) bool { return false })
	if err != nil || len(devs) != 0 {
		t.Errorf("enumeration: %v, %d devices opened", err, len(devs))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMapErr(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want error
	}{
		{gousb.ErrorAccess, ErrAccess},
		{gousb.ErrorBusy, ErrAccess},
		{gousb.ErrorNoDevice, nil}, // qrscan.ErrDeviceGone
		{gousb.TransferNoDevice, nil},
		{gousb.TransferStall, nil},
	} {
		got := mapErr(tt.err)
		if tt.want == nil {
			if got.Error() == ErrAccess.Error() || apcverr.Code(got) != "scanner-unplugged" {
				t.Errorf("mapErr(%v) = %v", tt.err, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("mapErr(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestListWithoutScanner: this machine has no USB bus or no scanner; List
// either lists nothing or says USB is unavailable, and never panics.
func TestListWithoutScanner(t *testing.T) {
	infos, err := List()
	if err != nil && !errors.Is(err, ErrNoUSB) {
		t.Fatalf("List: %v", err)
	}
	for _, i := range infos {
		if !slices.Contains(ScannerVendors, i.VID) {
			t.Errorf("listed a device of an unknown vendor: %v", i)
		}
	}
}
