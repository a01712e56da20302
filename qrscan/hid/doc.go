// Package hid reads QR scans from USB HID barcode scanners, in either of
// the two modes pharmacies meet: HID POS (usage page 0x8C, the text in
// scanned-data reports) and keyboard wedge (the scanner types the text as a
// boot keyboard). It is pure Go: the reports come from a ReportSource, which
// is a real device (package qrscan/hid/usb, over libusb) or a Replay of
// recorded or generated reports (package emulator/present/hidgen), through
// the same decoding path.
//
//	src := hid.NewSource(rs, hid.Config{}) // rs: usb.Open(...) or hid.NewReplay(...)
//	scan, err := src.Next(ctx)             // scan.Text starts with "APCV1:"
//
// # HID POS
//
// POSDecoder reassembles the 56-byte chunks of a scan (continuation bit)
// in the Honeywell layout or the standard HID POS Scanned Data Report
// layout; POSLayout documents both byte by byte. The AIM symbology
// identifier ("]Q1" for QR Code) goes to Scan.Symbology.
//
// # Keyboard wedge
//
// WedgeDecoder reads 8-byte boot keyboard reports, types a key when it goes
// down (a key held over several reports types once; rollover works), applies
// Shift and AltGr, and ends a scan on Enter, keypad Enter or Tab (EndKeys) or
// an idle gap (Config.Idle). A report carries key positions, not characters,
// so the text depends on the keyboard layout the scanner was set to: every
// scan is decoded under US QWERTY and French AZERTY at once and the layout
// under which it is a well-formed ApCV text (credential.QRPrefix, then Base45: see
// credential.LooksLikeQRText) wins. On AZERTY, digits need Shift and "." "/" ":" "%" "$" "*"
// "+" "-" sit where a French keyboard has them.
//
// Because the decoder sees keycodes, the host's keyboard layout never
// matters: the classic misconfiguration of a scanner set to QWERTY on a
// French PC (which makes Notepad show "QPCV!." for "APCV1:") is decoded
// exactly, under the layout the scanner assumed.
//
// # Errors and resynchronisation
//
// A malformed report or a garbled scan gives a *DecodeError wrapping
// qrscan.ErrGarbled; a well-read code that is not an ApCV code gives one
// wrapping qrscan.ErrNotApCV. The decoders then resynchronise on the next
// scan: at its first report (POS), after the next end key, or as soon as the
// keystrokes of credential.QRPrefix appear. Errors name the report index and the
// reason, never the scanned data.
//
// # Cost
//
// Decoding adds 0.06 to 0.6 µs per character (BenchmarkWedgeDecode, quiet
// to heavily loaded 2-core machine; one allocation per scan, the text),
// against 8 ms of typing per character by a wedge scanner: a 555-character
// code takes 4.4 s to type and well under a millisecond to decode.
package hid
