package serial

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
)

// VendorKind tells what a USB vendor id says about a serial port.
type VendorKind uint8

// Kinds of known USB vendors.
const (
	UnknownVendor VendorKind = iota
	ScannerVendor            // a maker of barcode scanners: the port is very likely a scanner
	BridgeVendor             // a USB-serial bridge chip: possibly an RS-232 scanner behind an adapter
)

// Vendor is a known USB vendor.
type Vendor struct {
	VID  uint16
	Name string
	Kind VendorKind
}

// knownVendors: see KnownVendors.
var knownVendors = []Vendor{
	{0x0C2E, "Honeywell (Metrologic)", ScannerVendor},
	{0x0536, "Honeywell (Hand Held Products)", ScannerVendor},
	{0x05E0, "Zebra (Symbol)", ScannerVendor},
	{0x05F9, "Datalogic", ScannerVendor},
	{0x1EAB, "Newland", ScannerVendor},
	{0x065A, "Opticon", ScannerVendor},
	{0x0403, "FTDI USB-serial bridge", BridgeVendor},
	{0x067B, "Prolific USB-serial bridge", BridgeVendor},
	{0x10C4, "Silicon Labs USB-serial bridge", BridgeVendor},
	{0x1A86, "WCH USB-serial bridge", BridgeVendor},
}

// KnownVendors returns the USB vendors that Ports recognises. Scanner
// makers (their scanners show up as USB CDC-ACM ports when set to "USB
// serial" or "USB COM port emulation" mode):
//
//	0x0C2E  Honeywell (Metrologic)
//	0x0536  Honeywell (Hand Held Products)
//	0x05E0  Zebra (Symbol Technologies)
//	0x05F9  Datalogic (PSC)
//	0x1EAB  Newland
//	0x065A  Opticon
//
// USB-serial bridges (an RS-232 scanner behind an adapter cable):
//
//	0x0403  FTDI (FT232)
//	0x067B  Prolific (PL2303)
//	0x10C4  Silicon Labs (CP210x)
//	0x1A86  WCH (CH340, CH341)
func KnownVendors() []Vendor { return append([]Vendor(nil), knownVendors...) }

// LookupVendor returns the known vendor with USB vendor id vid.
func LookupVendor(vid uint16) (Vendor, bool) {
	for _, v := range knownVendors {
		if v.VID == vid {
			return v, true
		}
	}
	return Vendor{}, false
}

// PortInfo describes a serial port that may hold a scanner.
type PortInfo struct {
	Name      string // to pass to Open: /dev/ttyACM0, /dev/ttyUSB0, COM3, /dev/cu.usbmodem1101
	USB       bool
	VID, PID  uint16 // USB ids, when USB
	Serial    string // USB serial number, when known
	Product   string // USB product string, when known
	Vendor    Vendor // the known vendor of VID; Kind UnknownVendor if none
	Candidate bool   // a known scanner or bridge vendor, or a USB serial port name (ttyACM*, ttyUSB*, cu.usbmodem*, cu.usbserial*)
}

// usbName matches the names operating systems give USB serial ports.
var usbName = regexp.MustCompile(`^(ttyACM|ttyUSB|cu\.usbmodem|cu\.usbserial|tty\.usbmodem|tty\.usbserial)`)

// Ports lists the serial ports of this machine, the likely scanners first
// (known scanner vendors, then bridges, then other USB serial ports), each
// group sorted by name.
func Ports() ([]PortInfo, error) {
	list, err := listPorts()
	if err != nil {
		return nil, fmt.Errorf("serial: list ports: %w", err)
	}
	return portInfos(list), nil
}

// portDetails is what the system's enumerator tells of a port (the fields
// of go.bug.st/serial/enumerator.PortDetails).
type portDetails struct {
	Name         string
	IsUSB        bool
	VID, PID     string // 4 hex digits
	SerialNumber string
	Product      string
}

// portInfos turns the enumerator's list into sorted PortInfos.
func portInfos(list []*portDetails) []PortInfo {
	out := make([]PortInfo, 0, len(list))
	for _, d := range list {
		if d == nil {
			continue
		}
		p := PortInfo{Name: d.Name, USB: d.IsUSB, Serial: d.SerialNumber, Product: d.Product}
		if d.IsUSB {
			vid, okv := parseID(d.VID)
			pid, okp := parseID(d.PID)
			if okv && okp {
				p.VID, p.PID = vid, pid
				p.Vendor, _ = LookupVendor(vid)
			}
		}
		p.Candidate = p.Vendor.Kind != UnknownVendor || usbName.MatchString(path.Base(d.Name))
		out = append(out, p)
	}
	rank := func(p PortInfo) int {
		switch {
		case p.Vendor.Kind == ScannerVendor:
			return 0
		case p.Vendor.Kind == BridgeVendor:
			return 1
		case p.Candidate:
			return 2
		}
		return 3
	}
	sort.SliceStable(out, func(i, j int) bool {
		if ri, rj := rank(out[i]), rank(out[j]); ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// parseID parses a USB id as the enumerator gives it: 4 hex digits.
func parseID(s string) (uint16, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 16)
	return uint16(v), err == nil
}

// OpenUSB opens the serial port of the USB device vid:pid (pid 0 matches
// any product of vid), the one with the lowest name if several match. It
// needs a real device: the port is found through go.bug.st/serial's
// enumerator (sysfs on Linux, IOKit on macOS, SetupAPI on Windows).
// Without a match the error wraps ErrNoScanner.
func OpenUSB(vid, pid uint16, cfg Config) (*Source, error) {
	list, err := listPorts()
	if err != nil {
		return nil, fmt.Errorf("serial: list ports: %w", err)
	}
	name, err := matchUSB(list, vid, pid)
	if err != nil {
		return nil, err
	}
	return Open(name, cfg)
}

// matchUSB returns the name of the port of vid:pid.
func matchUSB(list []*portDetails, vid, pid uint16) (string, error) {
	found := ""
	for _, d := range list {
		if d == nil || !d.IsUSB {
			continue
		}
		v, okv := parseID(d.VID)
		p, okp := parseID(d.PID)
		if !okv || !okp || v != vid || (pid != 0 && p != pid) {
			continue
		}
		if found == "" || d.Name < found {
			found = d.Name
		}
	}
	if found == "" {
		return "", fmt.Errorf("serial: no port of USB device %04x:%04x: %w", vid, pid, ErrNoScanner)
	}
	return found, nil
}
