//go:build usb

package usb

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/google/gousb"

	"github.com/apcvkit/apcvkit/qrscan/hid"
)

// Candidate is one HID interface setting of a device with an interrupt IN
// endpoint: a place the scanner's input reports may come from.
type Candidate struct {
	Config    int                // configuration number (bConfigurationValue)
	Interface int                // interface number
	Alternate int                // alternate setting
	Endpoint  gousb.EndpointDesc // the interrupt IN endpoint
	Keyboard  bool               // boot keyboard (subclass 1, protocol 1): keyboard wedge
	POS       bool               // its report descriptor uses the Barcode Scanner page 0x8C (set by Open)
}

func (c Candidate) String() string {
	kind := "hid"
	switch {
	case c.Keyboard:
		kind = "boot-keyboard"
	case c.POS:
		kind = "hid-pos"
	}
	return fmt.Sprintf("config %d interface %d alt %d endpoint %s (%s)", c.Config, c.Interface, c.Alternate, c.Endpoint.Address, kind)
}

// HID interface subclass and protocol of a boot keyboard (HID 1.11 §4.2, §4.3).
const (
	subclassBoot     gousb.Class    = 1
	protocolKeyboard gousb.Protocol = 1
)

// Candidates lists the HID interrupt IN endpoints of desc, ordered by
// configuration, interface, alternate setting and endpoint address.
func Candidates(desc *gousb.DeviceDesc) []Candidate {
	var out []Candidate
	if desc == nil {
		return nil
	}
	for _, cfg := range desc.Configs {
		for _, intf := range cfg.Interfaces {
			for _, alt := range intf.AltSettings {
				if alt.Class != gousb.ClassHID {
					continue
				}
				for _, ep := range alt.Endpoints {
					if ep.Direction != gousb.EndpointDirectionIn || ep.TransferType != gousb.TransferTypeInterrupt {
						continue
					}
					out = append(out, Candidate{
						Config: cfg.Number, Interface: intf.Number, Alternate: alt.Alternate, Endpoint: ep,
						Keyboard: alt.SubClass == subclassBoot && alt.Protocol == protocolKeyboard,
					})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(a.Config, b.Config), cmp.Compare(a.Interface, b.Interface),
			cmp.Compare(a.Alternate, b.Alternate), cmp.Compare(a.Endpoint.Address, b.Endpoint.Address))
	})
	return out
}

// Choose picks the endpoint to read for mode:
//
//   - hid.ModePOS: the first HID POS interface (POS set), else the first
//     interface that is not a boot keyboard;
//   - hid.ModeWedge: the first boot keyboard;
//   - hid.ModeAuto: the first HID POS interface, else the first boot
//     keyboard, else the first HID interface.
//
// With no fitting candidate it returns an error wrapping ErrNoHIDEndpoint.
func Choose(cands []Candidate, mode hid.Mode) (Candidate, error) {
	first := func(ok func(Candidate) bool) (Candidate, bool) {
		for _, c := range cands {
			if ok(c) {
				return c, true
			}
		}
		return Candidate{}, false
	}
	isPOS := func(c Candidate) bool { return c.POS }
	isKbd := func(c Candidate) bool { return c.Keyboard }
	notKbd := func(c Candidate) bool { return !c.Keyboard }
	anyHID := func(Candidate) bool { return true }
	var order []func(Candidate) bool
	switch mode {
	case hid.ModePOS:
		order = []func(Candidate) bool{isPOS, notKbd}
	case hid.ModeWedge:
		order = []func(Candidate) bool{isKbd}
	default:
		order = []func(Candidate) bool{isPOS, isKbd, anyHID}
	}
	for _, ok := range order {
		if c, found := first(ok); found {
			return c, nil
		}
	}
	return Candidate{}, fmt.Errorf("usb: %d HID interrupt IN endpoints, none for mode %d: %w", len(cands), mode, ErrNoHIDEndpoint)
}
