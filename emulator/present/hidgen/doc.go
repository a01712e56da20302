// Package hidgen generates the USB HID input reports a barcode scanner sends
// when it reads a QR code, for the decoders of package qrscan/hid to run on
// machines with no USB bus, through the same code path as a real device:
//
//	reports, _ := hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR})
//	src := hid.NewSource(hid.NewReplay(reports, true), hid.Config{})
//
// Two device modes are modelled. Keyboard wedge (Wedge): 8-byte boot
// keyboard reports typing the text under a keyboard layout (US QWERTY or
// French AZERTY, with Shift and AltGr as the layout needs), one key press
// and release per character at 8 ms per character by default, or rollover,
// then an end key. HID POS (POS): scanned-data reports in the Honeywell or
// the standard HID POS layout (see hid.POSLayout), 56 data bytes each, with
// the continuation bit set on all but the last.
//
// Faults model what goes wrong in the field: a dropped report (DropReport),
// a stuck key (StuckKey), a scanner set to another layout (WrongLayout) and
// a corrupted report (Corrupt).
//
// The layouts here are written independently of the decoder's tables (as
// the legends on the physical keys), so that round trips check one against
// the other.
package hidgen
